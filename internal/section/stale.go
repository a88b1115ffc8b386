package section

import (
	"slices"

	"syndicate/internal/item"
)

// Stale is what an edit may have changed, worked out without rendering:
// the feeds it touched, each with the archive months whose documents may
// differ, and the topic kinds whose index (/tags/, /authors/) may differ.
// A touched feed's current document and page may differ too; a month not
// listed keeps its bytes.
type Stale struct {
	Feeds map[Key][]string
	Lists map[Kind]bool
}

// Diff compares the index before an edit with the index after it.
// changed is what Changed returned for the edit.
//
// A month's documents hold its archived items and links to its
// neighbours, so a month is stale when a changed item was or is in it,
// when the current document's boundary moved across it (items moved
// between the current document and the archive), or when it neighbours
// a month that filled or emptied (its link to that month changed). A
// feed whose name or URL changed is stale throughout.
func Diff(before, after *Index, changed []*item.Item) Stale {
	versions := map[Key][]*item.Item{}
	for _, it := range changed {
		for _, k := range KeysOf(it) {
			versions[k] = append(versions[k], it)
		}
	}
	out := Stale{Feeds: make(map[Key][]string, len(versions)), Lists: map[Kind]bool{}}
	for k, vs := range versions {
		old, cur := before.Feed(k), after.Feed(k)
		if old == nil && cur == nil {
			continue // an unknown section
		}
		out.Feeds[k] = staleMonths(old, cur, vs)
		if k.Kind != KindSection && (old == nil || cur == nil || old.Name != cur.Name || len(old.Items) != len(cur.Items)) {
			out.Lists[k.Kind] = true
		}
	}
	return out
}

func staleMonths(old, cur *Feed, versions []*item.Item) []string {
	var oldMonths, curMonths []Month
	if old != nil {
		oldMonths = old.Archive()
	}
	if cur != nil {
		curMonths = cur.Archive()
	}
	stale := map[string]bool{}
	all := func() {
		for _, list := range [][]Month{oldMonths, curMonths} {
			for _, m := range list {
				stale[m.Name] = true
			}
		}
	}
	switch ob, cb := boundary(old), boundary(cur); {
	case old == nil || cur == nil || old.Name != cur.Name || old.URL != cur.URL || old.Description != cur.Description:
		all()
	case (ob == nil) != (cb == nil):
		all() // the archive began or ended: every archived item moved
	case ob != nil && (identity(ob) != identity(cb) || !ob.Published.Equal(cb.Published)):
		lo, hi := min(monthOf(ob), monthOf(cb)), max(monthOf(ob), monthOf(cb))
		for _, list := range [][]Month{oldMonths, curMonths} {
			for _, m := range list {
				if n, _ := parseMonth(m.Name); n >= lo && n <= hi {
					stale[m.Name] = true
				}
			}
		}
	}
	for _, it := range versions {
		stale[monthOf(it).String()] = true
	}
	// A month that filled or emptied changes its neighbours' links: those
	// it had before, which now link each other, and those it has after.
	for _, pair := range [][2][]Month{{oldMonths, curMonths}, {curMonths, oldMonths}} {
		list, other := pair[0], pair[1]
		for i, m := range list {
			if slices.ContainsFunc(other, func(o Month) bool { return o.Name == m.Name }) {
				continue
			}
			if i > 0 {
				stale[list[i-1].Name] = true
			}
			if i+1 < len(list) {
				stale[list[i+1].Name] = true
			}
		}
	}
	// Only months with documents before or after are listed.
	var out []string
	for _, list := range [][]Month{oldMonths, curMonths} {
		for _, m := range list {
			if stale[m.Name] {
				out = append(out, m.Name)
				delete(stale, m.Name)
			}
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// boundary is the newest archived item, nil when every item is current.
func boundary(f *Feed) *item.Item {
	if f == nil {
		return nil
	}
	if a := f.archived(); len(a) > 0 {
		return a[0]
	}
	return nil
}
