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
// the order configured. Within a section an item is a duplicate, and left
// out, when an earlier item has its id, or when an earlier item of another
// source has its canonical link (fragment included). Link duplicates are
// only looked for across sources: within one the id tells items apart,
// and two posts may share a page (/day.html#a1, #a2) or a podcast's every
// episode link to the show. A link several items of one source share is
// not an item's own, so it makes no duplicate anywhere.
// Items are shared, not copied: callers must not modify them.
func Build(items []item.Item, sections []config.Section) map[string][]*item.Item {
	bySlug := make(map[string][]*item.Item, len(sections))
	seen := make(map[string]*taken, len(sections))
	for _, s := range sections {
		bySlug[s.Slug] = nil
		seen[s.Slug] = &taken{ids: map[string]bool{}, links: map[string]string{}}
	}
	links := ownLinks(items)
	add := func(slug string, i int) {
		t, ok := seen[slug]
		if !ok {
			return
		}
		it := &items[i]
		src := sourceOf(it)
		if t.ids[it.ID] {
			return
		}
		if owner, ok := t.links[links[i]]; ok && links[i] != "" && owner != src {
			return
		}
		t.ids[it.ID] = true
		if _, ok := t.links[links[i]]; !ok && links[i] != "" {
			t.links[links[i]] = src
		}
		bySlug[slug] = append(bySlug[slug], it)
	}
	for i := range items {
		add(config.LatestSlug, i)
		for _, slug := range items[i].Sections {
			if slug != config.LatestSlug {
				add(slug, i)
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

// taken is what a section already carries: ids, and canonical links with
// the source that brought each.
type taken struct {
	ids   map[string]bool
	links map[string]string
}

// ownLinks is the canonical link of each item that is its own: "" for an
// item without one, and for a link other items of its source share.
func ownLinks(items []item.Item) []string {
	links := make([]string, len(items))
	count := make(map[string]int, len(items))
	for i := range items {
		if l := item.CanonicalLink(items[i].URL); l != "" {
			links[i] = l
			count[sourceOf(&items[i])+"\x00"+l]++
		}
	}
	for i, l := range links {
		if l != "" && count[sourceOf(&items[i])+"\x00"+l] > 1 {
			links[i] = ""
		}
	}
	return links
}

// sourceOf is the source an item came from; "" for the site's own.
func sourceOf(it *item.Item) string {
	if it.Origin == nil {
		return ""
	}
	return it.Origin.SourceID
}

// identity tells items apart across sources, which may reuse each
// other's ids.
func identity(it *item.Item) string {
	if it.Origin == nil {
		return it.ID
	}
	return it.Origin.SourceID + "\x00" + it.ID
}
