// Package websub pushes feeds to their readers with W3C WebSub: a hub
// built into every instance, which verifies subscriptions and delivers
// each change of a feed's bytes to every subscriber, signed and retried;
// and pings of external hubs, which then fetch the feed themselves.
//
// Subscriptions and deliveries live in the store (store.WebSub), so that
// any instance of a fleet accepts a subscription and each change reaches
// each subscriber once, whichever instance delivers it.
package websub

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/document"
	"syndicate/internal/metrics"
	"syndicate/internal/netguard"
	"syndicate/internal/redact"
	"syndicate/internal/render"
	"syndicate/internal/store"
)

// Path is where the built-in hub answers subscribers.
const Path = "/websub"

// Hubs lists the hubs every feed advertises: the built-in one first, when
// it runs, then the external ones, without the userinfo and query that
// may hold the credentials their pings use.
func Hubs(cfg config.WebSub, baseURL string) []string {
	var hubs []string
	if cfg.Builtin {
		hubs = append(hubs, baseURL+Path)
	}
	for _, hub := range cfg.Hubs {
		if public := redact.Public(hub); public != "" {
			hubs = append(hubs, public)
		}
	}
	return hubs
}

// LinkHeader is the Link header values of a feed at topic that hubs
// advertise: each hub, then the topic itself, the URL to subscribe to.
func LinkHeader(hubs []string, topic string) []string {
	out := make([]string, 0, len(hubs)+1)
	for _, hub := range hubs {
		out = append(out, "<"+hub+`>; rel="hub"`)
	}
	return append(out, "<"+topic+`>; rel="self"`)
}

// Signature is the X-Hub-Signature of body for a subscriber's secret
// (WebSub section 8): "sha256=" and the hex HMAC-SHA256.
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Store is what the hub needs of the store.
type Store interface {
	store.WebSub
	store.Leases
}

// Options configures a Hub.
type Options struct {
	Config    config.WebSub
	Fetch     config.Fetch // timeouts and per-host politeness, as polling has
	BaseURL   string       // as config leaves it: absolute, no trailing slash
	UserAgent string
	// Store keeps subscriptions and deliveries, and the lease that makes
	// one instance of a fleet record changes; StoreTimeout bounds each
	// call to it.
	Store        Store
	StoreTimeout time.Duration
	Logger       *slog.Logger
	Metrics      *metrics.Metrics
	// Document returns a document this instance serves that Published
	// does not hand over, those rendered on demand (tag, author and
	// archive feeds), as a request for path would get it; nil when there
	// are none. Stale names those an edit changed.
	Document func(path string) (document.Document, bool)
}

// timing is what the hub waits for. Tests shorten it; every other value
// is the default below.
type timing struct {
	retryBase, retryCap time.Duration // a failed delivery's first wait, doubling up to the cap
	giveUp              time.Duration // retries end this long after the change
	hold                time.Duration // how long a claimed delivery is its claimer's
	poll                time.Duration // how often an idle instance looks for due deliveries
	sweep               time.Duration // how often ended leases are cleared and gauges set
	catchUp             time.Duration // how long a delivery waits for this instance to serve its version
	recheck             time.Duration // how soon a delivery put back for catching up or politeness is tried again
	stepWindow          time.Duration // see store.WebSub.RecordChange
	pingBase, pingCap   time.Duration
	pingAttempts        int
}

func defaultTiming(fetch config.Fetch) timing {
	return timing{
		retryBase: 5 * time.Second,
		retryCap:  time.Hour,
		giveUp:    24 * time.Hour,
		// A claim outlives the request it covers (bounded by the fetch
		// timeout) with room for the store calls around it.
		hold:  fetch.Timeout.Duration + 10*time.Second,
		poll:  200 * time.Millisecond,
		sweep: time.Minute,
		// Instances of a fleet serve a change within milliseconds of each
		// other; one that still differs after this renders other bytes (a
		// rolling upgrade), and delivers what it has.
		catchUp: 10 * time.Second,
		recheck: 250 * time.Millisecond,
		// Far longer than instances take to see the same edit (the
		// content poll interval), far shorter than an editor takes to
		// undo and redo one.
		stepWindow:   time.Minute,
		pingBase:     2 * time.Second,
		pingCap:      5 * time.Minute,
		pingAttempts: 8,
	}
}

// Hub is one instance's part of the built-in hub and its pinger.
type Hub struct {
	opts   Options
	hubs   []string // advertised, the built-in one first
	timing timing
	client *http.Client
	hosts  *hostLimiter
	policy netguard.Policy // where callbacks may be

	// docs are the documents this instance serves, by URL path, as the
	// publisher last handed them over; published says there were any,
	// before which this instance delivers nothing.
	docs      atomic.Pointer[map[string]document.Document]
	published atomic.Bool

	// ctx is Start's: verification outlives the request that asked.
	ctx       atomic.Pointer[context.Context]
	verifying chan struct{} // a slot per verification in flight
	wake      chan struct{} // deliveries were queued

	mu      sync.Mutex
	served  map[string]string // feed path → ETag last handed over
	pending changeQueue
	changed chan struct{}
	// onDemand are the feeds rendered on demand that have subscribers,
	// by path, with the ETag last seen: what served is for the others.
	onDemand map[string]string
	// stale are the paths of feeds rendered on demand that a publish
	// changed and the hub has not yet looked at (see Stale).
	stale     map[string]bool
	staleWake chan struct{}
	// toPing are the topics of stale feeds rendered on demand, which
	// the recorder has pinged to the external hubs, so that a fleet
	// pings once, as it does for the changes it records.
	toPing map[string]bool

	pings *pinger
}

