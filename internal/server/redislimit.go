package server

import (
	"context"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

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

func (r *redisLimiter) Allow(ctx context.Context, key string) (Decision, error) {
	res, err := r.lim.Allow(ctx, "phystack:"+key, r.limit)
	if err != nil {
		return Decision{}, err
	}
	return Decision{Allowed: res.Allowed > 0, RetryAfter: res.RetryAfter}, nil
}
