package source

import (
	"strings"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// retain merges a poll's items with those stored for the source and keeps
// the newest max_items. An item that left the upstream feed stays until
// newer ones push it out; an item still listed takes its new version.
//
// Stored items are brought in line with the current configuration
// (sections or routes, attribution, filters, withdrawals), so that a changed config applies even
// when the upstream has nothing new. They are copied, never modified:
// the store may share them with readers.
func retain(p *parsed, stored []item.Item, src *config.Source, origin item.Origin) []item.Item {
	max := src.MaxItems
	var fresh []item.Item
	if p != nil {
		fresh = p.items
		if p.allDated {
			item.SortNewest(fresh)
		}
		// With undated items the feed's own order is the only recency we
		// know; cutting by date instead would let items beyond max_items
		// come back as "new" on every poll and push the others out.
		if len(fresh) > max {
			fresh = fresh[:max]
		}
	}
	out := make([]item.Item, 0, len(fresh)+len(stored))
	out = append(out, fresh...)
	have := make(map[string]bool, len(fresh))
	for i := range fresh {
		have[fresh[i].ID] = true
	}
	for _, it := range stored {
		if have[it.ID] {
			continue
		}
		have[it.ID] = true
		file(src, &it)
		if it.Origin == nil || *it.Origin != origin {
			o := origin
			it.Origin = &o
		}
		if p != nil && p.deleted[it.ID] || src.Withdraws(it.ID, it.URL) {
			continue
		}
		if keep(src, &it) {
			out = append(out, it)
		}
	}
	item.SortNewest(out)
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// sameItems reports whether two sets of items would render the same.
func sameItems(a, b []item.Item) bool {
	if len(a) != len(b) {
		return false
	}
	byID := make(map[string]*item.Item, len(b))
	for i := range b {
		byID[b[i].ID] = &b[i]
	}
	for i := range a {
		o, ok := byID[a[i].ID]
		if !ok || !item.Equal(&a[i], o) {
			return false
		}
	}
	return true
}

// keep applies the source's include and exclude expressions to an item's
// title, summary and tags (a first-party item's categories).
func keep(src *config.Source, it *item.Item) bool {
	if len(src.IncludeRE) == 0 && len(src.ExcludeRE) == 0 {
		return true
	}
	tags := it.Tags
	if it.Categories != nil { // a first-party item's, before routing
		tags = it.Categories
	}
	text := it.Title + "\n" + it.Summary + "\n" + strings.Join(tags, "\n")
	if len(src.IncludeRE) > 0 {
		ok := false
		for _, re := range src.IncludeRE {
			if re.MatchString(text) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, re := range src.ExcludeRE {
		if re.MatchString(text) {
			return false
		}
	}
	return true
}
