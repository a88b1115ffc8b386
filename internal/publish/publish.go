// Package publish keeps every served document up to date: when the site's
// articles change it works out which sections the change touches, renders
// only those again, stores the new feeds and hands the full set of
// documents, keyed by URL path, to whoever serves them. Documents whose
// number grows with the site's tags and authors or with its history (tag
// and author feeds, every archive) are rendered on demand instead, and
// the documents an edit made stale are named to whoever keeps them.
package publish

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/render"
	"syndicate/internal/section"
	"syndicate/internal/store"
)

// Options configures a Publisher.
type Options struct {
	Site     render.Site
	Sections []config.Section // "latest" included
	// TopicLimit is the number of items in the current document of each
	// tag's and author's feed (config's content.topic_limit).
	TopicLimit int
	// Sources lists the external source ids in config order: where two
	// sources carry the same story, the one listed first wins.
	Sources []string
	Store   store.Store
	Logger  *slog.Logger
	// StoreTimeout bounds each store call so a slow store cannot hold
	// back publishing; what was rendered is served either way. It is
	// config's store.timeout, never zero.
	StoreTimeout time.Duration
	// Fleet is set when the store is shared by several instances: a
	// section is then rendered once across the fleet (see sectionFeeds).
	Fleet bool
	// Version is the software version; output of another version is
	// never taken from the store.
	Version string
	// OnRender, when set, is told how long each section render took.
	OnRender func(section string, d time.Duration)
	// OnStoreError, when set, is told of every failed store call.
	OnStoreError func(op string)
	// Gone, when set, reports whether an item of source was taken down
	// (withdrawn by the operator, marked deleted by its feed): ReloadSource
	// leaves such items out, so that re-seeding a store never brings one
	// back.
	Gone func(source string, it *item.Item) bool
}

// SectionStats describes the last render of one section.
type SectionStats struct {
	Items      int
	Newest     time.Time
	RenderedAt time.Time
	Duration   time.Duration
	Renders    int // how many times this instance rendered the section
	Adopted    int // how many times it took another instance's rendering
}

// Publisher renders and holds the current documents.
type Publisher struct {
	opts Options

	mu        sync.Mutex // serializes Publish calls
	site      []item.Item
	external  map[string][]item.Item // by source id; slim when reloaded from the store (see slim.go)
	full      map[string]*item.Item  // whole versions of the slim items the current documents show, by item.SlimKey
	media     map[string]document.Document
	merged    []*item.Item // what the current documents show
	published bool
	docs      map[string]document.Document // by URL path; replaced, never mutated
	stats     map[string]SectionStats
	// topics are the site's tags and authors, made again only when its
	// articles change, not on every source's poll.
	topics      *section.Topics
	siteChanged bool
	index       *section.Index // what the current documents show

	// onDemand renders the documents not rendered ahead (see Render); it
	// is replaced, never mutated, so a render needs no lock.
	onDemand atomic.Pointer[onDemand]

	listenersMu    sync.Mutex
	listeners      []func(map[string]document.Document)
	staleListeners []func([]string)
}

// New returns a Publisher that has published nothing yet.
func New(opts Options) *Publisher {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Publisher{
		opts:     opts,
		external: map[string][]item.Item{},
		full:     map[string]*item.Item{},
		docs:     map[string]document.Document{},
		stats:    map[string]SectionStats{},
	}
}

// OnPublish registers fn to receive the full document set after each
// publish, once the OnStale listeners are told what it made stale. fn
// must not modify the map.
func (p *Publisher) OnPublish(fn func(map[string]document.Document)) {
	p.listenersMu.Lock()
	defer p.listenersMu.Unlock()
	p.listeners = append(p.listeners, fn)
}

// Documents returns the current documents by URL path. The map is shared:
// do not modify it.
func (p *Publisher) Documents() map[string]document.Document {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.docs
}

// Stats returns the render statistics of every section rendered so far.
func (p *Publisher) Stats() map[string]SectionStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.stats)
}

// Publish makes items the site's articles and media its images, and
// renders what changed. The first call renders everything.
func (p *Publisher) Publish(ctx context.Context, items []item.Item, media map[string]document.Document) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	// A copy: the index points into it, and the caller's slice is its
	// own to change.
	p.site, p.media, p.siteChanged = slices.Clone(items), media, true
	return p.republish(ctx)
}

