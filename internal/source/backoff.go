package source

import (
	"math/rand/v2"
	"time"
)

// afterSuccess is how long to wait after a good poll: the longest of what
// we and the upstream asked for (our interval, RSS ttl, Cache-Control
// max-age, Retry-After), plus a little jitter so that sources configured
// together drift apart, never beyond capDelay.
func afterSuccess(interval, ttl, maxAge, retryAfter, capDelay time.Duration) time.Duration {
	d := max(interval, ttl, maxAge, retryAfter)
	d += jitter(d / 20)
	return min(d, capDelay)
}

// afterError backs off exponentially from the source's interval: a failing
// upstream is never polled more often than a healthy one, the wait doubles
// with each consecutive error (less up to a tenth, so that many sources
// failing together do not retry together), and it never exceeds capDelay,
// so a source is never given up on. A Retry-After is honoured up to the
// cap.
func afterError(interval time.Duration, consecutive int, retryAfter, capDelay time.Duration) time.Duration {
	d := capDelay
	if consecutive < 1 {
		consecutive = 1
	}
	if shift := consecutive - 1; shift < 40 && interval<<shift > 0 && interval<<shift < capDelay {
		d = interval << shift
	}
	d -= jitter(d / 10)
	d = max(d, retryAfter)
	return min(d, capDelay)
}

func jitter(upTo time.Duration) time.Duration {
	if upTo <= 0 {
		return 0
	}
	return rand.N(upTo)
}
