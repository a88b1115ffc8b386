// Package section decides which items each feed carries, and in which of
// its documents: the configured sections (every item, for the built-in
// "latest"), and one feed per tag and per author of the site's articles.
// A feed's current document holds its newest items; its archive holds
// the rest by month (RFC 5005). Index is the one list of every feed and
// every document, which rendering, serving and static builds all walk.
package section

import (
	"iter"
	"slices"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// Index is every feed of the site.
type Index struct {
	Sections []*Feed // as configured
	*Topics
	byKey map[Key]*Feed
}

// NewIndex makes the sections' feeds from items, in the priority order
// Sections takes, and joins them with topics.
func NewIndex(items []*item.Item, sections []config.Section, topics *Topics) *Index {
	ix := &Index{Sections: Sections(items, sections), Topics: topics}
	ix.byKey = make(map[Key]*Feed, len(ix.Sections)+len(topics.Tags)+len(topics.Authors))
	for _, list := range [][]*Feed{ix.Sections, topics.Tags, topics.Authors} {
		for _, f := range list {
			ix.byKey[f.Key] = f
		}
	}
	return ix
}

// Feed returns the feed named k, or nil.
func (ix *Index) Feed(k Key) *Feed { return ix.byKey[k] }

// Of lists the feeds of one kind.
func (ix *Index) Of(kind Kind) []*Feed {
	switch kind {
	case KindTag:
		return ix.Tags
	case KindAuthor:
		return ix.Authors
	}
	return ix.Sections
}

// Docs lists every document of every feed: sections, then tags, then
// authors, each feed's current document followed by its archive months,
// newest first. It is the list whoever must reach every feed walks.
func (ix *Index) Docs() iter.Seq[Doc] {
	return func(yield func(Doc) bool) {
		for _, kind := range []Kind{KindSection, KindTag, KindAuthor} {
			for _, f := range ix.Of(kind) {
				if !yield(Doc{Key: f.Key}) {
					return
				}
				for _, m := range f.Archive() {
					if !yield(Doc{Key: f.Key, Month: m.Name}) {
						return
					}
				}
			}
		}
	}
}

// Sections returns the feed of each configured section. Items are in
// priority order: the site's own first, then each source in the order
// configured. Within a section an item is a duplicate, and left out, when
// an earlier item has its id, or when an earlier item of another source
// has its canonical link (fragment included). Link duplicates are only
// looked for across sources: within one the id tells items apart, and two
// posts may share a page (/day.html#a1, #a2) or a podcast's every episode
// link to the show. A link several items of one source share is not an
// item's own, so it makes no duplicate anywhere. Items are shared, not
// copied: callers must not modify them.
func Sections(items []*item.Item, sections []config.Section) []*Feed {
	feeds := make([]*Feed, len(sections))
	bySlug := make(map[string]*Feed, len(sections))
	seen := make(map[string]*taken, len(sections))
	for i, s := range sections {
		feeds[i] = &Feed{Key: Key{KindSection, s.Slug}, Name: s.Title, Description: s.Description, Limit: s.Limit}
		bySlug[s.Slug] = feeds[i]
		// "latest" takes nearly every item: sized for them, its maps
		// never grow (at 100,000 items, growing them was over a quarter
		// of building the sections in a CPU profile of BenchmarkFlat's
		// edit).
		size := 0
		if s.Slug == config.LatestSlug {
			size = len(items)
		}
		seen[s.Slug] = &taken{ids: make(map[string]bool, size), links: make(map[string]string, size)}
	}
	links := ownLinks(items)
	add := func(slug string, i int) {
		f, ok := bySlug[slug]
		if !ok {
			return
		}
		t := seen[slug]
		it := items[i]
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
		f.Items = append(f.Items, it)
	}
	for i := range items {
		add(config.LatestSlug, i)
		for _, slug := range items[i].Sections {
			if slug != config.LatestSlug {
				add(slug, i)
			}
		}
	}
	for _, f := range feeds {
		sortNewest(f.Items)
	}
	return feeds
}

// taken is what a section already carries: ids, and canonical links with
// the source that brought each.
type taken struct {
	ids   map[string]bool
	links map[string]string
}

// ownLinks is the canonical link of each item that is its own: "" for an
// item without one, and for a link other items of its source share.
func ownLinks(items []*item.Item) []string {
	type sourceLink struct{ source, link string }
	links := make([]string, len(items))
	count := make(map[sourceLink]int, len(items))
	for i, it := range items {
		if l := item.CanonicalLink(it.URL); l != "" {
			links[i] = l
			count[sourceLink{sourceOf(it), l}]++
		}
	}
	for i, l := range links {
		if l != "" && count[sourceLink{sourceOf(items[i]), l}] > 1 {
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

func sortNewest(list []*item.Item) {
	slices.SortFunc(list, func(a, b *item.Item) int {
		if item.Newer(a, b) {
			return -1
		}
		if item.Newer(b, a) {
			return 1
		}
		return 0
	})
}

// Changed returns every version that differs between before and after:
// items added, removed or changed, in their old version and their new.
// equal decides whether two versions of an item render the same.
func Changed(before, after []*item.Item, equal func(a, b *item.Item) bool) []*item.Item {
	old := make(map[string]*item.Item, len(before))
	for _, it := range before {
		old[identity(it)] = it
	}
	var changed []*item.Item
	for _, it := range after {
		prev, ok := old[identity(it)]
		delete(old, identity(it))
		if ok && equal(prev, it) {
			continue
		}
		changed = append(changed, it)
		if ok {
			changed = append(changed, prev)
		}
	}
	for _, gone := range old {
		changed = append(changed, gone)
	}
	return changed
}

// identity tells items apart across sources, which may reuse each
// other's ids.
func identity(it *item.Item) string {
	if it.Origin == nil {
		return it.ID
	}
	return it.Origin.SourceID + "\x00" + it.ID
}

// KeysOf lists the feeds an item belongs to by what it says: "latest",
// its sections, and for the site's own articles (Markdown or first-party)
// its tags and authors.
// (Deduplication may still leave it out of a section.)
func KeysOf(it *item.Item) []Key {
	keys := make([]Key, 0, 1+len(it.Sections)+len(it.Tags)+len(it.Authors))
	keys = append(keys, Key{KindSection, config.LatestSlug})
	for _, s := range it.Sections {
		keys = append(keys, Key{KindSection, s})
	}
	if !it.Aggregated() {
		for _, t := range it.Tags {
			keys = append(keys, TagKey(t))
		}
		for _, p := range it.Authors {
			keys = append(keys, AuthorKey(p.Name))
		}
	}
	return keys
}
