// Package app wires one Syndicate instance together: configuration,
// store, articles, publisher and HTTP server. The command line and the
// multi-instance tests both build instances through it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/internal/audience"
	"syndicate/internal/config"
	"syndicate/internal/content"
	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/metrics"
	"syndicate/internal/ops"
	"syndicate/internal/partner"
	"syndicate/internal/publish"
	"syndicate/internal/render"
	"syndicate/internal/server"
	"syndicate/internal/source"
	"syndicate/internal/store"
	"syndicate/internal/websub"
)

// App is one configured instance.
type App struct {
	Config    *config.Config
	Log       *slog.Logger
	Store     store.Store
	Publisher *publish.Publisher
	Server    *server.Server
	Poller    *source.Poller // nil when no sources are configured
	Metrics   *metrics.Metrics
	Hub       *websub.Hub
	// Audience counts partners' usage and feeds' audience.
	Audience *audience.Collector

	// partners are the configured partners, replaced by Reload.
	partners atomic.Pointer[partner.Set]
	// withdrawals are the sources by id, with their withdrawn lists as of
	// the last reload: what gone consults. Replaced, never mutated.
	withdrawals atomic.Pointer[map[string]*config.Source]
	reloadMu    sync.Mutex // one reload at a time

	ready  atomic.Bool   // the first publish has finished
	states *sourceStates // what the operator routes report of the sources
	ops    http.Handler  // the operator routes' own listener's, when configured

	fleet *fleet

	// pending holds source ids whose stored items changed and are not
	// yet republished; wake tells republishSources there is work.
	pendingMu sync.Mutex
	pending   map[string]bool
	wake      chan struct{}

	// pollMu lets one operator-asked cycle run at a time, so that
	// repeated requests queue rather than multiply the polls.
	pollMu sync.Mutex

	content content.Options
}

