// Package source polls the external feeds configured as [[source]] and
// keeps their items, cleaned and sanitized, in the store.
//
// A poll is one conditional GET, bounded in time, size and redirects;
// then, when the body is new, charset repair, parsing, normalizing to
// item.Item, sanitizing, filtering and merging with what the store
// already holds for the source. Every poll leaves a store.SourceState
// behind: health for operators, validators and schedule for the next
// poll.
package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/store"
)

// historyLen caps SourceState.History.
const historyLen = 50

// Poll outcomes, as recorded in store.Poll.Outcome.
const (
	outcomeOK          = "ok"
	outcomeNotModified = "not_modified"
	outcomeUnchanged   = "unchanged"
	outcomeError       = "error"
	outcomeGone        = "gone"
)

// Options configures a Poller.
type Options struct {
	Sources []config.Source // validated; the Poller keeps its own copy
	Fetch   config.Fetch    // zero fields take config's defaults
	Store   store.Store     // where each source's items are kept
	States  store.SourceStates
	// UserAgent is sent unless Fetch.UserAgent is set; see UserAgent.
	UserAgent string
	Logger    *slog.Logger
	// OnChange is called after a poll changed the items stored for
	// sourceID. It runs on the polling goroutine: hand slow work off.
	OnChange func(sourceID string)
	// Now is the clock for item dates and schedules; time.Now by default.
	Now func() time.Time
}

// UserAgent is the default User-Agent: it names Syndicate, its version and
// the site, so that upstream operators can see who polls them.
func UserAgent(version, baseURL string) string {
	ua := "Syndicate"
	if version != "" {
		ua += "/" + version
	}
	if baseURL != "" {
		ua += " (+" + baseURL + ")"
	}
	return ua
}

// Poller polls sources on their schedules.
type Poller struct {
	sources  []*config.Source
	byID     map[string]*config.Source
	fetch    config.Fetch
	fetcher  *fetcher
	store    store.Store
	states   store.SourceStates
	log      *slog.Logger
	onChange func(string)
	now      func() time.Time

	workers chan struct{} // Fetch.Workers slots, shared by every poll

	mu      sync.Mutex
	hosts   map[string]chan struct{} // Fetch.PerHost slots per host
	busy    map[string]*sync.Mutex   // one poll of a source at a time
	checked map[string]bool          // stored items checked against config since start
	ttl     map[string]time.Duration // last RSS ttl seen, for polls that parse nothing
}

