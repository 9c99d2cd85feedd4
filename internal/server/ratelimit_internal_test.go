package server

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// However many callers come, the memory limiter keeps at most its size of
// buckets, and forgets the least recently seen first.
func TestMemoryLimiterStaysBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMemoryLimiter(1, 1, 10, time.Minute)
	for i := range 1000 {
		if d, err := m.Allow(ctx, fmt.Sprint("caller-", i)); err != nil || !d.Allowed {
			t.Fatalf("first request of caller %d: %+v, %v", i, d, err)
		}
		if n := m.buckets.Len(); n > 10 {
			t.Fatalf("%d buckets after %d callers, want at most 10", n, i+1)
		}
	}
	if n := m.buckets.Len(); n != 10 {
		t.Fatalf("%d buckets, want the 10 latest callers'", n)
	}
	// The latest caller's bucket is kept (spent), the first caller's is gone
	// (a new, full one).
	if d, _ := m.Allow(ctx, "caller-999"); d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("latest caller again: %+v, want refused with a wait", d)
	}
	if d, _ := m.Allow(ctx, "caller-0"); !d.Allowed {
		t.Fatalf("forgotten caller: %+v, want a new bucket", d)
	}
}

// A caller that keeps calling keeps its bucket past the idle time: it does
// not get a full bucket back while in use.
func TestMemoryLimiterKeepsABusyCallersBucket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const idle = 300 * time.Millisecond
	m := newMemoryLimiter(0.001, 2, 10, idle) // refills in ~30 minutes
	allowed := 0
	for start := time.Now(); time.Since(start) < 4*idle; time.Sleep(10 * time.Millisecond) {
		if d, _ := m.Allow(ctx, "busy"); d.Allowed {
			allowed++
		}
	}
	if allowed != 2 {
		t.Fatalf("%d requests allowed over %s of steady calls, want the burst of 2", allowed, 4*idle)
	}
	// Idle for longer than that, the bucket is forgotten.
	time.Sleep(idle + 50*time.Millisecond)
	if d, _ := m.Allow(ctx, "busy"); !d.Allowed {
		t.Fatalf("after %s idle: %+v, want a new bucket", idle, d)
	}
}

func TestNewLimiterIsOffAtZero(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	if _, ok := NewLimiter(c).(*memoryLimiter); !ok {
		t.Fatalf("default limiter = %T, want in memory", NewLimiter(c))
	}
	c.RatePerSecond = 0
	if l := NewLimiter(c); l != nil {
		t.Fatalf("RATE_LIMIT=0 gives %T, want none", l)
	}
}
