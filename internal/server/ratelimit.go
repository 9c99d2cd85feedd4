package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/phystack/managed-tenants-api/internal/requestid"
)

// rateLimiter keeps one token bucket per key (a token's hash, or a client
// address) in memory. Buckets idle for longer than it takes to refill are
// dropped, so memory follows the number of active callers.
type rateLimiter struct {
	perSecond rate.Limit
	burst     int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxBuckets bounds the map: past it, idle buckets are swept at once, and if
// all are busy the oldest half goes (a callers flood, not real clients).
const maxBuckets = 100_000

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	return &rateLimiter{perSecond: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}}
}

// allow reports whether key may make one more request now, and if not, how
// long until it may.
func (r *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	idle := time.Duration(float64(r.burst)/float64(r.perSecond)*float64(time.Second)) + time.Minute
	if now.Sub(r.swept) > idle || len(r.buckets) >= maxBuckets {
		for k, b := range r.buckets {
			if now.Sub(b.seen) > idle {
				delete(r.buckets, k)
			}
		}
		r.swept = now
		if len(r.buckets) >= maxBuckets {
			for k := range r.buckets {
				if len(r.buckets) < maxBuckets/2 {
					break
				}
				delete(r.buckets, k)
			}
		}
	}
	b := r.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(r.perSecond, r.burst)}
		r.buckets[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimited answers 429 when key has used up its bucket.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request, key string) bool {
	if s.limiter == nil {
		return false
	}
	ok, wait, err := s.limiter.allow(r.Context(), key, time.Now())
	if err != nil {
		// A limiter that cannot answer must not stop the API: allow, and say so.
		s.log.WarnContext(r.Context(), "rate limiter unavailable", "request_id", requestid.FromContext(r.Context()), "error", err.Error())
	}
	if ok {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
	writeError(r.Context(), w, http.StatusTooManyRequests, "RATE_LIMITED", "too many requests: slow down")
	return true
}