// PublishSource makes items the current items of an external source and
// renders the sections that changed. Before the first Publish it only
// records them.
func (p *Publisher) PublishSource(ctx context.Context, source string, items []item.Item) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setSource(ctx, source, slices.Clone(items))
}

// setSource is PublishSource with p.mu held.
func (p *Publisher) setSource(ctx context.Context, source string, items []item.Item) error {
	p.replaceSource(source, items)
	if !p.published {
		return nil
	}
	return p.republish(ctx)
}

// replaceSource makes items the items of source, with p.mu held. A
// first-party source's items are the site's: its tags and authors are
// topics, made again at the next republish.
func (p *Publisher) replaceSource(source string, items []item.Item) {
	if firstParty(items) || firstParty(p.external[source]) {
		p.siteChanged = true
	}
	p.external[source] = items
}

// mergedItems points at the site's articles first, then at each source's
// items in config order, which is the priority deduplication follows. It
// points rather than copies: a publish allocates one pointer per item, not
// a copy of every item (5.2 MB at 20,000 items in a heap profile of make
// cyclebench -pprof), and a source's items are held once, in its own
// slice, for as long as the documents show them.
func (p *Publisher) mergedItems() []*item.Item {
	n := len(p.site)
	for _, items := range p.external {
		n += len(items)
	}
	all := make([]*item.Item, 0, n)
	for i := range p.site {
		all = append(all, &p.site[i])
	}
	for _, id := range p.opts.Sources {
		items := p.external[id]
		for i := range items {
			all = append(all, &items[i])
		}
	}
	return all
}

func (p *Publisher) republish(ctx context.Context) error {
	items := p.mergedItems()
	media := p.media
	if p.topics == nil || p.siteChanged {
		p.topics, p.siteChanged = section.NewTopics(p.siteItems(), p.opts.TopicLimit), false
		for _, c := range p.topics.Collisions {
			p.opts.Logger.Warn("names share a slug; one feed carries both", "kind", c.Kind, "slug", c.Slug, "name", c.Names[0], "other", c.Names[1])
		}
	}
	ix := section.NewIndex(items, p.opts.Sections, p.topics)
	touched := map[string]bool{}
	var stale section.Stale
	if p.published {
		stale = section.Diff(p.index, ix, section.Changed(p.merged, items, item.Equal))
		for k := range stale.Feeds {
			if k.Kind == section.KindSection {
				touched[k.Slug] = true
			}
		}
		if len(stale.Feeds) == 0 && mediaSame(p.docs, media) {
			p.full = p.served(ctx, p.index)
			return nil
		}
	} else {
		for _, s := range p.opts.Sections {
			touched[s.Slug] = true
		}
	}

	nav := make([]render.Section, len(ix.Sections))
	full := map[string]*item.Item{}
	for i, f := range ix.Sections {
		nav[i], _ = feedSection(f, "")
		// Where the store fails, an item is shown without its text until
		// the next publish: the section still shows what changed.
		nav[i].Items, _ = p.hydrated(ctx, nav[i].Items, p.full, full)
	}
	docs := maps.Clone(p.docs)
	for i, f := range ix.Sections {
		if !touched[f.Slug] {
			continue
		}
		sec := nav[i]
		sec.Months = pageMonths(f)
		if err := p.renderSection(ctx, docs, nav, sec); err != nil {
			return err
		}
	}
	if err := p.renderSiteWide(docs, nav, media); err != nil {
		return err
	}
	superseded := document.Superseded(p.docs, docs)
	p.merged, p.docs, p.index, p.published, p.full = items, docs, ix, true, full
	render.FitFragments(feedBytes(docs, ix))
	articles := articlePages(p.opts.Site.BaseURL, p.site)
	var prevArticles map[string]*item.Item
	if od := p.onDemand.Load(); od != nil {
		prevArticles = od.articles
	}
	p.onDemand.Store(&onDemand{site: p.opts.Site, index: ix, nav: nav, articles: articles, hydrate: p.hydrateOnDemand})
	p.notify(docs, append(stalePaths(stale), staleArticles(prevArticles, articles)...))
	if superseded > 0 && collectSuperseded {
		go runtime.GC()
	}
	return nil
}

