// Package compiled is the runtime of the compiled read path (issue 11): a
// query's root field whose whole selection the generated writers support is
// answered by a plan compiled once per document and operation, which calls
// the same resolvers as gqlgen's executor, one after the other, and writes
// the JSON straight into a pooled buffer. The writers themselves are
// generated from the schema (graph/compiledgen, `make generate`) into
// graph/generated/compiled.go; this package holds what is the same for every
// type: the buffer, the plans, the per-request state and the fallback.
package compiled

import (
	"strconv"
	"unicode/utf8"
)

// Writer is the answer's bytes. It is an io.Writer and io.StringWriter so
// that gqlgen's marshalers write into it without copies.
type Writer struct{ B []byte }

func (w *Writer) Write(p []byte) (int, error) {
	w.B = append(w.B, p...)
	return len(p), nil
}

func (w *Writer) WriteString(s string) (int, error) {
	w.B = append(w.B, s...)
	return len(s), nil
}

// Byte appends one byte.
func (w *Writer) Byte(c byte) { w.B = append(w.B, c) }

// Null appends null.
func (w *Writer) Null() { w.B = append(w.B, "null"...) }

const hex = "0123456789ABCDEF"

// AppendString appends s quoted exactly as gqlgen's graphql.MarshalString
// writes it: only control characters, backslash and the quote are escaped
// (\t \r \n by name, the others as \u00XX); everything else, invalid UTF-8
// included, is copied as is.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			// gqlgen ranges over runes; a multi-byte rune (or an invalid
			// byte, which it reads as U+FFFD) is never escaped.
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		if c >= 0x20 && c != '\\' && c != '"' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\t':
			b = append(b, `\t`...)
		case '\r':
			b = append(b, `\r`...)
		case '\n':
			b = append(b, `\n`...)
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		default:
			b = append(b, `\u00`...)
			b = append(b, hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendInt appends i as gqlgen's graphql.MarshalInt does.
func AppendInt(b []byte, i int) []byte { return strconv.AppendInt(b, int64(i), 10) }

// AppendInt64 appends i as gqlgen's graphql.MarshalInt64 does.
func AppendInt64(b []byte, i int64) []byte { return strconv.AppendInt(b, i, 10) }

// AppendInt32 appends i as gqlgen's graphql.MarshalInt32 does.
func AppendInt32(b []byte, i int32) []byte { return strconv.AppendInt(b, int64(i), 10) }

// AppendBoolean appends v as gqlgen's graphql.MarshalBoolean does.
func AppendBoolean(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }
