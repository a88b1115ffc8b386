// Package section decides which items each section feed carries: the
// items filed under it (every item, for the built-in "latest"), newest
// first, cut to the section's limit.
package section

import (
	"slices"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// Build returns, for each configured section slug, the items it carries.
// Items are in priority order: the site's own first, then each source in
// the order configured. Within a section an item whose id or canonical
// link was already taken by an earlier item is a duplicate and left out.
// Items are shared, not copied: callers must not modify them.
func Build(items []item.Item, sections []config.Section) map[string][]*item.Item {
	bySlug := make(map[string][]*item.Item, len(sections))
	seen := make(map[string]map[string]bool, len(sections))
	for _, s := range sections {
		bySlug[s.Slug] = nil
		seen[s.Slug] = map[string]bool{}
	}
	add := func(slug string, it *item.Item) {
		taken, ok := seen[slug]
		if !ok {
			return
		}
		link := item.CanonicalLink(it.URL)
		if taken["id "+it.ID] || (link != "" && taken["link "+link]) {
			return
		}
		taken["id "+it.ID] = true
		if link != "" {
			taken["link "+link] = true
		}
		bySlug[slug] = append(bySlug[slug], it)
	}
	for i := range items {
		it := &items[i]
		add(config.LatestSlug, it)
		for _, slug := range it.Sections {
			if slug != config.LatestSlug {
				add(slug, it)
			}
		}
	}
	for _, s := range sections {
		list := bySlug[s.Slug]
		slices.SortFunc(list, func(a, b *item.Item) int {
			if item.Newer(a, b) {
				return -1
			}
			if item.Newer(b, a) {
				return 1
			}
			return 0
		})
		if s.Limit > 0 && len(list) > s.Limit {
			list = list[:s.Limit]
		}
		bySlug[s.Slug] = list
	}
	return bySlug
}

// Touched returns the slugs whose feeds may differ between before and
// after: the sections of every item added, removed or changed, plus
// "latest" whenever anything changed. equal decides whether two versions
// of an item render the same.
func Touched(before, after []item.Item, equal func(a, b *item.Item) bool) map[string]bool {
	old := make(map[string]*item.Item, len(before))
	for i := range before {
		old[identity(&before[i])] = &before[i]
	}
	touched := map[string]bool{}
	mark := func(it *item.Item) {
		touched[config.LatestSlug] = true
		for _, s := range it.Sections {
			touched[s] = true
		}
	}
	for i := range after {
		it := &after[i]
		prev, ok := old[identity(it)]
		delete(old, identity(it))
		if ok && equal(prev, it) {
			continue
		}
		mark(it)
		if ok {
			mark(prev)
		}
	}
	for _, gone := range old {
		mark(gone)
	}
	return touched
}

// identity tells items apart across sources, which may reuse each
// other's ids.
func identity(it *item.Item) string {
	if it.Origin == nil {
		return it.ID
	}
	return it.Origin.SourceID + "\x00" + it.ID
}
