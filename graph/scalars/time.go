// Package scalars holds the custom GraphQL scalars.
package scalars

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/phystack/managed-tenants-api/internal/apperr"
)

// Layout is RFC 3339 in UTC with a "Z" and exactly milliseconds (SPEC 8).
const Layout = "2006-01-02T15:04:05.000Z"

// MarshalTime writes t in UTC with milliseconds.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(Layout)))
	})
}

// UnmarshalTime accepts any RFC 3339 time and returns it in UTC.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.New(apperr.BadUserInput, "a Time must be an RFC 3339 string")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apperr.New(apperr.BadUserInput, "a Time must be an RFC 3339 string")
	}
	return t.UTC(), nil
}
