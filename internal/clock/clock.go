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
