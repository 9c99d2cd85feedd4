package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"github.com/phystack/managed-tenants-api/internal/requestid"
)

// Limiter decides whether a caller (a token's hash, or a client address)
// may make one more request now. An error means it could not decide (Redis
// down): the server then lets the request through.
type Limiter interface {
	Allow(ctx context.Context, key string) (Decision, error)
}

// Decision is a Limiter's answer: if not Allowed, when to try again.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration
}

// maxBuckets bounds the callers remembered by one instance; past it the
// least recently seen are forgotten (a flood of callers, not real clients).
const maxBuckets = 100_000

// NewLimiter is the limiter c asks for: nil when RatePerSecond is 0 (off),
// shared through Redis when c.Redis is set, else per instance in memory.
func NewLimiter(c Config) Limiter {
	switch {
	case c.RatePerSecond <= 0:
		return nil
	case c.Redis != nil:
		return newRedisLimiter(c.Redis, c.RatePerSecond, c.RateBurst)
	}
	// A bucket idle for as long as it takes to refill is full: forgetting
	// it then changes nothing. The minute is slack.
	refill := time.Duration(float64(c.RateBurst) / c.RatePerSecond * float64(time.Second))
	return newMemoryLimiter(c.RatePerSecond, c.RateBurst, maxBuckets, refill+time.Minute)
}

// memoryLimiter keeps one token bucket per key in an LRU whose entries
// expire when idle, so memory follows the number of active callers and
// never exceeds size buckets.
type memoryLimiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex // makes finding or creating a key's bucket one step
	buckets *expirable.LRU[string, *rate.Limiter]
}

// newMemoryLimiter builds the in-memory limiter. Its LRU sweeps expired
// buckets from a goroutine of its own that never stops (golang-lru v2.0.7
// has no Close): build one per process, as Handler does once per server.
func newMemoryLimiter(perSecond float64, burst, size int, idle time.Duration) *memoryLimiter {
	return &memoryLimiter{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		buckets: expirable.NewLRU[string, *rate.Limiter](size, nil, idle),
	}
}

func (m *memoryLimiter) Allow(_ context.Context, key string) (Decision, error) {
	m.mu.Lock()
	b, ok := m.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(m.limit, m.burst)
	}
	// Add even when found: expirable's Get does not push back an entry's
	// expiry, Add does. With Get alone a busy caller's bucket would expire
	// idle after its creation and come back full.
	m.buckets.Add(key, b)
	m.mu.Unlock()

	now := time.Now()
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return Decision{RetryAfter: d}, nil
	}
	return Decision{Allowed: true}, nil
}

// rateLimited answers 429 when key has used up its bucket.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request, key string) bool {
	if s.limiter == nil {
		return false
	}
	d, err := s.limiter.Allow(r.Context(), key)
	if err != nil {
		// A limiter that cannot answer must not stop the API: allow, and say so.
		s.log.WarnContext(r.Context(), "rate limiter unavailable", "request_id", requestid.FromContext(r.Context()), "error", err.Error())
		return false
	}
	if d.Allowed {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(d.RetryAfter/time.Second)+1))
	writeError(r.Context(), w, http.StatusTooManyRequests, "RATE_LIMITED", "too many requests: slow down")
	return true
}
