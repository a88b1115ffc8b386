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
// the OPML list, the stylesheet, article pages and media files.
func (p *Publisher) renderSiteWide(docs map[string]document.Document, all []render.Section, items []item.Item, media map[string]document.Document) error {
	index, err := render.IndexPage(p.opts.Site, all)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	docs["/"] = index
	opml, err := render.OPML(p.opts.Site, all)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	docs["/opml.xml"] = opml
	if _, ok := docs[render.StylesheetPath]; !ok {
		docs[render.StylesheetPath] = render.Stylesheet()
	}

	for path := range docs {
		if strings.HasPrefix(path, "/articles/") || strings.HasPrefix(path, "/media/") {
			delete(docs, path)
		}
	}
	old := make(map[string]*item.Item, len(p.merged))
	for i := range p.merged {
		if p.merged[i].Origin == nil {
			old[p.merged[i].ID] = &p.merged[i]
		}
	}
	for i := range items {
		it := &items[i]
		path := strings.TrimPrefix(it.URL, p.opts.Site.BaseURL)
		if it.Origin != nil || !strings.HasPrefix(path, "/articles/") {
			continue
		}
		if prev, ok := p.docs[path]; ok && old[it.ID] != nil && item.Equal(old[it.ID], it) {
			docs[path] = prev
			continue
		}
		page, err := render.ArticlePage(p.opts.Site, all, it)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		docs[path] = page
	}
	for path, doc := range media {
		docs[path] = doc
	}
	return nil
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
