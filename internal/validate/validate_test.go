package validate

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestName(t *testing.T) {
	t.Parallel()
	decomposedE := "e\u0301" // "é" as two code points
	tests := []struct {
		name    string
		in      string
		max     int
		want    string
		wantErr bool
	}{
		{"plain", "Acme", 100, "Acme", false},
		{"trimmed", "  Acme Retail \t\n", 100, "Acme Retail", false},
		{"inner space kept", "a  b", 100, "a  b", false},
		{"unicode spaces trimmed", "\u00a0Acme\u3000", 100, "Acme", false},
		{"NFC", "Cafe\u0301", 100, "Caf\u00e9", false},
		{"already NFC", "Caf\u00e9", 100, "Caf\u00e9", false},
		{"hangul jamo composed", "\u1100\u1161", 100, "\uac00", false},
		{"CJK", "日本の店", 100, "日本の店", false},
		{"one code point", "x", 100, "x", false},
		{"exactly max", strings.Repeat("a", 100), 100, strings.Repeat("a", 100), false},
		{"max counted in code points not bytes", strings.Repeat("é", 100), 100, strings.Repeat("é", 100), false},
		{"max counted after NFC", strings.Repeat(decomposedE, 100), 100, strings.Repeat("é", 100), false},
		{"emoji are one code point each", strings.Repeat("👍", 100), 100, strings.Repeat("👍", 100), false},
		{"max counted after trim", "  " + strings.Repeat("a", 100) + "  ", 100, strings.Repeat("a", 100), false},
		{"format char (Cf) allowed", "a\u200bb", 100, "a\u200bb", false},

		{"empty", "", 100, "", true},
		{"blank", "   ", 100, "", true},
		{"only tabs and newlines", "\t\r\n", 100, "", true},
		{"only unicode spaces", "\u00a0\u2003\u3000", 100, "", true},
		{"one over max", strings.Repeat("a", 101), 100, "", true},
		{"one over max in code points", strings.Repeat("é", 101), 100, "", true},
		{"small max", "abc", 2, "", true},
		{"NUL", "a\x00b", 100, "", true},
		{"bell", "a\ab", 100, "", true},
		{"escape", "a\x1bb", 100, "", true},
		{"inner newline", "a\nb", 100, "", true},
		{"DEL", "a\x7fb", 100, "", true},
		{"C1 NEL", "a\u0085b", 100, "", true},
		{"C1 CSI", "a\u009bb", 100, "", true},
		{"invalid UTF-8", "a\xffb", 100, "", true},
		{"truncated UTF-8", "caf\xc3", 100, "", true},
		{"surrogate half", "a\xed\xa0\x80", 100, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Name(tc.in, tc.max)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Name(%q, %d) = %q, want an error", tc.in, tc.max, got)
				}
				if got != "" {
					t.Errorf("Name(%q) returned %q with its error", tc.in, got)
				}
				if err.Error() == "" {
					t.Errorf("empty error message")
				}
				return
			}
			if err != nil {
				t.Fatalf("Name(%q, %d): %v", tc.in, tc.max, err)
			}
			if got != tc.want {
				t.Fatalf("Name(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	same := [][]string{
		{"Café", "CAFÉ", "cafe\u0301", "CAFE\u0301", "caf\u00e9"},
		{"Straße", "STRASSE", "strasse"},
		{"ΣΑΣ", "σας", "σασ"},
		{"\u212a", "K", "k"}, // KELVIN SIGN
		{"Acme Retail", "ACME RETAIL", "acme retail"},
		{"\u00c5", "A\u030a", "\u212b", "\u00e5"}, // Å, A+ring, ANGSTROM SIGN, å
	}
	for _, group := range same {
		k := Key(group[0])
		if k == "" {
			t.Fatalf("Key(%q) is empty", group[0])
		}
		if !norm.NFC.IsNormalString(k) {
			t.Errorf("Key(%q) = %q is not NFC", group[0], k)
		}
		for _, s := range group[1:] {
			if got := Key(s); got != k {
				t.Errorf("Key(%q) = %q, want Key(%q) = %q", s, got, group[0], k)
			}
		}
		if Key(k) != k {
			t.Errorf("Key is not idempotent on %q", k)
		}
	}
	different := [][2]string{
		{"Acme", "Acme Inc"},
		{"Cafe", "Café"},
		{"a b", "ab"},
		{"Acme", " Acme"}, // Key does not trim: names are validated first
	}
	for _, p := range different {
		if Key(p[0]) == Key(p[1]) {
			t.Errorf("Key(%q) == Key(%q), want different", p[0], p[1])
		}
	}
}

// iso3166 is every officially assigned ISO 3166-1 alpha-2 code (249).
const iso3166 = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW`

func TestCountry(t *testing.T) {
	t.Parallel()
	valid := []struct{ in, want string }{
		{"SE", "SE"}, {"se", "SE"}, {"Se", "SE"}, {"sE", "SE"},
		{"US", "US"}, {"us", "US"}, {"GB", "GB"}, {"gb", "GB"}, {"DE", "DE"}, {"de", "DE"},
		{"AQ", "AQ"}, {"HK", "HK"}, {"PS", "PS"}, {"TW", "TW"},
	}
	for _, tc := range valid {
		got, err := Country(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Country(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	invalid := []string{
		"XX", "EU", "UN", "UK", "ZZ", "XK", "AC", "YU", "DD", "001", "SWE", "", "S",
		"\x00\x00", "ÅÄ", "Å", "uk", "eu", "xk", "zz",
		"AN", "CS", "SU", "BU", "TP", "ZR", "NT", // transitionally reserved / withdrawn
		"CP", "DG", "EA", "EZ", "FX", "IC", "TA", // exceptionally reserved
		"AA", "QM", "QZ", "XA", "XZ", "QO", // user-assigned
		"S1", "1S", "S ", " S", " SE", "SE ", "S-", "s\x00", "\xffS", "Ｓ", "ＳＥ",
		"DE\n", "419", "150",
	}
	for _, in := range invalid {
		if got, err := Country(in); err == nil {
			t.Errorf("Country(%q) = %q, want an error", in, got)
		}
	}
}

// TestCountryAcceptsExactlyISO3166 runs every pair of ASCII letters: the
// 249 assigned codes are accepted in both cases, nothing else is.
func TestCountryAcceptsExactlyISO3166(t *testing.T) {
	t.Parallel()
	assigned := map[string]bool{}
	for _, c := range strings.Fields(iso3166) {
		assigned[c] = true
	}
	if len(assigned) != 249 {
		t.Fatalf("test table has %d codes, want 249", len(assigned))
	}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			for _, in := range []string{code, strings.ToLower(code), string(a) + strings.ToLower(string(b))} {
				got, err := Country(in)
				switch {
				case assigned[code] && (err != nil || got != code):
					t.Errorf("Country(%q) = %q, %v; want %q (an assigned ISO 3166-1 code)", in, got, err, code)
				case !assigned[code] && err == nil:
					t.Errorf("Country(%q) = %q, want an error (not an assigned ISO 3166-1 code)", in, got)
				}
			}
		}
	}
}

func TestEmail(t *testing.T) {
	t.Parallel()
	valid := []struct{ in, want string }{
		{"ada@example.com", "ada@example.com"},
		{"Ada@Example.COM", "ada@example.com"},
		{"  ada@example.com\t", "ada@example.com"},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"},
		{"user@localhost", "user@localhost"},
		{"åsa@exempel.se", "åsa@exempel.se"},
	}
	for _, tc := range valid {
		got, err := Email(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Email(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	invalid := []string{
		"", "   ", "ada", "ada@", "@example.com", "ada@@example.com", "ada@b@c",
		"Ada <ada@example.com>", "<ada@example.com>", "ada@example.com, bob@example.com",
		"ada example@x.com", "ada.@example.com", ".ada@example.com", "(comment)ada@example.com",
		"ada@exa mple.com", "ada\x00@example.com", "ada@example.com\x00", "\xff@example.com",
		strings.Repeat("a", 250) + "@x.com",
	}
	for _, in := range invalid {
		if got, err := Email(in); err == nil {
			t.Errorf("Email(%q) = %q, want an error", in, got)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	valid := []string{
		"a", "123e4567-e89b-12d3-a456-426614174000", "!", "~",
		strings.Repeat("k", 255), "key_with:punctuation/and.dots",
	}
	for _, in := range valid {
		got, err := IdempotencyKey(in)
		if err != nil || got != in {
			t.Errorf("IdempotencyKey(%q) = %q, %v; want it unchanged", in, got, err)
		}
	}
	invalid := []string{
		"", strings.Repeat("k", 256), "a b", " a", "a ", "a\tb", "a\nb", "a\x00", "\x7f",
		"é", "ключ", "\xff", "key\u00a0",
	}
	for _, in := range invalid {
		if got, err := IdempotencyKey(in); err == nil {
			t.Errorf("IdempotencyKey(%q) = %q, want an error", in, got)
		}
	}
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"", " ", "Acme", "  Café  ", "cafe\u0301", "a\x00b", "\xff", "\u00a0x\u3000",
		strings.Repeat("é", 101), "\u0301", " \u0301", "a\u0085", "日本", "\u2001x\u2001"} {
		f.Add(s, 100)
	}
	f.Add("abc", 2)
	f.Add("abc", 0)
	f.Add("abc", -1)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 300
		out, err := Name(s, max)
		if err != nil {
			if out != "" {
				t.Fatalf("Name(%q) returned %q with error %v", s, out, err)
			}
			return
		}
		n := utf8.RuneCountInString(out)
		switch {
		case !utf8.ValidString(out):
			t.Fatalf("Name(%q) = %q is not valid UTF-8", s, out)
		case n < 1 || n > max:
			t.Fatalf("Name(%q, %d) = %q has %d code points", s, max, out, n)
		case !norm.NFC.IsNormalString(out):
			t.Fatalf("Name(%q) = %q is not NFC", s, out)
		case strings.TrimSpace(out) != out:
			t.Fatalf("Name(%q) = %q is not trimmed", s, out)
		case strings.IndexFunc(out, func(r rune) bool { return unicode.Is(unicode.Cc, r) }) >= 0:
			t.Fatalf("Name(%q) = %q holds a control character", s, out)
		}
		if again, err := Name(out, max); err != nil || again != out {
			t.Fatalf("Name is not idempotent: Name(%q) = %q, %v", out, again, err)
		}
	})
}

func FuzzCountry(f *testing.F) {
	for _, s := range []string{"SE", "se", "XX", "EU", "UK", "001", "", "S", "\x00\x00", "ÅÄ", "XK", "zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Country(s)
		if err != nil {
			if out != "" {
				t.Fatalf("Country(%q) returned %q with error %v", s, out, err)
			}
			return
		}
		if len(out) != 2 || out[0] < 'A' || out[0] > 'Z' || out[1] < 'A' || out[1] > 'Z' {
			t.Fatalf("Country(%q) = %q, want two upper-case ASCII letters", s, out)
		}
		if !strings.EqualFold(s, out) {
			t.Fatalf("Country(%q) = %q is not the input's code", s, out)
		}
		for _, again := range []string{out, strings.ToLower(out)} {
			if got, err := Country(again); err != nil || got != out {
				t.Fatalf("Country(%q) = %q, %v; want %q", again, got, err, out)
			}
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "Ada@Example.COM", " a@b ", "a", "@", "a@b@c",
		"Ada <ada@example.com>", "\xff@x", "åsa@exempel.se", "İ@x.se", "a@[1.2.3.4]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Email(s)
		if err != nil {
			if out != "" {
				t.Fatalf("Email(%q) returned %q with error %v", s, out, err)
			}
			return
		}
		switch {
		case !utf8.ValidString(out):
			t.Fatalf("Email(%q) = %q is not valid UTF-8", s, out)
		case out != strings.ToLower(out):
			t.Fatalf("Email(%q) = %q is not lower case", s, out)
		case strings.Count(out, "@") < 1 || strings.TrimSpace(out) != out:
			t.Fatalf("Email(%q) = %q is not a bare address", s, out)
		case strings.ContainsAny(out, "<>,\x00\r\n"):
			t.Fatalf("Email(%q) = %q holds a separator", s, out)
		}
		if again, err := Email(out); err != nil || again != out {
			t.Fatalf("Email is not idempotent: Email(%q) = %q, %v", out, again, err)
		}
	})
}

func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []string{"", "a", "a b", strings.Repeat("k", 255), strings.Repeat("k", 256), "é", "\x7f", "~!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := IdempotencyKey(s)
		if err != nil {
			if out != "" {
				t.Fatalf("IdempotencyKey(%q) returned %q with error %v", s, out, err)
			}
			return
		}
		if out != s {
			t.Fatalf("IdempotencyKey(%q) = %q, want it unchanged", s, out)
		}
		if len(out) < 1 || len(out) > 255 {
			t.Fatalf("IdempotencyKey accepted %d bytes", len(out))
		}
		for i := 0; i < len(out); i++ {
			if out[i] < 0x21 || out[i] > 0x7e {
				t.Fatalf("IdempotencyKey(%q) accepted byte %#x", s, out[i])
			}
		}
	})
}
