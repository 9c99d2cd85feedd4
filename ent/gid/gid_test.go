package gid

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, s := range spans {
		for _, id := range []int{s.start, s.start + 1, s.start + rangeSize - 1} {
			if got := Decode(Encode(id)); got != id {
				t.Errorf("Decode(Encode(%d)) = %d", id, got)
			}
		}
	}
	for _, bad := range []string{"", "abc", "dGVuYW50czo", Encode(-5), strings.Repeat("A", 1000), "\xff\x00"} {
		if got := Decode(bad); got != Invalid {
			t.Errorf("Decode(%q) = %d, want Invalid", bad, got)
		}
	}
	// A table name that does not match the id's range is refused: an id of
	// one table dressed as another's names nothing.
	other := spans[1].table
	forged := base64.RawURLEncoding.EncodeToString([]byte(other + ":" + strconv.Itoa(spans[0].start+1)))
	if got := Decode(forged); got != Invalid {
		t.Fatalf("Decode(%s:%d) = %d, want Invalid", other, spans[0].start+1, got)
	}
}

// FuzzDecode: any string decodes to Invalid or to an id whose encoding is
// the canonical form of a real range; never a panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "abc", Encode(spans[0].start + 7), "dGVuYW50czox", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := Decode(s)
		if id == Invalid {
			return
		}
		if Table(id) == "" || Decode(Encode(id)) != id {
			t.Fatalf("Decode(%q) = %d, not a valid id", s, id)
		}
	})
}

// AppendID, the compiled read path's writer, writes what MarshalID writes,
// which is the quoted global id.
func TestAppendIDWritesMarshalID(t *testing.T) {
	for _, id := range []int{0, 1, 42, 1 << 32, 3<<32 + 17, 9<<32 + 123456789, -5} {
		var b bytes.Buffer
		MarshalID(id).MarshalGQL(&b)
		if got := AppendID([]byte("x"), id); string(got) != "x"+b.String() || b.String() != strconv.Quote(Encode(id)) {
			t.Errorf("id %d: AppendID %s, MarshalID %s, quoted Encode %s", id, got, b.String(), strconv.Quote(Encode(id)))
		}
		if raw, err := base64.RawURLEncoding.DecodeString(Encode(id)); err != nil || string(raw) != Table(id)+":"+strconv.Itoa(id) {
			t.Errorf("id %d: Encode decodes to %q, %v", id, raw, err)
		}
	}
}
