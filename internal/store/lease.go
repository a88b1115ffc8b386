package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrLeaseLost is returned by Extend and Release when the lease is no
// longer held by the token presented: it expired, and perhaps another
// instance has taken it since.
var ErrLeaseLost = errors.New("store: lease not held")

// Lease is a held lease: its name and the token that proves who holds
// it. Only the Lease that Acquire returned can extend or release it.
type Lease struct {
	Name  string
	Token string
}

// Leases coordinate a fleet: while one instance holds a lease, no other
// can take it. A lease expires by itself at the end of its TTL, so a
// crashed holder delays work by at most that long.
type Leases interface {
	// Acquire takes lease name for ttl if nobody holds it; ok is false
	// when somebody does.
	Acquire(ctx context.Context, name string, ttl time.Duration) (l Lease, ok bool, err error)
	// Extend makes l expire ttl from now, or returns ErrLeaseLost if l is
	// no longer held by its token. ttl may shorten the lease.
	Extend(ctx context.Context, l Lease, ttl time.Duration) error
	// Release frees l at once, or returns ErrLeaseLost if l is no longer
	// held by its token; another holder's lease is left alone.
	Release(ctx context.Context, l Lease) error
}

// newLease gives name a token nobody else will draw.
func newLease(name string) Lease { return Lease{Name: name, Token: rand.Text()} }

// Extend and Release compare the token and act in one script, so nobody
// can take the lease between the check and the act. Each touches one key,
// which Redis Cluster requires of a script.
var (
	extendScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)
	releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)
)

// Acquire implements Leases with SET NX PX, which Redis runs atomically
// on its own clock, so instances' clocks need not agree.
func (r *Redis) Acquire(ctx context.Context, name string, ttl time.Duration) (Lease, bool, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	l := newLease(name)
	ok, err := r.client.SetNX(ctx, r.leaseKey(name), l.Token, leaseMillis(ttl)).Result()
	if err != nil {
		return Lease{}, false, fmt.Errorf("store: redis: acquire lease %s: %w", name, err)
	}
	if !ok {
		return Lease{}, false, nil
	}
	return l, true, nil
}

// Extend implements Leases.
func (r *Redis) Extend(ctx context.Context, l Lease, ttl time.Duration) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	n, err := extendScript.Run(ctx, r.client, []string{r.leaseKey(l.Name)}, l.Token, leaseMillis(ttl).Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("store: redis: extend lease %s: %w", l.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("store: redis: extend lease %s: %w", l.Name, ErrLeaseLost)
	}
	return nil
}

// Release implements Leases.
func (r *Redis) Release(ctx context.Context, l Lease) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	n, err := releaseScript.Run(ctx, r.client, []string{r.leaseKey(l.Name)}, l.Token).Int()
	if err != nil {
		return fmt.Errorf("store: redis: release lease %s: %w", l.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("store: redis: release lease %s: %w", l.Name, ErrLeaseLost)
	}
	return nil
}

// leaseMillis rounds ttl up to the whole milliseconds Redis counts in: a
// TTL under 1ms would be an error, and truncating would end a lease early.
func leaseMillis(ttl time.Duration) time.Duration {
	return (max(ttl, time.Millisecond) + time.Millisecond - 1).Truncate(time.Millisecond)
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

// memoryLeases is the single-instance Leases: the only contenders are
// this process's own goroutines.
type memoryLeases struct {
	mu   sync.Mutex
	held map[string]memoryLease
}

type memoryLease struct {
	token   string
	expires time.Time
}

// holder returns the token holding name now, or "" when it is free.
// The caller holds mu.
func (m *memoryLeases) holder(name string, now time.Time) string {
	h, ok := m.held[name]
	if !ok || !now.Before(h.expires) {
		return ""
	}
	return h.token
}

// Acquire implements Leases.
func (m *Memory) Acquire(ctx context.Context, name string, ttl time.Duration) (Lease, bool, error) {
	if err := ctx.Err(); err != nil {
		return Lease{}, false, err
	}
	m.leases.mu.Lock()
	defer m.leases.mu.Unlock()
	now := time.Now()
	if m.leases.holder(name, now) != "" {
		return Lease{}, false, nil
	}
	if m.leases.held == nil {
		m.leases.held = map[string]memoryLease{}
	}
	l := newLease(name)
	m.leases.held[name] = memoryLease{token: l.Token, expires: now.Add(ttl)}
	return l, true, nil
}

// Extend implements Leases.
func (m *Memory) Extend(ctx context.Context, l Lease, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.leases.mu.Lock()
	defer m.leases.mu.Unlock()
	now := time.Now()
	if m.leases.holder(l.Name, now) != l.Token || l.Token == "" {
		return fmt.Errorf("store: memory: extend lease %s: %w", l.Name, ErrLeaseLost)
	}
	m.leases.held[l.Name] = memoryLease{token: l.Token, expires: now.Add(ttl)}
	return nil
}

// Release implements Leases.
func (m *Memory) Release(ctx context.Context, l Lease) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.leases.mu.Lock()
	defer m.leases.mu.Unlock()
	if m.leases.holder(l.Name, time.Now()) != l.Token || l.Token == "" {
		return fmt.Errorf("store: memory: release lease %s: %w", l.Name, ErrLeaseLost)
	}
	delete(m.leases.held, l.Name)
	return nil
}
