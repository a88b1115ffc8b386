// Package publish keeps every served document up to date: when the site's
// articles change it works out which sections the change touches, renders
// only those again, stores the new feeds and hands the full set of
// documents, keyed by URL path, to whoever serves them.
package publish

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"syndicate/internal/document"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/render"
	"syndicate/internal/section"
	"syndicate/internal/store"
)

// Options configures a Publisher.
type Options struct {
	Site     render.Site
	Sections []config.Section // "latest" included
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
	external  map[string][]item.Item // by source id
	media     map[string]document.Document
	merged    []item.Item // what the current documents show
	published bool
	docs      map[string]document.Document // by URL path; replaced, never mutated
	stats     map[string]SectionStats

	listenersMu sync.Mutex
	listeners   []func(map[string]document.Document)
}

// New returns a Publisher that has published nothing yet.
func New(opts Options) *Publisher {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Publisher{
		opts:     opts,
		external: map[string][]item.Item{},
		docs:     map[string]document.Document{},
		stats:    map[string]SectionStats{},
	}
}

// OnPublish registers fn to receive the full document set after each
// publish. fn must not modify the map.
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
	p.site, p.media = items, media
	return p.republish(ctx)
}

// PublishSource makes items the current items of an external source and
// renders the sections that changed. Before the first Publish it only
// records them.
func (p *Publisher) PublishSource(ctx context.Context, source string, items []item.Item) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setSource(ctx, source, items)
}

// setSource is PublishSource with p.mu held.
func (p *Publisher) setSource(ctx context.Context, source string, items []item.Item) error {
	p.external[source] = items
	if !p.published {
		return nil
	}
	return p.republish(ctx)
}

// mergedItems lists the site's articles first, then each source's items
// in config order, which is the priority deduplication follows.
func (p *Publisher) mergedItems() []item.Item {
	n := len(p.site)
	for _, items := range p.external {
		n += len(items)
	}
	all := make([]item.Item, 0, n)
	all = append(all, p.site...)
	for _, id := range p.opts.Sources {
		all = append(all, p.external[id]...)
	}
	return all
}

func (p *Publisher) republish(ctx context.Context) error {
	items := p.mergedItems()
	media := p.media
	touched := section.Touched(p.merged, items, item.Equal)
	if !p.published {
		touched = map[string]bool{}
		for _, s := range p.opts.Sections {
			touched[s.Slug] = true
		}
	}
	if len(touched) == 0 && p.published && mediaSame(p.docs, media) {
		return nil
	}

	bySlug := section.Build(items, p.opts.Sections)
	all := make([]render.Section, 0, len(p.opts.Sections))
	for _, s := range p.opts.Sections {
		all = append(all, render.Section{Slug: s.Slug, Title: s.Title, Description: s.Description, Items: bySlug[s.Slug]})
	}

	docs := maps.Clone(p.docs)
	for i, sec := range all {
		if !touched[sec.Slug] {
			continue
		}
		if err := p.renderSection(ctx, docs, all, all[i]); err != nil {
			return err
		}
	}
	if err := p.renderSiteWide(docs, all, items, media); err != nil {
		return err
	}
	p.merged, p.docs, p.published = items, docs, true
	p.notify(docs)
	return nil
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

	base := "/" + sec.Slug + "/"
	docs[base] = page
	var bytes int
	for format, doc := range feeds {
		docs[base+format] = doc
		bytes += len(doc.Body)
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

func (p *Publisher) notify(docs map[string]document.Document) {
	p.listenersMu.Lock()
	listeners := p.listeners
	p.listenersMu.Unlock()
	for _, fn := range listeners {
		fn(docs)
	}
}