// collectSuperseded makes a publish that replaced documents held in
// in-memory files start a collection once the server has the new ones,
// so that the old files close now. They close when the collector finds
// their documents unreachable, and on a quiet instance the next
// collection may be two minutes away: until then it holds its served
// documents twice, or more after several publishes. In
// BenchmarkSupersededFiles, which publishes with and without it, the
// files open 50 ms after a publish were 1.0x one set of documents
// against 3.0x, for about 2 ms more CPU per publish (15 to 18 against 14
// to 16 ms). It does not lower the peak of a refresh, whose new
// documents are made before the old ones go (make cyclebench: 21 MiB of
// files at the top either way).
var collectSuperseded = true

// feedBytes is the size of every section's current feeds, bodies and
// gzip copies.
func feedBytes(docs map[string]document.Document, ix *section.Index) int {
	n := 0
	for _, f := range ix.Sections {
		for _, format := range render.FeedFormats {
			d := docs["/"+f.Slug+"/"+format]
			n += d.Len(document.PartBody) + d.Len(document.PartGzip)
		}
	}
	return n
}

func (p *Publisher) renderSection(ctx context.Context, docs map[string]document.Document, nav []render.Section, sec render.Section) error {
	start := time.Now()
	feeds, how, err := p.sectionFeeds(ctx, docs, sec)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	page, err := render.SectionPage(p.opts.Site, nav, sec)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	elapsed := time.Since(start)
	if how == rendered && p.opts.OnRender != nil {
		p.opts.OnRender(sec.Slug, elapsed)
	}

	base := section.Doc{Key: section.Key{Kind: sec.Kind, Slug: sec.Slug}}.Dir()
	// Sealed, the documents' bytes are held once, in the files the
	// server sends them from (see render.Seal).
	docs[base] = render.Seal(page)
	var bytes int
	for format, doc := range feeds {
		docs[base+format] = render.Seal(doc)
		bytes += doc.Len(document.PartBody)
	}
	prev := p.stats[sec.Slug]
	st := SectionStats{Items: len(sec.Items), RenderedAt: start, Duration: elapsed, Renders: prev.Renders, Adopted: prev.Adopted}
	if len(sec.Items) > 0 {
		st.Newest = sec.Items[0].Modified()
	}
	level, msg := slog.LevelInfo, "rendered section"
	switch how {
	case rendered:
		st.Renders++
	case adopted:
		st.Adopted++
		msg = "took section rendered by another instance"
	case kept:
		st.RenderedAt, st.Duration = prev.RenderedAt, prev.Duration
		level, msg = slog.LevelDebug, "section feeds unchanged"
	}
	p.stats[sec.Slug] = st
	p.opts.Logger.Log(ctx, level, msg, "section", sec.Slug, "items", len(sec.Items), "duration", elapsed.Round(time.Microsecond), "bytes", bytes)
	return nil
}

// storeFeeds shares rendered feeds through the store. A failure is
// logged, not returned: the documents are served from memory regardless.
func (p *Publisher) storeFeeds(ctx context.Context, slug string, feeds map[string]document.Document) {
	if p.opts.Store == nil {
		return
	}
	for format, doc := range feeds {
		ctx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
		err := p.opts.Store.PutDocument(ctx, slug, format, doc)
		cancel()
		if err != nil {
			p.storeError("put_document")
			p.opts.Logger.Error("store document", "section", slug, "format", format, "err", err)
		}
	}
}

func (p *Publisher) storeError(op string) {
	if p.opts.OnStoreError != nil {
		p.opts.OnStoreError(op)
	}
}

// OnStale registers fn to receive, after each publish and before the
// OnPublish listeners, the paths of documents rendered on demand that the
// publish made stale (see Render): whoever keeps such documents must drop
// them. Before, so that no request sees the new section feeds and then an
// archive month kept from before the publish: a reader who saw an item
// withdrawn from the feed found it still in the month's archive
// (TestFleetWithdrawOnReload failed so, now and then).
func (p *Publisher) OnStale(fn func(paths []string)) {
	p.listenersMu.Lock()
	defer p.listenersMu.Unlock()
	p.staleListeners = append(p.staleListeners, fn)
}

func (p *Publisher) notify(docs map[string]document.Document, stale []string) {
	p.listenersMu.Lock()
	listeners, staleListeners := p.listeners, p.staleListeners
	p.listenersMu.Unlock()
	if len(stale) > 0 {
		for _, fn := range staleListeners {
			fn(stale)
		}
	}
	for _, fn := range listeners {
		fn(docs)
	}
}
