package publish

import (
	"fmt"
	"iter"
	"slices"

	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/render"
	"syndicate/internal/section"
)

// A publication has thousands of tags and years of archive: rendering
// every tag's, author's and month's documents at start-up and after
// every edit would cost in proportion to their number. They are rendered
// on demand instead, from the index of the last publish, and each publish
// names the ones it made stale (section.Diff). Rendering is deterministic,
// so a document rendered on demand has the same bytes and ETag on every
// instance and every time, as long as what it shows has not changed.
// BenchmarkTopics measures what this saves.

// onDemand is what rendering on demand needs from one publish.
type onDemand struct {
	site  render.Site
	index *section.Index
	nav   []render.Section // the sections' current documents
	// articles are the site's articles by the path of their page.
	articles map[string]*item.Item
	// hydrate makes the slim items of an archive month whole.
	hydrate func([]*item.Item) ([]*item.Item, error)
}

// Render renders a document that is not rendered ahead: an article's
// page, a tag's or an author's current feeds and page, any feed's
// archive month, and the lists of every tag and author (/tags/, /authors/
// and their OPML). ok is
// false for a path that names none of them, before the first publish too.
func (p *Publisher) Render(path string) (doc document.Document, ok bool) {
	od := p.onDemand.Load()
	if od == nil {
		return document.Document{}, false
	}
	doc, ok, err := od.render(path)
	if err != nil {
		// Site settings that config rejects, or a store that cannot give
		// back an archived item's text: answered as absent, and not kept.
		p.opts.Logger.Error("render on demand", "path", path, "err", err)
		return document.Document{}, false
	}
	return doc, ok
}

// RenderOther renders the feed at path with the content setting public
// feeds do not have: summaries where they carry full content, and full
// content where they carry summaries, for partners whose setting differs.
// Every feed a public reader can fetch has it, the sections' current ones
// included; ok is false for any other path (pages are the same either
// way). Like Render it is deterministic, so its ETag is stable.
func (p *Publisher) RenderOther(path string) (doc document.Document, ok bool) {
	od := p.onDemand.Load()
	if od == nil {
		return document.Document{}, false
	}
	d, file, ok := section.Parse(path)
	if !ok || !slices.Contains(render.FeedFormats, file) {
		return document.Document{}, false
	}
	f := od.index.Feed(d.Key)
	if f == nil {
		return document.Document{}, false
	}
	sec, ok := feedSection(f, d.Month)
	if !ok {
		return document.Document{}, false
	}
	site := od.site
	site.Summary = !site.Summary
	doc, err := render.Feed(site, sec, file)
	if err != nil {
		p.opts.Logger.Error("render other content", "path", path, "err", err)
		return document.Document{}, false
	}
	return doc, true
}

func (od *onDemand) render(path string) (document.Document, bool, error) {
	if it, ok := od.articles[path]; ok {
		doc, err := render.ArticlePage(od.site, od.nav, it)
		return doc, true, err
	}
	for _, kind := range []section.Kind{section.KindTag, section.KindAuthor} {
		switch dir := section.TopicsDir(kind); path {
		case dir:
			doc, err := render.TopicsPage(od.site, od.nav, kind, od.index.Of(kind))
			return doc, true, err
		case dir + "opml.xml":
			doc, err := render.TopicsOPML(od.site, kind, od.index.Of(kind))
			return doc, true, err
		}
	}
	d, file, ok := section.Parse(path)
	if !ok || (d.Kind == section.KindSection && d.Month == "") {
		return document.Document{}, false, nil // the sections' current documents are rendered ahead
	}
	f := od.index.Feed(d.Key)
	if f == nil {
		return document.Document{}, false, nil
	}
	sec, ok := feedSection(f, d.Month)
	if !ok {
		return document.Document{}, false, nil
	}
	if od.hydrate != nil {
		var err error
		if sec.Items, err = od.hydrate(sec.Items); err != nil {
			return document.Document{}, false, fmt.Errorf("publish: items of %s: %w", path, err)
		}
	}
	if file == "" {
		if d.Month == "" {
			sec.Months = pageMonths(f)
		}
		doc, err := render.SectionPage(od.site, od.nav, sec)
		return doc, true, err
	}
	if !slices.Contains(render.FeedFormats, file) {
		return document.Document{}, false, nil
	}
	doc, err := render.Feed(od.site, sec, file)
	return doc, true, err
}

// listedMonths is how many months of its archive, newest first, a
// feed's current page lists; the oldest listed month's page links to the
// month before it, and so on back. Listing every month made rendering a
// section's page cost in proportion to its history: at 100,000 items
// (11 years of months) 1.3 to 1.4 times the cost at 1,000, against 1.1
// with a year listed (BenchmarkFlatRender).
const listedMonths = 12

// pageMonths is the newest months of f's archive its current page lists.
func pageMonths(f *section.Feed) []section.Month {
	months := f.Archive()
	return months[:min(len(months), listedMonths)]
}

// feedSection is one document of f as render takes it: its current
// document (month "") or an archive month. ok is false for a month with
// no archived item. Months, for the current page, is left to the caller:
// an archive month's page links its neighbours only, so that its bytes,
// like its feeds', change only with the month.
func feedSection(f *section.Feed, month string) (render.Section, bool) {
	sec := render.Section{Kind: f.Kind, Slug: f.Slug, Title: f.Name, Description: f.Description}
	if f.Kind == section.KindAuthor {
		sec.Author = &item.Person{Name: f.Name, URL: f.URL}
	}
	if month == "" {
		sec.Items = f.Current()
		sec.Archive.Prev = f.NewestArchive()
		return sec, true
	}
	m, prev, next, ok := f.ArchiveMonth(month)
	sec.Items = m.Items
	sec.Archive = render.Archive{Month: month, Prev: prev, Next: next}
	return sec, ok
}

// OnDemand lists the path of every document Render answers, as of the
// last publish: with Documents, every document of the site.
func (p *Publisher) OnDemand() iter.Seq[string] {
	return func(yield func(string) bool) {
		od := p.onDemand.Load()
		if od == nil {
			return
		}
		for _, kind := range []section.Kind{section.KindTag, section.KindAuthor} {
			dir := section.TopicsDir(kind)
			if !yield(dir) || !yield(dir+"opml.xml") {
				return
			}
		}
		for path := range od.articles {
			if !yield(path) {
				return
			}
		}
		for d := range od.index.Docs() {
			if d.Kind == section.KindSection && d.Month == "" {
				continue
			}
			for _, path := range docPaths(d) {
				if !yield(path) {
					return
				}
			}
		}
	}
}

// docPaths are the paths of a document's page and its feeds.
func docPaths(d section.Doc) []string {
	dir := d.Dir()
	paths := []string{dir}
	for _, format := range render.FeedFormats {
		paths = append(paths, dir+format)
	}
	return paths
}

// stalePaths are the paths of the documents rendered on demand that st
// names: the current documents of touched tags and authors, the stale
// months of every touched feed, and the stale lists of topics.
func stalePaths(st section.Stale) []string {
	var paths []string
	for k, months := range st.Feeds {
		if k.Kind != section.KindSection {
			paths = append(paths, docPaths(section.Doc{Key: k})...)
		}
		for _, m := range months {
			paths = append(paths, docPaths(section.Doc{Key: k, Month: m})...)
		}
	}
	for kind := range st.Lists {
		dir := section.TopicsDir(kind)
		paths = append(paths, dir, dir+"opml.xml")
	}
	return paths
}
