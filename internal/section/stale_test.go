package section

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// diffSite is three articles a month from July to October 2026 in
// "asia", tagged Iran, by one writer; "latest" keeps 4 items current.
func diffSite() []item.Item {
	var items []item.Item
	for m := 10; m >= 7; m-- {
		for d := 3; d >= 1; d-- {
			t := time.Date(2026, time.Month(m), d*7, 9, 0, 0, 0, time.UTC)
			items = append(items, item.Item{
				ID: fmt.Sprintf("a-%d-%d", m, d), Title: "t", Published: t, Updated: t,
				Sections: []string{"asia"}, Tags: []string{"Iran"}, Authors: []item.Person{{Name: "Leila Haddad"}},
			})
		}
	}
	return items
}

var diffSections = []config.Section{{Slug: "latest", Limit: 4}, {Slug: "asia", Limit: 50}}

func diffIndex(items []item.Item) *Index {
	return NewIndex(refs(items), diffSections, NewTopics(items, 4))
}

func TestDiff(t *testing.T) {
	latest, asia, iran, author := Key{KindSection, "latest"}, Key{KindSection, "asia"}, TagKey("Iran"), AuthorKey("Leila Haddad")
	tests := []struct {
		name  string
		edit  func([]item.Item) []item.Item
		feeds map[Key][]string
		lists map[Kind]bool
	}{
		{"nothing", func(it []item.Item) []item.Item { return it }, map[Key][]string{}, map[Kind]bool{}},
		{
			// An edit in a closed month makes that month stale, and only it.
			"edit in July",
			func(it []item.Item) []item.Item { it[10].Title = "edited"; return it },
			map[Key][]string{latest: {"2026-07"}, asia: nil, iran: {"2026-07"}, author: {"2026-07"}},
			map[Kind]bool{},
		},
		{
			// A new article pushes one item out of latest's current
			// document into September; July and August keep their bytes.
			"new article",
			func(it []item.Item) []item.Item {
				t := time.Date(2026, 10, 30, 9, 0, 0, 0, time.UTC)
				return append([]item.Item{{ID: "new", Title: "n", Published: t, Updated: t, Sections: []string{"asia"}, Tags: []string{"Iran"}, Authors: []item.Person{{Name: "Leila Haddad"}}}}, it...)
			},
			map[Key][]string{latest: {"2026-09"}, asia: nil, iran: {"2026-09"}, author: {"2026-09"}},
			map[Kind]bool{KindTag: true, KindAuthor: true},
		},
		{
			// Emptying August changes its neighbours' links.
			"august removed",
			func(it []item.Item) []item.Item { return append(it[:6:6], it[9:]...) },
			map[Key][]string{latest: {"2026-09", "2026-08", "2026-07"}, asia: nil, iran: {"2026-09", "2026-08", "2026-07"}, author: {"2026-09", "2026-08", "2026-07"}},
			map[Kind]bool{KindTag: true, KindAuthor: true},
		},
		{
			"tag renamed",
			func(it []item.Item) []item.Item {
				for i := range it {
					it[i].Tags = []string{"IRAN"}
				}
				return it
			},
			// Every item changed (its categories), so every month did.
			map[Key][]string{latest: {"2026-09", "2026-08", "2026-07"}, asia: nil, iran: {"2026-09", "2026-08", "2026-07"}, author: {"2026-09", "2026-08", "2026-07"}},
			map[Kind]bool{KindTag: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := diffSite()
			after := tt.edit(diffSite())
			bIx, aIx := diffIndex(before), diffIndex(after)
			got := Diff(bIx, aIx, Changed(refs(before), refs(after), item.Equal))
			if !reflect.DeepEqual(got.Feeds, tt.feeds) {
				t.Errorf("feeds = %v, want %v", got.Feeds, tt.feeds)
			}
			if !reflect.DeepEqual(got.Lists, tt.lists) {
				t.Errorf("lists = %v, want %v", got.Lists, tt.lists)
			}
		})
	}
}
