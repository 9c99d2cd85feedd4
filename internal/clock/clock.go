// Package clock is the API's one source of "now". Times are UTC and cut to
// the microsecond, the precision both stores keep, so that a time written
// and read back compares equal.
package clock

import "time"

// Clock returns the current time; a nil Clock is the wall clock. Tests
// pass a fixed or stepping function.
type Clock func() time.Time

// Now is the current instant in UTC, to the microsecond.
func (c Clock) Now() time.Time {
	var t time.Time
	if c == nil {
		t = time.Now()
	} else {
		t = c()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// Wall is the wall clock's Now, for schema defaults.
func Wall() time.Time { return Clock(nil).Now() }

// Layout is how the API writes an instant (SPEC 8's Time): RFC 3339 in UTC
// with a "Z" and exactly milliseconds. The GraphQL Time scalar and the
// invoice export both write through Format.
const Layout = "2006-01-02T15:04:05.000Z"

// Format writes t in UTC with Layout.
func Format(t time.Time) string { return string(AppendFormat(nil, t)) }

// AppendFormat appends Format(t) to b.
func AppendFormat(b []byte, t time.Time) []byte { return t.UTC().AppendFormat(b, Layout) }
