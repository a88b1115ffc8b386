package store

import (
	"context"
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
	for day := range a.usage {
		if !live(day, now) {
			delete(a.usage, day)
		}
	}
	for day := range a.subs {
		if !live(day, now) {
			delete(a.subs, day)
		}
	}
	for day := range a.addrs {
		if !live(day, now) {
			delete(a.addrs, day)
		}
	}
	for day, s := range a.salts {
		if !now.Before(s.expires) {
			delete(a.salts, day)
		}
	}
}

// AddUsage implements Audience.
func (m *Memory) AddUsage(ctx context.Context, usage []Usage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, u := range usage {
		if _, err := dayExpiry(u.Day); err != nil {
			return err
		}
	}
	a := &m.audience
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	now := time.Now()
	a.prune(now)
	for _, u := range usage {
		if !live(u.Day, now) {
			continue
		}
		day := a.usage[u.Day]
		if day == nil {
			day = map[[2]string]*Usage{}
			a.usage[u.Day] = day
		}
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
}

// Usage implements Audience.
func (m *Memory) Usage(ctx context.Context, days []string) ([]Usage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := &m.audience
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	var out []Usage
	for _, day := range days {
		if !live(day, now) {
			continue
		}
		for _, u := range a.usage[day] {
			out = append(out, *u)
		}
	}
	return out, nil
}

// SetSubscribers implements Audience.
func (m *Memory) SetSubscribers(ctx context.Context, counts []SubscriberCount) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a := &m.audience
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	now := time.Now()
	a.prune(now)
	for _, c := range counts {
		if _, err := dayExpiry(c.Day); err != nil {
			return err
		}
		if !live(c.Day, now) {
			continue
		}
		day := a.subs[c.Day]
		if day == nil {
			day = map[[3]string]int64{}
			a.subs[c.Day] = day
		}
		day[[3]string{c.Section, c.Reader, c.Feed}] = c.Subscribers
	}
	return nil
}

// AddAddresses implements Audience.
func (m *Memory) AddAddresses(ctx context.Context, day, section string, hashes []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := dayExpiry(day); err != nil {
		return err
	}
	a := &m.audience
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	now := time.Now()
	a.prune(now)
	if !live(day, now) || len(hashes) == 0 {
		return nil
	}
	if a.addrs[day] == nil {
		a.addrs[day] = map[string]map[string]bool{}
	}
	set := a.addrs[day][section]
	if set == nil {
		set = map[string]bool{}
		a.addrs[day][section] = set
	}
	for _, h := range hashes {
		set[h] = true
	}
	return nil
}

// AudienceDays implements Audience.
func (m *Memory) AudienceDays(ctx context.Context, days []string) ([]AudienceDay, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := &m.audience
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	var out []AudienceDay
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
	return out, nil
}

// DaySalt implements Audience.
func (m *Memory) DaySalt(ctx context.Context, day string, fresh []byte, expires time.Time) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := &m.audience
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	now := time.Now()
	a.prune(now)
	if s, ok := a.salts[day]; ok {
		return slices.Clone(s.b), nil
	}
	if !now.Before(expires) {
		// Already past: the salt serves this call and is not kept.
		return slices.Clone(fresh), nil
	}
	a.salts[day] = salt{slices.Clone(fresh), expires}
	return slices.Clone(fresh), nil
}