// New builds an instance; nothing runs until Start.
func New(cfg *config.Config, log *slog.Logger) (*App, error) {
	store.RouteLogs(log)
	st, err := store.Open(cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return newApp(cfg, log, st), nil
}

// newApp is New with the store given.
func newApp(cfg *config.Config, log *slog.Logger, st store.Store) *App {
	m := metrics.New()
	m.SetStoreUp(true) // until a check says otherwise
	states := newSourceStates()
	sourceIDs := make([]string, len(cfg.Sources))
	for i, s := range cfg.Sources {
		sourceIDs[i] = s.ID
	}
	a := &App{
		Config:  cfg,
		Log:     log,
		Store:   st,
		Metrics: m,
		content: ContentOptions(cfg),
		pending: map[string]bool{},
		wake:    make(chan struct{}, 1),
		states:  states,
	}
	withdrawals := make(map[string]*config.Source, len(cfg.Sources))
	for i := range cfg.Sources {
		withdrawals[cfg.Sources[i].ID] = &cfg.Sources[i]
	}
	a.withdrawals.Store(&withdrawals)
	a.Publisher = publish.New(publish.Options{
		Site: Site(cfg), Sections: cfg.Sections, TopicLimit: cfg.Content.TopicLimit, Sources: sourceIDs, Store: st, Logger: log,
		StoreTimeout: cfg.Store.Timeout.Duration, Fleet: cfg.Store.UsesRedis(), Version: Version,
		OnRender: m.ObserveRender, OnStoreError: m.StoreError, Gone: a.gone,
	})
	a.Audience = audience.New(audience.Options{
		Store: st, Timeout: cfg.Store.Timeout.Duration, Logger: log, OnFlush: m.AudienceFlushed, OnPartner: m.PartnerResponse,
	})
	a.Server = server.New(server.Options{
		Logger:      log,
		CacheMaxAge: cfg.Server.CacheMaxAge.Duration,
		SiteURL:     cfg.Site.BaseURL,
		FeedCounter: func(section, format string, code int) server.Counter {
			return m.FeedRequestCounter(section, format, code)
		},
		Render:        a.Publisher.Render,
		OnDemandBytes: cfg.Server.RenderCacheBytes,
		Links:         feedLinks(cfg),
		PublicSummary: cfg.Site.PublicContent == config.ContentSummary,
		RenderOther:   a.Publisher.RenderOther,
		Observer:      a.Audience,
	})
	a.setPartners(cfg.Partners)
	a.Publisher.OnPublish(a.Server.Update)
	a.Hub = websub.New(websub.Options{
		Config: cfg.WebSub, Fetch: cfg.Fetch, BaseURL: cfg.Site.BaseURL, UserAgent: userAgent(cfg),
		Store: st, StoreTimeout: cfg.Store.Timeout.Duration, Logger: log, Metrics: m,
		// The server's copy: a feed rendered for a request is not
		// rendered again for its subscribers, nor theirs for requests.
		Document: a.Server.Document,
	})
	a.Publisher.OnPublish(a.Hub.Published)
	if a.Hub.Builtin() {
		a.Server.Handle(websub.Path, a.Hub)
	}
	// The server drops the stale documents before the hub renders them
	// again to see what changed.
	a.Publisher.OnStale(a.Server.Forget)
	a.Publisher.OnStale(a.Hub.Stale)
	a.fleet = newFleet(a)
	a.registerOps(ops.Deps{
		Sources:   cfg.Sources,
		States:    a.states.list,
		Store:     st,
		Sections:  ops.PublisherSections(a.Publisher, cfg.Sections),
		Ready:     a.ready.Load,
		Metrics:   m,
		Site:      Site(cfg),
		WebSub:    a.Hub.Report,
		Token:     cfg.Server.OpsToken,
		Profiling: cfg.Server.OpsListen != "",
		Partners: func(ctx context.Context, days int) ([]audience.PartnerReport, error) {
			return audience.Partners(ctx, st, a.partners.Load(), time.Now(), days)
		},
		Audience: func(ctx context.Context, days int) ([]audience.SectionAudience, error) {
			return audience.Audience(ctx, st, time.Now(), days)
		},
		Poll: a.pollRoute(),
	})
	if len(cfg.Sources) > 0 {
		a.Poller = source.NewPoller(source.Options{
			Sources:   cfg.Sources,
			Fetch:     cfg.Fetch,
			Store:     st,
			States:    st,
			UserAgent: source.UserAgent(Version, cfg.Site.BaseURL),
			Logger:    log,
			OnChange:  a.sourceChanged,
			OnPoll: func(st store.SourceState, p store.Poll) {
				m.ObservePoll(st, p)
				a.states.put(st)
			},
			Leases: st,
		})
	}
	return a
}

// Site is the render settings of cfg.
func Site(cfg *config.Config) render.Site {
	return render.Site{
		Title:        cfg.Site.Title,
		BaseURL:      cfg.Site.BaseURL,
		Language:     cfg.Site.Language,
		TTL:          cfg.Server.CacheMaxAge.Duration,
		TagAuthority: cfg.Site.TagAuthority,
		TagDate:      cfg.Site.TagDate,
		Hubs:         websub.Hubs(cfg.WebSub, cfg.Site.BaseURL),
		Summary:      cfg.Site.PublicContent == config.ContentSummary,
		Podcast: render.Podcast{
			Email:    cfg.Podcast.Email,
			Category: cfg.Podcast.Category,
			Explicit: cfg.Podcast.Explicit,
			Image:    cfg.Podcast.Image,
		},
	}
}

// feedLinks gives every feed the Link headers of WebSub discovery: its
// hubs and itself.
func feedLinks(cfg *config.Config) func(string, document.Document) []string {
	hubs := websub.Hubs(cfg.WebSub, cfg.Site.BaseURL)
	if len(hubs) == 0 {
		return nil
	}
	return func(path string, doc document.Document) []string {
		if !render.IsFeedType(doc.ContentType) {
			return nil
		}
		return websub.LinkHeader(hubs, cfg.Site.BaseURL+path)
	}
}

// userAgent is what the instance sends upstream and to subscribers.
func userAgent(cfg *config.Config) string {
	if cfg.Fetch.UserAgent != "" {
		return cfg.Fetch.UserAgent
	}
	return source.UserAgent(Version, cfg.Site.BaseURL)
}

// ContentOptions is where and how cfg's articles are read.
func ContentOptions(cfg *config.Config) content.Options {
	return content.Options{
		Dir:          cfg.Content.Dir,
		BaseURL:      cfg.Site.BaseURL,
		TagAuthority: cfg.Site.TagAuthority,
		TagDate:      cfg.Site.TagDate,
		Sections:     cfg.SectionSlugs(),
	}
}

// Version is reported in the User-Agent sent to upstream feeds; the
// command sets it at start-up.
var Version = "dev"

// Start publishes the articles, with whatever the store already holds of
// each source, then keeps watching the articles and polling the sources
// until ctx ends. It returns the problems of the first load (already
// logged).
func (a *App) Start(ctx context.Context) ([]content.Problem, error) {
	a.fleet.start(ctx)
	a.Hub.Start(ctx)
	go a.Audience.Run(ctx)
	a.loadSources(ctx, a.allSources())
	if a.Config.Store.UsesRedis() {
		go a.refreshStatesEvery(ctx)
	}
	from := content.TakeSnapshot(a.content)
	items, problems := content.Load(a.content)
	if err := a.publish(ctx, items, problems); err != nil {
		return problems, err
	}
	a.ready.Store(true)
	if a.Poller != nil {
		go a.republishSources(ctx)
		go a.Poller.Run(ctx)
	}
	go a.fleet.run(ctx)
	go content.Watch(ctx, a.content, from, a.Config.Content.PollInterval.Duration, func(items []item.Item, problems []content.Problem) {
		if err := a.publish(ctx, items, problems); err != nil {
			a.Log.Error("republish after edit", "err", err)
		}
	})
	return problems, nil
}

// coalesce is how long republishing waits after the first change it
// sees before it publishes every change noted by then at once: the polls
// of one cycle end within moments of each other, and each publish renders
// every section they touched. It is counted from the first change, not
// the last, so a steady trickle of changes is still published within it
// (plus one publish's time).
const coalesce = 200 * time.Millisecond

// coalesceBusy is how long, from the first change, republishing goes on
// waiting while polls are under way: a cycle's polls end over seconds,
// and publishing once they are done, or every coalesceBusy until then,
// renders each section a few times per cycle rather than once per
// coalesce. In a cycle of 1,000 changed sources (make cyclebench, Redis,
// 2 cores, medians of 3 rounds) the most rendered section went from 8
// renders to 3 (87 to 33 in all), the cycle's CPU from 13.4 to 11.5
// seconds and its time from 8.1 to 7.2 s. What it costs: a change made
// while polls are under way reaches readers up to 2 s later.
const coalesceBusy = 2 * time.Second

// busyCheck is how often republishing looks whether the polls it waits
// for are done.
const busyCheck = 25 * time.Millisecond

// sourceChanged runs on the poller's goroutine, so it only notes the
// source; republishSources does the rendering. Several changes to one
// source, and the changes of many sources, before it gets there cost one
// render of each section they touch.
func (a *App) sourceChanged(id string) { a.noteChange(id, true) }

// noteChange marks source id for republishing, and for announcing to the
// fleet when this instance made the change.
func (a *App) noteChange(id string, announce bool) {
	a.pendingMu.Lock()
	a.pending[id] = a.pending[id] || announce
	a.pendingMu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *App) republishSources(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		}
		a.pendingMu.Lock()
		none := len(a.pending) == 0
		a.pendingMu.Unlock()
		if none {
			// Woken for changes the last publish took already: the
			// window starts at the next change, not now.
			continue
		}
		if !a.waitToPublish(ctx) {
			return
		}
		a.pendingMu.Lock()
		pending := a.pending
		a.pending = map[string]bool{}
		a.pendingMu.Unlock()
		a.loadSources(ctx, slices.Collect(maps.Keys(pending)))
		var changed []string
		for _, id := range slices.Sorted(maps.Keys(pending)) {
			if pending[id] {
				changed = append(changed, id)
			}
		}
		a.fleet.notifyAll(ctx, changed)
	}
}

