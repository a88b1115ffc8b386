package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Leases coordinate a fleet: while one instance holds a lease, no other
// can take it. A lease is never released early, only left to expire (or
// extended), so that a crashed holder delays work by at most its TTL.
type Leases interface {
	// Acquire takes lease name for ttl if nobody holds it.
	Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error)
	// Extend makes lease name expire ttl from now.
	Extend(ctx context.Context, name string, ttl time.Duration) error
}

// Acquire implements Leases with SET NX PX, which Redis runs atomically
// on its own clock, so instances' clocks need not agree.
func (r *Redis) Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	ok, err := r.client.SetNX(ctx, r.leaseKey(name), "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("store: redis: acquire lease %s: %w", name, err)
	}
	return ok, nil
}

// Extend implements Leases.
func (r *Redis) Extend(ctx context.Context, name string, ttl time.Duration) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	if err := r.client.PExpire(ctx, r.leaseKey(name), ttl).Err(); err != nil {
		return fmt.Errorf("store: redis: extend lease %s: %w", name, err)
	}
	return nil
}

// leaseKey puts a source's lease in its source's slot: names are
// "src:<id>:…" or "sec:<slug>:…".
func (r *Redis) leaseKey(name string) string {
	kind, rest, _ := cutTag(name)
	return r.opts.Prefix + "{" + kind + "}:lease:" + rest
}

// cutTag splits "src:wire:poll" into the hash tag "src:wire" and "poll".
func cutTag(name string) (tag, rest string, ok bool) {
	colons := 0
	for i := range len(name) {
		if name[i] == ':' {
			colons++
			if colons == 2 {
				return name[:i], name[i+1:], true
			}
		}
	}
	return name, "", false
}

// memoryLeases is the single-instance Leases: the only contender is this
// process.
type memoryLeases struct {
	mu      sync.Mutex
	expires map[string]time.Time
}

// Acquire implements Leases.
func (m *Memory) Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.leases.mu.Lock()
	defer m.leases.mu.Unlock()
	now := time.Now()
	if exp, held := m.leases.expires[name]; held && now.Before(exp) {
		return false, nil
	}
	if m.leases.expires == nil {
		m.leases.expires = map[string]time.Time{}
	}
	m.leases.expires[name] = now.Add(ttl)
	return true, nil
}

// Extend implements Leases.
func (m *Memory) Extend(ctx context.Context, name string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.leases.mu.Lock()
	defer m.leases.mu.Unlock()
	if _, held := m.leases.expires[name]; held {
		m.leases.expires[name] = time.Now().Add(ttl)
	}
	return nil
}
