package publish

import (
	"fmt"
	"slices"
	"strings"

	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/render"
)

// renderSiteWide refreshes the documents that span sections: the index,
// the OPML list, the stylesheet and media files. Article pages are
// rendered on demand (see articlePages).
func (p *Publisher) renderSiteWide(docs map[string]document.Document, all []render.Section, media map[string]document.Document) error {
	index, err := render.IndexPage(p.opts.Site, all)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	docs["/"] = render.Seal(index)
	opml, err := render.OPML(p.opts.Site, all)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	docs["/opml.xml"] = render.Seal(opml)
	if _, ok := docs[render.StylesheetPath]; !ok {
		docs[render.StylesheetPath] = render.Stylesheet()
	}
	for path := range docs {
		if strings.HasPrefix(path, "/media/") {
			delete(docs, path)
		}
	}
	for path, doc := range media {
		docs[path] = doc
	}
	return nil
}

// An article page shows one article and the sections' names, so it is
// rendered on demand, when it is asked for, rather than every page at
// each start: with 100,000 articles, rendering them ahead was most of
// start-up and of resident memory (BenchmarkArticlePages measures both
// ways). An edit makes stale the pages of the articles it changed.

// articlePages maps the path of each article page to its article.
func articlePages(baseURL string, site []item.Item) map[string]*item.Item {
	pages := make(map[string]*item.Item, len(site))
	for i := range site {
		it := &site[i]
		if path := strings.TrimPrefix(it.URL, baseURL); it.Origin == nil && strings.HasPrefix(path, "/articles/") {
			pages[path] = it
		}
	}
	return pages
}

// staleArticles lists the article pages that differ between before and
// after: articles edited, added or removed.
func staleArticles(before, after map[string]*item.Item) []string {
	var paths []string
	for path, it := range after {
		if prev, ok := before[path]; !ok || !item.Equal(prev, it) {
			paths = append(paths, path)
		}
	}
	for path := range before {
		if _, ok := after[path]; !ok {
			paths = append(paths, path)
		}
	}
	return paths
}

func mediaSame(docs, media map[string]document.Document) bool {
	n := 0
	for path, doc := range docs {
		if !strings.HasPrefix(path, "/media/") {
			continue
		}
		n++
		if m, ok := media[path]; !ok || m.ETag != doc.ETag {
			return false
		}
	}
	return n == len(media)
}

// siteItems are the site's own articles: the Markdown ones, then each
// first-party source's in config order, less those whose canonical link
// an earlier one has (as in the sections: the same story, once).
func (p *Publisher) siteItems() []item.Item {
	var own []item.Item
	for _, id := range p.opts.Sources {
		if firstParty(p.external[id]) {
			own = append(own, p.external[id]...)
		}
	}
	if len(own) == 0 {
		return p.site
	}
	out := slices.Clone(p.site)
	taken := make(map[string]string, len(p.site)+len(own))
	for i := range p.site {
		if l := item.CanonicalLink(p.site[i].URL); l != "" {
			taken[l] = ""
		}
	}
	for _, it := range own {
		l := item.CanonicalLink(it.URL)
		if owner, ok := taken[l]; ok && l != "" && owner != it.Origin.SourceID {
			continue
		}
		if l != "" {
			taken[l] = it.Origin.SourceID
		}
		out = append(out, it)
	}
	return out
}

// firstParty reports whether items come from a first-party source.
func firstParty(items []item.Item) bool {
	return len(items) > 0 && items[0].Origin != nil && items[0].Origin.FirstParty
}