// NewPoller prepares a Poller; nothing is fetched until Run, Cycle or
// PollOnce.
func NewPoller(o Options) *Poller {
	f := withDefaults(o.Fetch)
	ua := f.UserAgent
	if ua == "" {
		ua = o.UserAgent
	}
	if ua == "" {
		ua = UserAgent("", "")
	}
	p := &Poller{
		byID:     make(map[string]*config.Source, len(o.Sources)),
		fetch:    f,
		fetcher:  newFetcher(f, ua),
		store:    o.Store,
		states:   o.States,
		log:      o.Logger,
		onChange: o.OnChange,
		now:      o.Now,
		workers:  make(chan struct{}, f.Workers),
		hosts:    map[string]chan struct{}{},
		busy:     map[string]*sync.Mutex{},
		checked:  map[string]bool{},
		ttl:      map[string]time.Duration{},
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	for i := range o.Sources {
		s := o.Sources[i]
		if s.Interval.Duration <= 0 {
			s.Interval.Duration = 15 * time.Minute
		}
		p.sources = append(p.sources, &s)
		p.byID[s.ID] = &s
		p.busy[s.ID] = &sync.Mutex{}
	}
	return p
}

func withDefaults(f config.Fetch) config.Fetch {
	if f.ConnectTimeout.Duration <= 0 {
		f.ConnectTimeout.Duration = 10 * time.Second
	}
	if f.Timeout.Duration <= 0 {
		f.Timeout.Duration = 30 * time.Second
	}
	if f.MaxBodyBytes <= 0 {
		f.MaxBodyBytes = 10 << 20
	}
	if f.MaxRedirects < 0 {
		f.MaxRedirects = 0
	}
	if f.PerHost < 1 {
		f.PerHost = 2
	}
	if f.Workers < 1 {
		f.Workers = 32
	}
	if f.BackoffCap.Duration < time.Second {
		f.BackoffCap.Duration = 6 * time.Hour
	}
	return f
}

// pollMode says who asked for a poll, which decides what is skipped.
type pollMode int

const (
	manual    pollMode = iota // PollOnce: always polls
	cycle                     // Cycle: skips gone sources
	scheduled                 // Run: skips gone sources and those not due
)

// PollOnce polls source id now, whatever its schedule or status, and
// returns why the poll failed, if it did; the failure is recorded in its
// SourceState too.
func (p *Poller) PollOnce(ctx context.Context, id string) error {
	src, ok := p.byID[id]
	if !ok {
		return fmt.Errorf("source: unknown source %q", id)
	}
	_, err := p.poll(ctx, src, manual)
	return err
}

// Cycle polls every source that is not gone once, as concurrently as the
// bounds allow, and returns when all are done, with the failures joined.
func (p *Poller) Cycle(ctx context.Context) error {
	errs := make([]error, len(p.sources))
	var wg sync.WaitGroup
	for i, src := range p.sources {
		wg.Go(func() { _, errs[i] = p.poll(ctx, src, cycle) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run polls each source when it is due until ctx ends, then waits for the
// polls in flight and returns nil. Schedules live in the SourceStates, so
// a restart resumes them, and an instance of a fleet skips a source that
// another instance polled in the meantime.
func (p *Poller) Run(ctx context.Context) error {
	type done struct {
		id   string
		next time.Time
		gone bool
	}
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
			running[src.ID] = true
			go func() {
				st, _ := p.poll(ctx, src, scheduled) // logged and recorded
				d := done{id: src.ID, next: st.NextFetch, gone: st.Status == store.StatusGone}
				if !d.next.After(p.now()) {
					// No schedule came back (the store failed, or ctx
					// ended): try again in a while rather than at once.
					d.next = p.now().Add(time.Minute)
				}
				finished <- d
			}()
		}
		timer.Reset(min(max(wake.Sub(now), 10*time.Millisecond), time.Minute))
		select {
		case <-ctx.Done():
			for n := countTrue(running); n > 0; n-- {
				<-finished
			}
			return nil
		case d := <-finished:
			running[d.id] = false
			next[d.id], gone[d.id] = d.next, d.gone
		case <-timer.C:
		}
	}
}

func countTrue(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}

// poll runs one poll of src, unless mode says to skip it, and returns the
// state it left.
func (p *Poller) poll(ctx context.Context, src *config.Source, mode pollMode) (store.SourceState, error) {
	lock := p.busy[src.ID]
	lock.Lock()
	defer lock.Unlock()

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
	release, err := p.acquire(ctx, src)
	if err != nil {
		return st, fmt.Errorf("source: %s: %w", src.ID, err)
	}
	defer release()
	return p.pollNow(ctx, src, st)
}

// acquire takes a slot for src's host, then a worker slot: waiting for a
// busy host holds no worker, so one slow host cannot stall the others.
func (p *Poller) acquire(ctx context.Context, src *config.Source) (func(), error) {
	host := src.URL
	if u, err := url.Parse(src.URL); err == nil {
		host = strings.ToLower(u.Host)
	}
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

// result is what a poll found, before it is recorded.
type result struct {
	outcome  string
	res      *response
	err      *pollError
	meta     *feedMeta
	items    int // held after the poll; -1 when unknown
	newItems int
	changed  bool
}

func (p *Poller) pollNow(ctx context.Context, src *config.Source, st store.SourceState) (store.SourceState, error) {
	started := time.Now()
	now := p.now()
	p.mu.Lock()
	first := !p.checked[src.ID]
	p.mu.Unlock()

	etag, lastMod, hash := st.ETag, st.LastModified, st.BodyHash
	var stored []item.Item
	var storeErr error
	if first {
		// The first poll since start checks the stored items against the
		// configuration, which may have changed; if the store lost them,
		// validators would only fetch a 304 with nothing to show.
		stored, storeErr = p.items(ctx, src.ID)
		if storeErr == nil && len(stored) == 0 && st.Items > 0 {
			etag, lastMod, hash = "", "", ""
		}
	}

	r := result{items: -1}
	res, err := p.fetcher.get(ctx, src.URL, etag, lastMod, now)
	if ctx.Err() != nil {
		// Shutting down: this poll says nothing about the upstream.
		return st, fmt.Errorf("source: %s: %w", src.ID, ctx.Err())
	}
	r.res = res
	switch {
	case err != nil:
		r.outcome, r.err = outcomeError, classify(err, p.fetch.Timeout.Duration)
	case res.status == 410:
		r.outcome = outcomeGone
	case res.status == 304 || res.hash == hash:
		r.outcome = outcomeUnchanged
		if res.status == 304 {
			r.outcome = outcomeNotModified
		}
		if first {
			r.err = p.reconcile(ctx, src, st, stored, storeErr, &r)
		}
	default:
		r.outcome = outcomeOK
		if stored == nil && storeErr == nil {
			stored, storeErr = p.items(ctx, src.ID)
		}
		r.err = p.update(ctx, src, now, res, stored, storeErr, &r)
	}
	if r.err != nil {
		r.outcome = outcomeError
	} else if r.outcome != outcomeGone {
		p.mu.Lock()
		p.checked[src.ID] = true
		p.mu.Unlock()
	}

	p.record(&st, src, now, time.Since(started), &r)
	putErr := p.states.PutSourceState(ctx, src.ID, st)
	if r.changed && p.onChange != nil {
		p.onChange(src.ID)
	}
	p.logPoll(src, &st, &r, time.Since(started))
	switch {
	case r.err != nil:
		return st, fmt.Errorf("source: %s: %w", src.ID, r.err)
	case putErr != nil:
		return st, fmt.Errorf("source: %s: state: %w", src.ID, putErr)
	}
	return st, nil
}

func (p *Poller) items(ctx context.Context, id string) ([]item.Item, error) {
	items, err := p.store.Items(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return items, err
}

// update turns a new body into the source's items and stores them.
func (p *Poller) update(ctx context.Context, src *config.Source, now time.Time, res *response, stored []item.Item, storeErr error, r *result) *pollError {
	if storeErr != nil {
		return failf("store", "%v", storeErr)
	}
	prev := make(map[string]*item.Item, len(stored))
	for i := range stored {
		prev[stored[i].ID] = &stored[i]
	}
	parsed, err := process(res.body, res.contentType, res.finalURL, src, now, prev)
	if err != nil {
		var pe *pollError
		if errors.As(err, &pe) {
			return pe
		}
		return failf("parse", "%v", err)
	}
	r.meta = &parsed.meta
	origin := item.Origin{SourceID: src.ID, FeedID: parsed.meta.id, Title: src.Title, FeedURL: src.URL, HomeURL: parsed.meta.home}
	if origin.Title == "" {
		origin.Title = parsed.meta.title
	}
	final := retain(parsed, stored, src, origin)
	for i := range final {
		if prev[final[i].ID] == nil {
			r.newItems++
		}
	}
	r.items = len(final)
	if !sameItems(final, stored) {
		if err := p.store.ReplaceItems(ctx, src.ID, final); err != nil {
			return failf("store", "%v", err)
		}
		r.changed = true
	}
	return nil
}

// reconcile applies the configuration to the stored items when the
// upstream has nothing new to parse.
func (p *Poller) reconcile(ctx context.Context, src *config.Source, st store.SourceState, stored []item.Item, storeErr error, r *result) *pollError {
	if storeErr != nil {
		return failf("store", "%v", storeErr)
	}
	origin := item.Origin{SourceID: src.ID, FeedID: st.FeedID, Title: src.Title, FeedURL: src.URL, HomeURL: st.HomeURL}
	if origin.Title == "" {
		origin.Title = st.FeedTitle
	}
	final := retain(nil, stored, src, origin)
	r.items = len(final)
	if sameItems(final, stored) {
		return nil
	}
	if err := p.store.ReplaceItems(ctx, src.ID, final); err != nil {
		return failf("store", "%v", err)
	}
	r.changed = true
	return nil
}

// record writes what a poll found into the source's state.
func (p *Poller) record(st *store.SourceState, src *config.Source, now time.Time, took time.Duration, r *result) {
	capDelay := p.fetch.BackoffCap.Duration
	st.ID, st.URL = src.ID, src.URL
	st.LastFetch = now
	st.DurationMS = took.Milliseconds()
	st.HTTPStatus = 0
	if r.res != nil {
		st.HTTPStatus = r.res.status
	} else if r.err != nil {
		st.HTTPStatus = r.err.status
	}
	if r.items >= 0 {
		st.Items = r.items
	}
	done := p.now()
	switch r.outcome {
	case outcomeError:
		st.Status = store.StatusError
		st.ConsecutiveErrors++
		st.LastError = r.err.Error()
		st.NextFetch = done.Add(afterError(src.Interval.Duration, st.ConsecutiveErrors, r.err.retryAfter, capDelay))
	case outcomeGone:
		st.Status = store.StatusGone
		st.LastError = "http: 410 Gone"
		st.NextFetch = time.Time{}
		st.MovedTo = r.res.movedTo
	default:
		st.Status = store.StatusOK
		st.ConsecutiveErrors = 0
		st.LastError = ""
		st.LastSuccess = now
		st.MovedTo = r.res.movedTo
		// A 304 may carry fresh validators; one without keeps the old.
		if r.res.etag != "" || r.outcome == outcomeOK {
			st.ETag = r.res.etag
		}
		if r.res.lastModified != "" || r.outcome == outcomeOK {
			st.LastModified = r.res.lastModified
		}
		p.mu.Lock()
		if r.meta != nil {
			p.ttl[src.ID] = r.meta.ttl
		}
		ttl := p.ttl[src.ID]
		p.mu.Unlock()
		if r.meta != nil {
			st.BodyHash = r.res.hash
			st.FeedTitle, st.FeedID, st.HomeURL = r.meta.title, r.meta.id, r.meta.home
		}
		if r.newItems > 0 {
			st.LastNewItem = now
		}
		st.NextFetch = done.Add(afterSuccess(src.Interval.Duration, ttl, r.res.maxAge, r.res.retryAfter, capDelay))
	}
	st.History = append(st.History, store.Poll{
		At:         now,
		Outcome:    r.outcome,
		HTTPStatus: st.HTTPStatus,
		DurationMS: st.DurationMS,
		NewItems:   r.newItems,
	})
	if over := len(st.History) - historyLen; over > 0 {
		st.History = append([]store.Poll(nil), st.History[over:]...)
	}
}

func (p *Poller) logPoll(src *config.Source, st *store.SourceState, r *result, took time.Duration) {
	if r.err != nil {
		p.log.Warn("poll failed", "source", src.ID, "url", src.URL, "outcome", r.outcome,
			"status", st.HTTPStatus, "duration", took, "err", r.err.Error(),
			"consecutive_errors", st.ConsecutiveErrors, "next", st.NextFetch)
		return
	}
	p.log.Info("poll", "source", src.ID, "outcome", r.outcome, "status", st.HTTPStatus,
		"duration", took, "new_items", r.newItems, "items", st.Items)
}
