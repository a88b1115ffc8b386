package websub

import (
	"context"
	"sync"
)

// hostLimiter bounds the hub's requests in flight to one host, the same
// politeness [fetch] per_host gives polling.
type hostLimiter struct {
	limit int
	mu    sync.Mutex
	busy  map[string]int
	freed chan struct{} // closed and replaced whenever a slot frees
}

func newHostLimiter(limit int) *hostLimiter {
	return &hostLimiter{limit: max(limit, 1), busy: map[string]int{}, freed: make(chan struct{})}
}

// try takes a slot for host if one is free.
func (l *hostLimiter) try(host string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[host] >= l.limit {
		return false
	}
	l.busy[host]++
	return true
}

// wait takes a slot for host, waiting for one until ctx ends.
func (l *hostLimiter) wait(ctx context.Context, host string) error {
	for {
		l.mu.Lock()
		if l.busy[host] < l.limit {
			l.busy[host]++
			l.mu.Unlock()
			return nil
		}
		freed := l.freed
		l.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// done gives host's slot back.
func (l *hostLimiter) done(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[host]--; l.busy[host] <= 0 {
		delete(l.busy, host)
	}
	close(l.freed)
	l.freed = make(chan struct{})
}
