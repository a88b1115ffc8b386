package source

import (
	"context"
	"errors"
	"fmt"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/store"
)

// pollMode says who asked for a poll, which decides what is skipped.
type pollMode int

const (
	manual    pollMode = iota // PollOnce: always polls
	cycle                     // Cycle: skips gone sources
	scheduled                 // Run: skips gone sources and those not due
	forced                    // PollAll: skips gone sources, takes no lease
)

// PollOnce polls source id now, whatever its schedule or status, and
// returns why the poll failed, if it did; the failure is recorded in its
// SourceState too.
func (p *Poller) PollOnce(ctx context.Context, id string) error {
	src := p.current(id)
	if src == nil {
		return fmt.Errorf("source: unknown source %q", id)
	}
	_, err := p.poll(ctx, src, manual)
	return err
}

// Cycle polls every source that is not gone once, as concurrently as the
// bounds allow, and returns when all are done, with the failures joined.
func (p *Poller) Cycle(ctx context.Context) error {
	return errors.Join(p.all(ctx, cycle)...)
}

// PollAll polls every source that is not gone now, whatever its schedule,
// as an operator asks (POST /api/v1/poll), and returns how many sources
// it went through and how many of their polls failed. It takes no lease: the schedule of a
// fleet's leases is left as it was, and the operator asked this instance.
func (p *Poller) PollAll(ctx context.Context) (sources, failed int) {
	for _, err := range p.all(ctx, forced) {
		sources++
		if err != nil {
			failed++
		}
	}
	return sources, failed
}

// all polls every source in mode, as concurrently as the bounds allow,
// and returns each poll's failure, in source order. Polls start as the
// launcher lets them, in source order where their hosts allow.
func (p *Poller) all(ctx context.Context, mode pollMode) []error {
	errs := make([]error, len(p.sources))
	finished := make(chan string) // the host of a finished poll
	l := p.newLauncher()
	waiting := make([]int, len(p.sources))
	for i := range waiting {
		waiting[i] = i
	}
	for len(waiting) > 0 || l.running > 0 {
		held := waiting[:0]
		for k, i := range waiting {
			if l.full() {
				// The rest wait as they are, unlooked at: only a poll
				// finishing frees a slot.
				held = append(held, waiting[k:]...)
				break
			}
			src := p.sources[i]
			if !l.start(p.host[src.ID]) {
				held = append(held, i)
				continue
			}
			go func() {
				_, errs[i] = p.poll(ctx, src, mode)
				finished <- p.host[src.ID]
			}()
		}
		waiting = held
		if l.running > 0 {
			l.done(<-finished)
		}
	}
	return errs
}

// Run polls each source when it is due until ctx ends, then waits for the
// polls in flight and returns nil. Schedules live in the SourceStates, so
// a restart resumes them, and an instance of a fleet skips a source that
// another instance polled in the meantime. Due polls start as the
// launcher lets them.
func (p *Poller) Run(ctx context.Context) error {
	type done struct {
		id   string
		next time.Time
		gone bool
	}
	l := p.newLauncher()
	next := make(map[string]time.Time, len(p.sources))
	gone := make(map[string]bool, len(p.sources))
	for _, src := range p.sources {
		st, err := p.states.SourceState(ctx, src.ID)
		if err == nil && st.URL == src.URL {
			next[src.ID] = st.NextFetch
			gone[src.ID] = st.Status == store.StatusGone
		}
	}
	finished := make(chan done)
	running := map[string]bool{}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		now := p.now()
		wake := now.Add(time.Minute)
		for _, src := range p.sources {
			if running[src.ID] || gone[src.ID] {
				continue
			}
			if n := next[src.ID]; n.After(now) {
				if n.Before(wake) {
					wake = n
				}
				continue
			}
			if !l.start(p.host[src.ID]) {
				continue // started once a running poll finishes
			}
			running[src.ID] = true
			go func() {
				st, _ := p.poll(ctx, src, scheduled) // logged and recorded
				d := done{id: src.ID, next: st.NextFetch, gone: st.Status == store.StatusGone}
				if !d.next.After(p.now()) {
					// No schedule came back (the store failed, or ctx
					// ended): try again in a while rather than at once,
					// and no later than the source's own interval, so that
					// polling resumes promptly once the store is back.
					d.next = p.now().Add(min(src.Interval.Duration, time.Minute))
				}
				finished <- d
			}()
		}
		timer.Reset(min(max(wake.Sub(now), 10*time.Millisecond), time.Minute))
		select {
		case <-ctx.Done():
			for range len(running) {
				<-finished
			}
			return nil
		case d := <-finished:
			delete(running, d.id)
			l.done(p.host[d.id])
			next[d.id], gone[d.id] = d.next, d.gone
		case <-timer.C:
		}
	}
}

