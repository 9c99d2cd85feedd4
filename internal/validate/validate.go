// Package validate checks and normalises free-text input: names, countries,
// emails, serial numbers and idempotency keys. Every function accepts input of
// any size and encoding and answers with an error message, never a panic.
package validate

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Name trims white space, normalises to NFC and checks 1..max code points
// with no control characters (category Cc).
func Name(s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("must be valid UTF-8")
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", errors.New("must not be blank")
	case n > max:
		return "", fmt.Errorf("must be at most %d characters", max)
	}
	for _, r := range s {
		if unicode.Is(unicode.Cc, r) {
			return "", errors.New("must not contain control characters")
		}
	}
	return s, nil
}

var folder = cases.Fold()

// Key is the comparison form of a validated name: NFC after case folding, so
// "Café", "CAFÉ" and "cafe\u0301" share one key.
func Key(name string) string {
	return norm.NFC.String(folder.String(norm.NFC.String(name)))
}

// withdrawn are codes CLDR still lists as regions though ISO 3166-1 has
// withdrawn them; x/text cannot tell them apart from assigned codes.
var withdrawn = map[string]bool{"AN": true, "CS": true, "NT": true, "SU": true, "YU": true}

// Country returns the upper-case ISO 3166-1 alpha-2 code of a real country
// (any case in). Regions that are not countries (EU, UN, 001), user-assigned
// or reserved codes (XK, ZZ, AC) and deprecated aliases (UK, DD) are refused.
func Country(s string) (string, error) {
	bad := errors.New("must be an ISO 3166-1 alpha-2 country code")
	if len(s) != 2 || !isASCIILetter(s[0]) || !isASCIILetter(s[1]) {
		return "", bad
	}
	code := strings.ToUpper(s)
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.String() != code || r.Canonicalize() != r ||
		r.M49() <= 0 || r.M49() >= 900 || r.ISO3() == "ZZZ" || withdrawn[code] {
		return "", bad
	}
	return code, nil
}

func isASCIILetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }

// Email returns the lower-cased bare address of s, or an error.
func Email(s string) (string, error) {
	bad := errors.New("must be an email address")
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || len(s) > 254 {
		return "", bad
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" || !strings.Contains(s, "@") {
		return "", bad
	}
	return strings.ToLower(s), nil
}

// IdempotencyKey accepts 1..255 printable ASCII characters: keys are usually
// UUIDs, and anything else is more likely a client bug than a key.
func IdempotencyKey(s string) (string, error) {
	if len(s) == 0 || len(s) > 255 {
		return "", errors.New("must be 1 to 255 characters")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return "", errors.New("must be printable ASCII without spaces")
		}
	}
	return s, nil
}
