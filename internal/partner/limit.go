package partner

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket of rate requests per minute, holding at most
// a minute's worth: a partner may fetch all its feeds at once, then at
// its rate.
type limiter struct {
	mu     sync.Mutex
	perSec float64
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(perMinute int) *limiter {
	return &limiter{perSec: float64(perMinute) / 60, burst: float64(perMinute), tokens: float64(perMinute)}
}

// Allow takes one request from p's allowance at now. When there is none
// left it says how long until there is: the Retry-After of the 429.
func (p *Partner) Allow(now time.Time) (ok bool, retryAfter time.Duration) {
	if p.limit == nil {
		return true, 0
	}
	return p.limit.take(now)
}

func (l *limiter) take(now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() {
		l.tokens = math.Min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.perSec)
	}
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return true, 0
	}
	wait := (1 - l.tokens) / l.perSec
	return false, time.Duration(math.Ceil(wait)) * time.Second
}