// Polling reports whether a poll is under way: fetching, waiting for a
// slot, or storing what it fetched. Polls that skip a source not yet due
// do not count.
func (p *Poller) Polling() bool { return p.polling.Load() > 0 }

// poll runs one poll of src, unless mode says to skip it, and returns the
// state it left.
func (p *Poller) poll(ctx context.Context, src *config.Source, mode pollMode) (store.SourceState, error) {
	lock := p.busy[src.ID]
	lock.Lock()
	defer lock.Unlock()
	// Run and Cycle hand in the source as configured at start; the poll
	// applies its withdrawn list as of now (see Withdraw).
	src = p.current(src.ID)

	st, err := p.states.SourceState(ctx, src.ID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && st.URL != src.URL):
		// Never polled, or polled under another URL: whatever we knew
		// (gone, validators, errors) was about another feed.
		st = store.SourceState{ID: src.ID, URL: src.URL, Status: store.StatusPending}
	case err != nil:
		return st, fmt.Errorf("source: %s: state: %w", src.ID, err)
	}
	if mode != manual && st.Status == store.StatusGone {
		return st, nil
	}
	if mode == scheduled && st.NextFetch.After(p.now()) {
		return st, nil
	}
	p.polling.Add(1)
	defer p.polling.Add(-1)
	release, err := p.acquire(ctx, src)
	if err != nil {
		return st, fmt.Errorf("source: %s: %w", src.ID, err)
	}
	defer release()
	// The lease is taken once the poll has its slots, so that waiting for
	// a busy host does not eat into it.
	var lease store.Lease
	if (mode == cycle || mode == scheduled) && p.leases != nil {
		l, won, err := p.leases.Acquire(ctx, leaseName(src.ID), p.LeaseTTL())
		if err != nil {
			return st, fmt.Errorf("source: %s: %w", src.ID, err)
		}
		if !won {
			// Another instance is polling it now; its schedule will be in
			// the state by the time this one looks again.
			st.NextFetch = p.now().Add(src.Interval.Duration)
			return st, nil
		}
		lease = l
	}
	st, err = p.pollNow(ctx, src, st)
	if lease.Token != "" {
		p.retime(ctx, lease, st.NextFetch)
	}
	return st, err
}

// pollLeaseMargin is how long a poll may take beyond its fetch: parsing
// and the store calls that record it, each bounded by the store timeout.
const pollLeaseMargin = 5 * time.Second

// LeaseTTL is the TTL a scheduled poll's lease starts with: it must
// outlast the whole poll, whatever the interval, or a slow upstream would
// let a second instance fetch the source while the first is still at it.
// It is also how long an instance that dies mid-poll holds the source.
func (p *Poller) LeaseTTL() time.Duration { return p.fetch.Timeout.Duration + pollLeaseMargin }

// leaseEarly is how long before the source is next due its lease ends.
// Ending it exactly then would race the instances waking at that moment:
// the lease's expiry, set a round trip later on Redis's clock, would often
// still hold, and every instance would skip a turn. Ending it early lets
// nobody in early either, since a scheduled poll first checks the due
// time in the shared state, which the holder wrote before.
const leaseEarly = 50 * time.Millisecond

// retime makes the lease of a finished poll end when the source is next
// due, so that whichever instance tries then gets it, or frees it at once
// when no schedule came back. A stopping instance still does this, so
// that a restart need not wait out the lease.
func (p *Poller) retime(ctx context.Context, lease store.Lease, next time.Time) {
	ctx = context.WithoutCancel(ctx)
	var err error
	if wait := next.Sub(p.now()) - leaseEarly; wait > 0 {
		err = p.leases.Extend(ctx, lease, wait)
	} else {
		err = p.leases.Release(ctx, lease)
	}
	if errors.Is(err, store.ErrLeaseLost) {
		p.log.Warn("poll outlived its lease: another instance may have polled the source at the same time", "lease", lease.Name, "ttl", p.LeaseTTL())
	} else if err != nil {
		p.log.Warn("re-time poll lease", "lease", lease.Name, "err", err)
	}
}

func leaseName(id string) string { return "src:" + id + ":poll" }

// acquire takes a slot for src's host, then a worker slot: waiting for a
// busy host holds no worker, so one slow host cannot stall the others.
func (p *Poller) acquire(ctx context.Context, src *config.Source) (func(), error) {
	host := p.host[src.ID]
	p.mu.Lock()
	hs, ok := p.hosts[host]
	if !ok {
		hs = make(chan struct{}, p.fetch.PerHost)
		p.hosts[host] = hs
	}
	p.mu.Unlock()
	select {
	case hs <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case p.workers <- struct{}{}:
	case <-ctx.Done():
		<-hs
		return nil, ctx.Err()
	}
	return func() { <-p.workers; <-hs }, nil
}
