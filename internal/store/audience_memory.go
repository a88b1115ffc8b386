package store

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// memoryAudience is Memory's Audience. A day's figures are left out of
// answers, and dropped at the next write, once Retention has passed.
type memoryAudience struct {
	mu    sync.Mutex
	usage map[string]map[[2]string]*Usage       // day -> partner, section
	subs  map[string]map[[3]string]int64        // day -> section, reader, feed
	addrs map[string]map[string]map[string]bool // day -> section -> hashes
	salts map[string]salt
}

type salt struct {
	b       []byte
	expires time.Time
}

func (a *memoryAudience) init() {
	if a.usage == nil {
		a.usage = map[string]map[[2]string]*Usage{}
		a.subs = map[string]map[[3]string]int64{}
		a.addrs = map[string]map[string]map[string]bool{}
		a.salts = map[string]salt{}
	}
}

// live reports whether day's figures are still kept at now.
func live(day string, now time.Time) bool {
	exp, err := dayExpiry(day)
	return err == nil && now.Before(exp)
}

// prune drops what expired; a.mu is held.
func (a *memoryAudience) prune(now time.Time) {
	dropExpired(a.usage, now)
	dropExpired(a.subs, now)
	dropExpired(a.addrs, now)
	maps.DeleteFunc(a.salts, func(_ string, s salt) bool { return !now.Before(s.expires) })
}

// dropExpired deletes the days of byDay no longer kept at now.
func dropExpired[V any](byDay map[string]V, now time.Time) {
	maps.DeleteFunc(byDay, func(day string, _ V) bool { return !live(day, now) })
}

// inner is m[k], made first when missing.
func inner[K comparable, V any](m map[string]map[K]V, k string) map[K]V {
	in := m[k]
	if in == nil {
		in = map[K]V{}
		m[k] = in
	}
	return in
}

// withAudience runs f on the audience, locked, at the time now. A write
// first drops what has expired, which keeps memory bounded; a read only
// leaves expired days out of its answer.
func (m *Memory) withAudience(ctx context.Context, write bool, f func(a *memoryAudience, now time.Time) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a := &m.audience
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if write {
		a.init()
		a.prune(now)
	}
	return f(a, now)
}

// AddUsage implements Audience.
func (m *Memory) AddUsage(ctx context.Context, usage []Usage) error {
	for _, u := range usage {
		if _, err := dayExpiry(u.Day); err != nil {
			return err
		}
	}
	return m.withAudience(ctx, true, func(a *memoryAudience, now time.Time) error {
		for _, u := range usage {
			if !live(u.Day, now) {
				continue
			}
			day := inner(a.usage, u.Day)
			k := [2]string{u.Partner, u.Section}
			have := day[k]
			if have == nil {
				have = &Usage{Day: u.Day, Partner: u.Partner, Section: u.Section}
				day[k] = have
			}
			have.Requests += u.Requests
			have.NotModified += u.NotModified
			have.Bytes += u.Bytes
			if u.LastSeen.After(have.LastSeen) {
				have.LastSeen = u.LastSeen
			}
		}
		return nil
	})
}

// Usage implements Audience.
func (m *Memory) Usage(ctx context.Context, days []string) ([]Usage, error) {
	var out []Usage
	err := m.withAudience(ctx, false, func(a *memoryAudience, now time.Time) error {
		for _, day := range days {
			if !live(day, now) {
				continue
			}
			for _, u := range a.usage[day] {
				out = append(out, *u)
			}
		}
		return nil
	})
	return out, err
}

// SetSubscribers implements Audience.
func (m *Memory) SetSubscribers(ctx context.Context, counts []SubscriberCount) error {
	return m.withAudience(ctx, true, func(a *memoryAudience, now time.Time) error {
		for _, c := range counts {
			if _, err := dayExpiry(c.Day); err != nil {
				return err
			}
			if !live(c.Day, now) {
				continue
			}
			inner(a.subs, c.Day)[[3]string{c.Section, c.Reader, c.Feed}] = c.Subscribers
		}
		return nil
	})
}

// AddAddresses implements Audience.
func (m *Memory) AddAddresses(ctx context.Context, day, section string, hashes []string) error {
	if _, err := dayExpiry(day); err != nil {
		return err
	}
	return m.withAudience(ctx, true, func(a *memoryAudience, now time.Time) error {
		if !live(day, now) || len(hashes) == 0 {
			return nil
		}
		set := inner(inner(a.addrs, day), section)
		for _, h := range hashes {
			set[h] = true
		}
		return nil
	})
}

// AudienceDays implements Audience.
func (m *Memory) AudienceDays(ctx context.Context, days []string) ([]AudienceDay, error) {
	var out []AudienceDay
	err := m.withAudience(ctx, false, func(a *memoryAudience, now time.Time) error {
		for _, day := range slices.Compact(slices.Sorted(slices.Values(days))) {
			if !live(day, now) {
				continue
			}
			bySection := map[string]*AudienceDay{}
			get := func(section string) *AudienceDay {
				d := bySection[section]
				if d == nil {
					d = &AudienceDay{Day: day, Section: section, Readers: map[string]int64{}}
					bySection[section] = d
				}
				return d
			}
			for k, n := range a.subs[day] {
				get(k[0]).Readers[k[1]] += n
			}
			for section, set := range a.addrs[day] {
				get(section).Addresses = int64(len(set))
			}
			for _, d := range bySection {
				out = append(out, *d)
			}
		}
		return nil
	})
	return out, err
}

// DaySalt implements Audience.
func (m *Memory) DaySalt(ctx context.Context, day string, fresh []byte, expires time.Time) ([]byte, error) {
	var out []byte
	err := m.withAudience(ctx, true, func(a *memoryAudience, now time.Time) error {
		if s, ok := a.salts[day]; ok {
			out = slices.Clone(s.b)
			return nil
		}
		out = slices.Clone(fresh)
		// A salt already past its expiry serves this call and is not kept.
		if now.Before(expires) {
			a.salts[day] = salt{slices.Clone(fresh), expires}
		}
		return nil
	})
	return out, err
}
