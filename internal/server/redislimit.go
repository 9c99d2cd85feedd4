package server

import (
	"context"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// limiter decides whether a caller may make one more request now.
type limiter interface {
	allow(ctx context.Context, key string, now time.Time) (ok bool, retryAfter time.Duration, err error)
}

// memoryLimiter is the per-instance limiter.
type memoryLimiter struct{ *rateLimiter }

func (m memoryLimiter) allow(_ context.Context, key string, now time.Time) (bool, time.Duration, error) {
	ok, wait := m.rateLimiter.allow(key, now)
	return ok, wait, nil
}

// redisLimiter shares the buckets between instances through Redis (GCRA, as
// go-redis's redis_rate implements it).
type redisLimiter struct {
	lim   *redis_rate.Limiter
	limit redis_rate.Limit
}

func newRedisLimiter(rdb *redis.Client, perSecond float64, burst int) *redisLimiter {
	limit := redis_rate.Limit{Rate: int(math.Round(perSecond)), Burst: burst, Period: time.Second}
	if perSecond < 1 {
		// Below one per second: one per 1/perSecond seconds.
		limit = redis_rate.Limit{Rate: 1, Burst: burst, Period: time.Duration(float64(time.Second) / perSecond)}
	}
	return &redisLimiter{lim: redis_rate.NewLimiter(rdb), limit: limit}
}

func (r *redisLimiter) allow(ctx context.Context, key string, _ time.Time) (bool, time.Duration, error) {
	res, err := r.lim.Allow(ctx, "phystack:"+key, r.limit)
	if err != nil {
		return true, 0, err
	}
	return res.Allowed > 0, res.RetryAfter, nil
}
