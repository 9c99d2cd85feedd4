package bench_test

import (
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/phystack/managed-tenants-api/internal/bench"
)

// DoExpect accepts the expected data only, and still reads the statement
// count after it.
func TestDoExpect(t *testing.T) {
	want := []byte(`{"tenant":{"id":"T1","names":["a","b"]}}`)
	for _, c := range []struct {
		name   string
		status int
		body   string
		n      int
		ok     bool
		gzip   bool
	}{
		{"the answer", 200, `{"data":` + string(want) + `,"extensions":{"sqlStatements":7}}`, 7, true, false},
		{"the answer, gzipped", 200, `{"data":` + string(want) + `,"extensions":{"sqlStatements":7}}`, 7, true, true},
		{"another answer, gzipped", 200, `{"data":{"tenant":null},"extensions":{"sqlStatements":7}}`, 7, false, true},
		{"no extensions", 200, `{"data":` + string(want) + `}`, -1, true, false},
		{"another answer", 200, `{"data":{"tenant":{"id":"T1","names":["a","c"]}},"extensions":{"sqlStatements":7}}`, 7, false, false},
		{"a longer answer", 200, `{"data":{"tenant":{"id":"T1","names":["a","b"]},"x":1},"extensions":{"sqlStatements":7}}`, 7, false, false},
		{"errors first", 200, `{"errors":[{"message":"no"}],"data":` + string(want) + `}`, -1, false, false},
		{"errors after", 200, `{"data":` + string(want) + `,"errors":[{"message":"no"}]}`, -1, false, false},
		{"a status", 503, `{"data":` + string(want) + `}`, -1, false, false},
		{"not JSON", 200, `{"data":` + string(want) + `,`, -1, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !c.gzip {
					w.WriteHeader(c.status)
					_, _ = w.Write([]byte(c.body))
					return
				}
				if r.Header.Get("Accept-Encoding") != "gzip" {
					t.Errorf("Accept-Encoding %q", r.Header.Get("Accept-Encoding"))
				}
				w.Header().Set("Content-Encoding", "gzip")
				w.WriteHeader(c.status)
				zw := gzip.NewWriter(w)
				_, _ = zw.Write([]byte(c.body))
				_ = zw.Close()
			}))
			defer srv.Close()
			cl := &bench.Client{URL: srv.URL, HTTP: srv.Client()}
			n, err := cl.DoExpect(context.Background(), "{ x }", nil, want)
			if (err == nil) != c.ok || (c.ok && n != c.n) {
				t.Fatalf("got %d %v, want %d ok=%v", n, err, c.n, c.ok)
			}
		})
	}
}

func TestInterleave(t *testing.T) {
	var (
		mu    sync.Mutex
		order []string
	)
	op := func(name string, pause time.Duration) bench.Op {
		return func(context.Context, int, int) (int, error) {
			mu.Lock()
			if len(order) == 0 || order[len(order)-1] != name {
				order = append(order, name)
			}
			mu.Unlock()
			time.Sleep(pause)
			return 3, nil
		}
	}
	res := bench.Interleave(1, 200*time.Millisecond, 4, []string{"fast", "slow"},
		[]bench.Op{op("fast", 2*time.Millisecond), op("slow", 8*time.Millisecond)})
	if want := []string{"fast", "slow", "fast", "slow", "fast", "slow", "fast", "slow"}; !slices.Equal(order, want) {
		t.Fatalf("rounds ran in the order %v, want %v", order, want)
	}
	fast, slow := res[0], res[1]
	if fast.Scenario != "fast" || slow.Scenario != "slow" {
		t.Fatalf("scenarios %q, %q", fast.Scenario, slow.Scenario)
	}
	// Each got its share of the time; the slow one's requests took longer
	// (sleeps only overshoot, so these hold on a loaded machine too).
	if fast.Requests < 4 || slow.Requests < 4 || fast.RPS <= 0 || slow.RPS <= 0 {
		t.Fatalf("fast: %+v, slow: %+v", fast, slow)
	}
	if fast.P50 < 2 || slow.P50 < 8 || fast.SQLPerRequest != 3 || fast.Errors != 0 {
		t.Fatalf("fast: %+v, slow: %+v", fast, slow)
	}
}
