package scalars

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/internal/clock"
)

// AppendTime, the compiled read path's writer, writes what MarshalTime
// writes: clock.Format quoted, in UTC with milliseconds.
func TestAppendTimeWritesMarshalTime(t *testing.T) {
	for _, at := range []time.Time{
		{},
		time.Date(2026, 12, 3, 1, 2, 3, 456789000, time.UTC),
		time.Date(1999, 1, 1, 23, 59, 59, 999999999, time.FixedZone("x", -7*3600)),
	} {
		var b bytes.Buffer
		MarshalTime(at).MarshalGQL(&b)
		want := strconv.Quote(at.UTC().Format(clock.Layout))
		if got := AppendTime([]byte("x"), at); string(got) != "x"+want || b.String() != want {
			t.Errorf("%v: AppendTime %s, MarshalTime %s, want %s", at, got, b.String(), want)
		}
	}
}
