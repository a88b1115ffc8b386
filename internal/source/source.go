// Package source polls the external feeds configured as [[source]] and
// keeps their items, cleaned and sanitized, in the store.
//
// A poll is one conditional GET, bounded in time, size and redirects
// (package fetch); then, when the body is new, charset repair (charset),
// parsing and normalizing to item.Item (parse), the source's filters,
// sanitizing (sanitize) and merging with what the store already holds for
// the source. Every poll leaves a store.SourceState behind: health for
// operators, validators and schedule for the next poll.
package source

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/fetch"
	"syndicate/internal/parse"
	"syndicate/internal/store"
)

// Options configures a Poller.
type Options struct {
	Sources []config.Source // as config.Load leaves them; the Poller keeps its own copy
	Fetch   config.Fetch    // as config.Load leaves it, defaults applied
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
	// OnPoll, when set, is told of every poll and the state it left, for
	// metrics. It runs on the polling goroutine.
	OnPoll func(store.SourceState, store.Poll)
	// Leases, when set, make the instances of a fleet take turns: a
	// scheduled poll first takes the source's lease, so each source is
	// fetched by one instance per interval.
	Leases store.Leases
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
	sources  []*config.Source          // as configured at start: never replaced
	byID     map[string]*config.Source // as polled now; guarded by mu (see Withdraw)
	fetch    config.Fetch
	fetcher  *fetch.Client
	bounds   *parse.Bounds // shared by every parse of the poller
	store    store.Store
	states   store.SourceStates
	log      *slog.Logger
	onChange func(string)
	onPoll   func(store.SourceState, store.Poll)
	leases   store.Leases
	now      func() time.Time

	workers chan struct{} // Fetch.Workers slots, shared by every poll
	// processing holds one slot per CPU, for a new body's parsing,
	// normalizing and sanitizing and the merge with the stored items:
	// CPU work, which more polls at once than CPUs only slow down, while
	// each holds its document's and its stored items' memory and delays
	// the store calls of the others past the store's timeout (a cycle of
	// 1,000 changed sources with 64 fetch workers on 2 CPUs did; see
	// cmd/cyclebench).
	processing chan struct{}
	// bodies holds one slot per body read and waiting for a processing
	// slot, twice as many as there are of those: enough that a freed
	// processing slot never waits for a body, while a body read sooner
	// would only wait in memory. With 64 fetch workers on 2 CPUs, up to 64
	// bodies (8.6 MB) waited at once in a cycle of 1,000 changed sources
	// (make cyclebench -pprof).
	bodies chan struct{}

	host map[string]string // by source id: the host whose slots its polls take

	polling atomic.Int64 // polls under way (see Polling)

	mu      sync.Mutex
	hosts   map[string]chan struct{} // Fetch.PerHost slots per host
	busy    map[string]*sync.Mutex   // one poll of a source at a time
	checked map[string]bool          // stored items checked against config since start
	refetch map[string]bool          // next poll ignores validators: withdrawn items may return
}

// NewPoller prepares a Poller; nothing is fetched until Run, Cycle or
// PollOnce.
func NewPoller(o Options) *Poller {
	f := o.Fetch
	ua := f.UserAgent
	if ua == "" {
		ua = o.UserAgent
	}
	p := &Poller{
		byID:       make(map[string]*config.Source, len(o.Sources)),
		fetch:      f,
		fetcher:    fetch.New(f, ua),
		bounds:     parse.NewBounds(f.MaxDepth, f.ParseMemory),
		store:      o.Store,
		states:     o.States,
		log:        o.Logger,
		onChange:   o.OnChange,
		onPoll:     o.OnPoll,
		leases:     o.Leases,
		now:        o.Now,
		workers:    make(chan struct{}, f.Workers),
		processing: make(chan struct{}, runtime.GOMAXPROCS(0)),
		bodies:     make(chan struct{}, 2*runtime.GOMAXPROCS(0)),
		host:       make(map[string]string, len(o.Sources)),
		hosts:      map[string]chan struct{}{},
		busy:       map[string]*sync.Mutex{},
		checked:    map[string]bool{},
		refetch:    map[string]bool{},
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	for i := range o.Sources {
		s := o.Sources[i]
		p.sources = append(p.sources, &s)
		cur := s
		p.byID[s.ID] = &cur
		p.busy[s.ID] = &sync.Mutex{}
		p.host[s.ID] = hostOf(&s)
	}
	return p
}

// bodyWait bounds how long a poll waits for a body slot before it reads
// its body anyway: a slot is held while a body is read, and a few
// upstreams sending theirs slowly must not stall every other poll.
const bodyWait = time.Second

// bodyTurn is one poll's hold on a body slot (see Poller.bodies).
type bodyTurn struct {
	bodies chan struct{}
	held   bool
}

// wait takes a body slot, or gives up waiting for one after bodyWait; it
// is fetch.Request's BeforeBody. A poll that fetches twice (a page, then
// the feed it advertises) holds one slot.
func (t *bodyTurn) wait(ctx context.Context) error {
	if t.held {
		return nil
	}
	timer := time.NewTimer(bodyWait)
	defer timer.Stop()
	select {
	case t.bodies <- struct{}{}:
		t.held = true
	case <-timer.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// done hands the slot back, if held: once the body has a processing slot,
// or is not to be processed.
func (t *bodyTurn) done() {
	if t.held {
		<-t.bodies
		t.held = false
	}
}

// processSlot waits for a processing slot; release hands it back.
func (p *Poller) processSlot(ctx context.Context) (release func(), err error) {
	select {
	case p.processing <- struct{}{}:
		return func() { <-p.processing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
