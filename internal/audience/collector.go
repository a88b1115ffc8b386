package audience

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/internal/server"
	"syndicate/internal/store"
)

// FlushInterval is how often counts go to the store: what a store outage
// may lose at most.
const FlushInterval = 5 * time.Second

// Bounds of what is held between flushes, so that a flood of new clients
// cannot take memory without limit: visits beyond maxPending in one
// interval are dropped, and counted as dropped.
const (
	seenSlots  = 1 << 16
	maxPending = 1 << 16
)

// Options configures a Collector.
type Options struct {
	Store   store.Audience
	Timeout time.Duration // bound of each store call
	// Interval is how often counts are flushed; FlushInterval when zero.
	Interval time.Duration
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// OnFlush, when set, is told the outcome of every flush: whether it
	// reached the store, and how many visits were dropped since the last.
	OnFlush func(err error, dropped int)
	// OnPartner, when set, is told of every partner's response, as it
	// is counted: for metrics.
	OnPartner func(id string, status, bytes int)
}

// Collector counts partners' usage and feeds' audience from the server's
// responses (see Observe) and adds them to the store's every Interval.
// Nothing a request does waits for the store.
type Collector struct {
	opts Options
	seed maphash.Seed
	// seen holds a hash of each (address, feed) seen this hour, so that
	// a client polling a feed is noted once an hour, not per poll: its
	// address then, and what its User-Agent says. A hosted reader's count
	// is thus at most an hour old, and a request of a client already
	// noted costs one short hash and an atomic load. A slot holds one
	// hash: two that share a slot take turns, and the loser is noted
	// again, which the store's sets absorb.
	seen [seenSlots]atomic.Uint64
	hour int64 // the hour seen is of, in hours since 1970

	flushing sync.Mutex // one flush at a time

	mu      sync.Mutex // guards what follows
	pending []visit
	dropped int
	usage   map[usageKey]*store.Usage

	// day is the UTC day counts are being gathered for; salt its salt.
	// Both are flushing's.
	day  string
	salt []byte // day's, from the store
}

type visit struct {
	section, feed, addr, userAgent string
}

type usageKey struct{ partner, section string }