// waitToPublish waits for coalesce, and then while polls are under way,
// until coalesceBusy from its start. It starts when republishing finds
// changes pending: those noted while the last publish ran wait that
// publish's time more, which keeps a cycle's renders per section at 3
// rather than 4 (make cyclebench, Redis all-200). It reports false when
// ctx ends first.
func (a *App) waitToPublish(ctx context.Context) bool {
	first := time.Now()
	wait := time.NewTimer(coalesce)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-wait.C:
		}
		rest := coalesceBusy - time.Since(first)
		if a.Poller == nil || !a.Poller.Polling() || rest <= 0 {
			return true
		}
		wait.Reset(min(busyCheck, rest))
	}
}

// loadSources publishes, in one publish, what the store holds for each
// source of ids, never less than this instance already publishes of it,
// and re-reads their states.
func (a *App) loadSources(ctx context.Context, ids []string) {
	limits := make(map[string]int, len(ids))
	for _, id := range ids {
		if src := a.source(id); src != nil {
			limits[id] = src.MaxItems
		}
	}
	if len(limits) == 0 {
		return
	}
	// The states first: they name the items each feed deleted (see gone).
	a.refreshStates(ctx, slices.Collect(maps.Keys(limits))...)
	if err := a.Publisher.ReloadSources(ctx, limits); err != nil {
		a.Log.Error("load sources", "sources", len(limits), "err", err)
	}
}

