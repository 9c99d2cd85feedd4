package compiled

import (
	"bytes"
	"math"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func marshal(m graphql.Marshaler) []byte {
	var b bytes.Buffer
	m.MarshalGQL(&b)
	return b.Bytes()
}

// The writers of the built-in scalars write gqlgen's bytes exactly.
func TestAppendsWriteWhatGQLGenWrites(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "tab\tcr\rlf\n", "\x00\x01\x1f\x7f",
		"Straße 日本語 العربية 😀", "invalid \xff\xfe utf-8 \xc3", "\u2028\u2029", "</script>&<>",
	} {
		if got, want := AppendString(nil, s), marshal(graphql.MarshalString(s)); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, gqlgen writes %s", s, got, want)
		}
	}
	for _, i := range []int{0, 1, -1, 42, math.MaxInt, math.MinInt} {
		if got, want := AppendInt(nil, i), marshal(graphql.MarshalInt(i)); !bytes.Equal(got, want) {
			t.Errorf("AppendInt(%d) = %s, gqlgen writes %s", i, got, want)
		}
		if got, want := AppendInt64(nil, int64(i)), marshal(graphql.MarshalInt64(int64(i))); !bytes.Equal(got, want) {
			t.Errorf("AppendInt64(%d) = %s, gqlgen writes %s", i, got, want)
		}
		if got, want := AppendInt32(nil, int32(i)), marshal(graphql.MarshalInt32(int32(i))); !bytes.Equal(got, want) {
			t.Errorf("AppendInt32(%d) = %s, gqlgen writes %s", int32(i), got, want)
		}
	}
	for _, v := range []bool{true, false} {
		if got, want := AppendBoolean(nil, v), marshal(graphql.MarshalBoolean(v)); !bytes.Equal(got, want) {
			t.Errorf("AppendBoolean(%v) = %s, gqlgen writes %s", v, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c", "\x00\n\t\r", "日本\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString([]byte("prefix"), s), append([]byte("prefix"), marshal(graphql.MarshalString(s))...); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, gqlgen writes %s", s, got, want)
		}
	})
}
