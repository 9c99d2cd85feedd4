// Package scalars holds the custom GraphQL scalars.
package scalars

import (
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/clock"
)

// MarshalTime writes t in UTC with milliseconds (clock.Format, which the
// invoice export shares).
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = w.Write(AppendTime(nil, t))
	})
}

// AppendTime appends what MarshalTime writes: clock.Layout's digits, dashes,
// colons and letters need no escaping. The compiled read path's writer of
// Time (graph/compiledgen finds Append<X> next to Marshal<X>).
func AppendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = clock.AppendFormat(b, t)
	return append(b, '"')
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