// allSources lists every configured source id.
func (a *App) allSources() []string {
	ids := make([]string, len(a.Config.Sources))
	for i, s := range a.Config.Sources {
		ids[i] = s.ID
	}
	return ids
}

// pollRoute is what POST /api/v1/poll runs: nil (no route) where the
// operator routes share the public listener without a token, since each
// request polls every source.
func (a *App) pollRoute() func(context.Context) (int, int) {
	if a.Config.Server.OpsListen == "" && a.Config.Server.OpsToken == "" {
		return nil
	}
	return func(ctx context.Context) (int, int) {
		if a.Poller == nil {
			return 0, 0
		}
		a.pollMu.Lock()
		defer a.pollMu.Unlock()
		return a.Poller.PollAll(ctx)
	}
}

func (a *App) source(id string) *config.Source {
	for i := range a.Config.Sources {
		if a.Config.Sources[i].ID == id {
			return &a.Config.Sources[i]
		}
	}
	return nil
}

// Handler serves the instance's routes.
func (a *App) Handler() http.Handler { return a.Server }

// OpsHandler serves the operator routes on their own listener
// (server.ops_listen); nil when they are served by Handler.
func (a *App) OpsHandler() http.Handler { return a.ops }

// registerOps serves the operator routes where the configuration says:
// beside the feeds, or on a listener of their own, the public one then
// answering them 404.
func (a *App) registerOps(d ops.Deps) {
	if a.Config.Server.OpsListen == "" {
		ops.Register(a.Server.Handle, d)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", server.Healthz)
	ops.Register(mux.Handle, d)
	a.ops = mux
	ops.Register(func(pattern string, _ http.Handler) { a.Server.Handle(pattern, http.NotFoundHandler()) }, d)
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// publish renders articles (and media) that Load or Watch produced,
// logging every problem with its file and line.
func (a *App) publish(ctx context.Context, items []item.Item, problems []content.Problem) error {
	for _, p := range problems {
		a.Log.Error("article left out", "problem", p.Error(), "file", p.File, "line", p.Line)
	}
	media, err := publish.LoadMedia(filepath.Join(a.Config.Content.Dir, "media"))
	if err != nil {
		return err
	}
	start := time.Now()
	if err := a.Publisher.Publish(ctx, items, media); err != nil {
		return err
	}
	a.Log.Debug("published", "articles", len(items), "problems", len(problems), "duration", time.Since(start))
	return nil
}

// PublishOnce loads and renders the articles without watching, for build.
func (a *App) PublishOnce(ctx context.Context) ([]content.Problem, error) {
	items, problems := content.Load(a.content)
	return problems, a.publish(ctx, items, nil)
}
