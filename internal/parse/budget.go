package parse

import (
	"context"
	"slices"
	"sync"
)

// budget is a weighted semaphore: acquirers take amounts of a fixed size
// and wait, first come first served, until what they ask for is free. A
// large request is thus not passed over for ever by a stream of small
// ones. No request may exceed size.
type budget struct {
	size int64

	mu      sync.Mutex
	free    int64
	waiting []*waiter
}

type waiter struct {
	n     int64
	ready chan struct{} // closed once n is taken on the waiter's behalf
}

func newBudget(size int64) *budget { return &budget{size: size, free: size} }

func (b *budget) acquire(ctx context.Context, n int64) error {
	b.mu.Lock()
	if len(b.waiting) == 0 && n <= b.free {
		b.free -= n
		b.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	b.waiting = append(b.waiting, w)
	b.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready: // granted meanwhile: hand it back
			b.free += n
		default:
			b.waiting = slices.DeleteFunc(b.waiting, func(x *waiter) bool { return x == w })
		}
		b.grant() // the waiters behind this one may fit now
		return ctx.Err()
	}
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	b.grant()
}

// grant serves the waiters in order for as long as the first one fits.
func (b *budget) grant() {
	for len(b.waiting) > 0 && b.waiting[0].n <= b.free {
		w := b.waiting[0]
		b.waiting = b.waiting[1:]
		b.free -= w.n
		close(w.ready)
	}
}