// New returns a hub that does nothing until Start.
func New(opts Options) *Hub {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	h := &Hub{
		opts:      opts,
		hubs:      Hubs(opts.Config, opts.BaseURL),
		timing:    defaultTiming(opts.Fetch),
		client:    newClient(opts.Fetch),
		hosts:     newHostLimiter(opts.Fetch.PerHost),
		policy:    netguard.Policy{AllowPrivate: opts.Config.AllowPrivateCallbacks},
		verifying: make(chan struct{}, opts.Config.Workers),
		wake:      make(chan struct{}, 1),
		served:    map[string]string{},
		changed:   make(chan struct{}, 1),
		onDemand:  map[string]string{},
		stale:     map[string]bool{},
		staleWake: make(chan struct{}, 1),
		toPing:    map[string]bool{},
	}
	empty := map[string]document.Document{}
	h.docs.Store(&empty)
	h.pings = newPinger(h)
	return h
}

// newClient makes the client of every request the hub sends. It follows
// no redirect (a callback answers for itself) and uses no proxy, which
// would dial callbacks from where netguard cannot see.
func newClient(f config.Fetch) *http.Client {
	dialer := netguard.Dialer(net.Dialer{Timeout: f.ConnectTimeout.Duration, KeepAlive: 30 * time.Second})
	return &http.Client{
		Timeout: f.Timeout.Duration,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   f.ConnectTimeout.Duration,
			ResponseHeaderTimeout: f.Timeout.Duration,
			MaxIdleConnsPerHost:   f.PerHost,
			IdleConnTimeout:       90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Hubs returns the hubs this hub's feeds advertise.
func (h *Hub) Hubs() []string { return h.hubs }

// Builtin reports whether this instance serves the built-in hub.
func (h *Hub) Builtin() bool { return h.opts.Config.Builtin }

// Start runs the hub until ctx ends: it records the changes Published
// hands over, pings external hubs and, with the built-in hub on, delivers
// and clears ended leases.
func (h *Hub) Start(ctx context.Context) {
	h.ctx.Store(&ctx)
	go h.recordChanges(ctx)
	go h.pings.run(ctx)
	if h.opts.Config.Builtin {
		go h.deliverLoop(ctx)
		go h.sweepLoop(ctx)
		go h.staleLoop(ctx)
	}
}

// Published takes the full set of documents after a publish, for
// publish.Publisher.OnPublish: every feed whose bytes changed is a change
// of its topic. It runs under the publisher's lock, so it only notes the
// changes; recordChanges acts on them.
func (h *Hub) Published(docs map[string]document.Document) {
	h.docs.Store(&docs)
	h.published.Store(true)
	h.mu.Lock()
	for path, doc := range docs {
		if !render.IsFeedType(doc.ContentType) {
			continue
		}
		if prev := h.served[path]; prev != doc.ETag {
			h.pending.add(store.TopicChange{Topic: h.opts.BaseURL + path, Prev: prev, ETag: doc.ETag})
			h.served[path] = doc.ETag
		}
	}
	for path := range h.served {
		if _, ok := docs[path]; !ok {
			delete(h.served, path)
		}
	}
	n := h.pending.len()
	h.mu.Unlock()
	if n > 0 {
		signal(h.changed)
	}
}

// feed returns the document published at topic, if it is a feed: one
// Published handed over, or one rendered on demand.
func (h *Hub) feed(topic string) (document.Document, bool) {
	path, ok := h.pathOf(topic)
	if !ok {
		return document.Document{}, false
	}
	if doc, ok := (*h.docs.Load())[path]; ok {
		return doc, render.IsFeedType(doc.ContentType)
	}
	// Only a feed's path is worth a render: a subscription to a page is
	// refused without one.
	if h.opts.Document == nil || !isFeedPath(path) {
		return document.Document{}, false
	}
	doc, ok := h.opts.Document(path)
	return doc, ok && render.IsFeedType(doc.ContentType)
}

// pathOf is the URL path of topic on this site.
func (h *Hub) pathOf(topic string) (string, bool) {
	path, ok := strings.CutPrefix(topic, h.opts.BaseURL)
	return path, ok && strings.HasPrefix(path, "/")
}

// isFeedPath reports whether path names a feed format's file.
func isFeedPath(path string) bool {
	return slices.Contains(render.FeedFormats, path[strings.LastIndexByte(path, '/')+1:])
}

// storeCtx bounds one store call.
func (h *Hub) storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, h.opts.StoreTimeout)
}

// signal wakes whoever waits on ch, without blocking when it is awake.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
