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
	fresh := freshItems(p, max)
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

// freshItems are the items of a poll that retain takes, all of them
// kept: the newest max, or the first max as listed when some are undated.
func freshItems(p *parsed, max int) []item.Item {
	if p == nil {
		return nil
	}
	fresh := p.items
	if p.allDated {
		item.SortNewest(fresh)
	}
	// With undated items the feed's own order is the only recency we
	// know; cutting by date instead would let items beyond max_items
	// come back as "new" on every poll and push the others out.
	if len(fresh) > max {
		fresh = fresh[:max]
	}
	return fresh
}

// mayKeep lists the stored items that retain could keep besides fresh:
// those fresh does not hold with fewer than max fresh items newer than
// them. Any other is pushed out whatever the filters say, so a poll need
// not read its text: when a feed's items all change, none.
func mayKeep(fresh, stored []item.Item, max int) []item.Item {
	in := make(map[string]bool, len(fresh))
	for i := range fresh {
		in[fresh[i].ID] = true
	}
	var out []item.Item
	for i := range stored {
		if in[stored[i].ID] {
			continue
		}
		newer := 0
		for j := range fresh {
			if item.Newer(&fresh[j], &stored[i]) {
				newer++
			}
		}
		if newer < max {
			out = append(out, stored[i])
		}
	}
	return out
}

// sameItems reports whether items would render as stored does. stored
// may hold heads (item.Slim, as store.Store's ItemHeads reads them),
// which stand for the whole item by its digest.
func sameItems(items, stored []item.Item) bool {
	if len(items) != len(stored) {
		return false
	}
	byID := make(map[string]*item.Item, len(stored))
	for i := range stored {
		byID[stored[i].ID] = &stored[i]
	}
	// Ids first: digests are dearer, and a new id settles it.
	for i := range items {
		if byID[items[i].ID] == nil {
			return false
		}
	}
	for i := range items {
		it, o := &items[i], byID[items[i].ID]
		if item.IsSlim(o) {
			head := item.Slim(it)
			it = &head
		}
		if !item.Equal(it, o) {
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