// New returns a Collector; Run flushes it.
func New(opts Options) *Collector {
	if opts.Interval <= 0 {
		opts.Interval = FlushInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Collector{opts: opts, seed: maphash.MakeSeed(), usage: map[usageKey]*store.Usage{}}
	now := opts.Now()
	c.day, c.hour = store.Day(now), now.Unix()/3600
	return c
}

// Observe counts one response: a partner's toward its usage, a public
// one of a feed toward the feed's audience. It is the server's hook
// (server.Options.Observer) and costs a public request of a client noted
// this hour one short hash and an atomic load (BenchmarkObserve).
func (c *Collector) Observe(h server.Hit) {
	if h.Partner != "" {
		c.countPartner(h)
		return
	}
	if h.Section == "" || (h.Status != 200 && h.Status != 304) {
		return
	}
	addr := host(h.Remote)
	k := maphash.String(c.seed, addr) ^ h.Doc*0x9e3779b97f4a7c15 | 1
	slot := &c.seen[k>>48]
	if slot.Load() == k {
		return
	}
	slot.Store(k)
	// Copies: the fast path's strings view its connection's buffer.
	v := visit{h.Section, strings.Clone(h.Path), strings.Clone(addr), strings.Clone(h.Agent())}
	c.mu.Lock()
	if len(c.pending) < maxPending {
		c.pending = append(c.pending, v)
	} else {
		c.dropped++
	}
	c.mu.Unlock()
}

func (c *Collector) countPartner(h server.Hit) {
	if c.opts.OnPartner != nil {
		c.opts.OnPartner(h.Partner, h.Status, h.Bytes)
	}
	now := c.opts.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	k := usageKey{h.Partner, h.Section}
	u := c.usage[k]
	if u == nil {
		u = &store.Usage{Partner: h.Partner, Section: h.Section}
		c.usage[k] = u
	}
	u.Requests++
	if h.Status == 304 {
		u.NotModified++
	}
	u.Bytes += int64(h.Bytes)
	u.LastSeen = now
}

// host is the address part of "ip:port" or "[ip6]:port", cut by hand:
// net.SplitHostPort costs the hot path more than the rest of Observe.
func host(remote string) string {
	i := strings.LastIndexByte(remote, ':')
	if i < 0 {
		return remote
	}
	h := remote[:i]
	if len(h) > 1 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	return h
}

// Run flushes every Interval, and at the start of each hour, midnight
// (UTC) included, until ctx ends; then once more.
func (c *Collector) Run(ctx context.Context) {
	for {
		now := c.opts.Now()
		wait := c.opts.Interval
		next := now.Truncate(time.Hour).Add(time.Hour)
		// Just past the hour, so that the flush finds the new one.
		if until := next.Sub(now) + 10*time.Millisecond; until < wait {
			wait = until
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			// The last counts get a store call of their own.
			c.Flush(context.WithoutCancel(ctx))
			return
		case <-t.C:
		}
		c.Flush(ctx)
	}
}

// Flush adds what was counted since the last flush to the store, as the
// figures of the day being gathered; when the clock has moved to another
// day, counting starts afresh for it. What a failed flush held is
// dropped: an outage loses one interval's counts, never more, and holds
// no memory.
func (c *Collector) Flush(ctx context.Context) error {
	c.flushing.Lock()
	defer c.flushing.Unlock()
	c.mu.Lock()
	pending, dropped, usage := c.pending, c.dropped, c.usage
	c.pending, c.dropped, c.usage = nil, 0, map[usageKey]*store.Usage{}
	c.mu.Unlock()

	err := c.flush(ctx, c.day, pending, usage)
	if err != nil {
		c.opts.Logger.Warn("audience: counts not stored", "day", c.day, "visits", len(pending), "partners", len(usage), "err", err)
	}
	if dropped > 0 {
		c.opts.Logger.Warn("audience: visits dropped: more new clients in one interval than are held", "dropped", dropped, "held", maxPending)
	}
	if c.opts.OnFlush != nil {
		c.opts.OnFlush(err, dropped)
	}
	now := c.opts.Now()
	if day := store.Day(now); day != c.day {
		c.day, c.salt = day, nil
	}
	if hour := now.Unix() / 3600; hour != c.hour {
		c.hour = hour
		for i := range c.seen {
			c.seen[i].Store(0)
		}
	}
	return err
}

func (c *Collector) flush(ctx context.Context, day string, pending []visit, usage map[usageKey]*store.Usage) error {
	if len(usage) > 0 {
		list := make([]store.Usage, 0, len(usage))
		for _, u := range usage {
			u.Day = day
			list = append(list, *u)
		}
		sctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		err := c.opts.Store.AddUsage(sctx, list)
		cancel()
		if err != nil {
			return err
		}
	}
	if len(pending) == 0 {
		return nil
	}
	counts, addrs := c.sort(pending)
	if len(counts) > 0 {
		sctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		err := c.opts.Store.SetSubscribers(sctx, withDay(counts, day))
		cancel()
		if err != nil {
			return err
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	salt, err := c.daySalt(ctx, day)
	if err != nil {
		return err
	}
	for section, set := range addrs {
		hashes := make([]string, 0, len(set))
		for a := range set {
			hashes = append(hashes, hashAddr(salt, a))
		}
		sctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		err := c.opts.Store.AddAddresses(sctx, day, section, hashes)
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// sort splits visits into the subscriber counts readers reported, the
// latest per reader and feed, and the addresses of the clients that
// reported none, per section.
func (c *Collector) sort(pending []visit) (map[[3]string]store.SubscriberCount, map[string]map[string]bool) {
	counts := map[[3]string]store.SubscriberCount{}
	addrs := map[string]map[string]bool{}
	type said struct {
		reader string
		n      int
		ok     bool
	}
	agents := map[string]said{}
	for _, v := range pending {
		s, known := agents[v.userAgent]
		if !known {
			s.reader, s.n, s.ok = Subscribers(v.userAgent)
			agents[v.userAgent] = s
		}
		if s.ok {
			counts[[3]string{v.section, s.reader, v.feed}] = store.SubscriberCount{Section: v.section, Reader: s.reader, Feed: v.feed, Subscribers: int64(s.n)}
			continue
		}
		if addrs[v.section] == nil {
			addrs[v.section] = map[string]bool{}
		}
		addrs[v.section][v.addr] = true
	}
	return counts, addrs
}

func withDay(m map[[3]string]store.SubscriberCount, day string) []store.SubscriberCount {
	out := make([]store.SubscriberCount, 0, len(m))
	for _, sc := range m {
		sc.Day = day
		out = append(out, sc)
	}
	return out
}

// daySalt is the salt of day's address hashes, shared by the fleet
// through the store, which forgets it an hour after the day ends.
func (c *Collector) daySalt(ctx context.Context, day string) ([]byte, error) {
	if c.salt != nil && day == c.day {
		return c.salt, nil
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	start, _ := time.Parse(store.DayFormat, day)
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	salt, err := c.opts.Store.DaySalt(ctx, day, fresh, start.Add(25*time.Hour))
	if err != nil {
		return nil, err
	}
	if day == c.day {
		c.salt = salt
	}
	return salt, nil
}

// hashAddr is what is kept of a client's address: 64 bits of its
// HMAC-SHA256 under the day's salt, enough to tell a day's clients apart
// and, once the salt is gone, to find none.
func hashAddr(salt []byte, addr string) string {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(strings.ToLower(addr)))
	return hex.EncodeToString(m.Sum(nil)[:8])
}
