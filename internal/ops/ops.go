// Package ops serves what operators look at: readiness, the state of
// every external source and section as JSON, Prometheus metrics and a
// server-rendered status page.
//
// The route names are a public contract (probes, dashboards and alerts
// point at them): /readyz, /api/v1/sources, /api/v1/sources/{id},
// /api/v1/sections, /api/v1/websub, /api/v1/partners, /api/v1/audience,
// /api/v1/poll, /metrics and /status.
package ops

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"time"

	"syndicate/internal/audience"
	"syndicate/internal/config"
	"syndicate/internal/metrics"
	"syndicate/internal/render"
	"syndicate/internal/store"
	"syndicate/internal/websub"
)

// Deps is what the operator endpoints read. Every func may be called
// concurrently from many requests.
type Deps struct {
	// Sources are the configured sources, in config order.
	Sources []config.Source
	// States returns the current source states, in any order; sources
	// without one are reported as pending. It may answer from an
	// in-memory copy when the store is down.
	States func(ctx context.Context) ([]store.SourceState, error)
	// Store is pinged for health; nil counts as healthy (nothing to reach).
	Store store.Store
	// Sections describes every section's last render, in nav order.
	Sections func() []SectionInfo
	// Ready reports whether the first render has finished; nil means ready.
	Ready func() bool
	// Metrics, when set, is served at /metrics and told the store's health.
	Metrics *metrics.Metrics
	// Site gives the status page its title, nav links and stylesheet.
	Site render.Site
	// WebSub, when set, reports the WebSub hub, served at /api/v1/websub
	// and on the status page.
	WebSub func(ctx context.Context) (websub.Report, error)
	// Partners, when set, reports partners' usage over the given number
	// of days up to today, served at /api/v1/partners and on the status
	// page; Audience likewise reports feeds' audience at
	// /api/v1/audience.
	Partners func(ctx context.Context, days int) ([]audience.PartnerReport, error)
	Audience func(ctx context.Context, days int) ([]audience.SectionAudience, error)
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Token, when set, is required as "Authorization: Bearer <Token>" on
	// every route registered here.
	Token string
	// Poll, when set, polls every source now and returns how many it went
	// through and how many polls failed; served as POST /api/v1/poll.
	// Set it only where the operator routes have a listener of their own
	// or a token: every request costs a poll of every source.
	Poll func(ctx context.Context) (sources, failed int)
	// Profiling adds net/http/pprof's routes under /debug/pprof/: set
	// only where the operator routes have a listener of their own.
	Profiling bool
}

// SectionInfo describes one section's last render.
type SectionInfo struct {
	Slug, Title    string
	Items          int
	Newest         time.Time // the newest item's last change
	RenderedAt     time.Time
	RenderDuration time.Duration
	Formats        map[string]FormatInfo // by format name, e.g. "rss.xml"
}

// FormatInfo describes one rendered feed.
type FormatInfo struct {
	Bytes, GzipBytes int
	ETag             string
}

// pingTimeout bounds the store health check, so that a hung store makes
// /readyz slow by no more than this rather than failing the probe.
const pingTimeout = 500 * time.Millisecond

// Register adds the operator routes through handle, such as
// (*server.Server).Handle, each behind d.Token if set.
func Register(handle func(pattern string, h http.Handler), d Deps) {
	h := &handler{d: d}
	if h.d.Now == nil {
		h.d.Now = time.Now
	}
	protected := func(pattern string, hf http.Handler) { handle(pattern, Protect(d.Token, hf)) }
	protected("GET /readyz", http.HandlerFunc(h.readyz))
	protected("GET /api/v1/sources", http.HandlerFunc(h.listSources))
	protected("GET /api/v1/sources/{id}", http.HandlerFunc(h.oneSource))
	protected("GET /api/v1/sections", http.HandlerFunc(h.listSections))
	protected("GET /status", http.HandlerFunc(h.status))
	if d.WebSub != nil {
		protected("GET /api/v1/websub", http.HandlerFunc(h.webSub))
	}
	if d.Partners != nil {
		protected("GET /api/v1/partners", http.HandlerFunc(h.partners))
	}
	if d.Audience != nil {
		protected("GET /api/v1/audience", http.HandlerFunc(h.audience))
	}
	if d.Poll != nil {
		protected("POST /api/v1/poll", http.HandlerFunc(h.pollNow))
	}
	if d.Metrics != nil {
		protected("GET /metrics", d.Metrics.Handler())
	}
	if d.Profiling {
		protected("GET /debug/pprof/", http.HandlerFunc(pprof.Index))
		protected("GET /debug/pprof/cmdline", http.HandlerFunc(pprof.Cmdline))
		protected("GET /debug/pprof/profile", http.HandlerFunc(pprof.Profile))
		protected("GET /debug/pprof/symbol", http.HandlerFunc(pprof.Symbol))
		protected("GET /debug/pprof/trace", http.HandlerFunc(pprof.Trace))
	}
}

type handler struct {
	d Deps
}

func (h *handler) ready() bool { return h.d.Ready == nil || h.d.Ready() }

func (h *handler) sections() []SectionInfo {
	if h.d.Sections == nil {
		return nil
	}
	return h.d.Sections()
}

// pingStore checks the store and records the outcome in the metrics.
func (h *handler) pingStore(ctx context.Context) error {
	if h.d.Store == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	err := h.d.Store.Ping(ctx)
	if h.d.Metrics != nil {
		h.d.Metrics.SetStoreUp(err == nil)
	}
	return err
}

func storeState(err error) string {
	if err != nil {
		return "unreachable"
	}
	return "ok"
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// The response is already under way; a failed write means the client
	// went away and there is no one left to tell.
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
