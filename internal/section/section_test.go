package section

import (
	"reflect"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

func at(day int) time.Time { return time.Date(2026, 10, day, 9, 0, 0, 0, time.UTC) }

func ids(list []*item.Item) []string {
	var out []string
	for _, it := range list {
		out = append(out, it.ID)
	}
	return out
}

func TestSections(t *testing.T) {
	items := []item.Item{
		{ID: "a", Published: at(1), Sections: []string{"asia"}},
		{ID: "b", Published: at(3), Sections: []string{"asia", "analysis"}},
		{ID: "c", Published: at(2), Sections: []string{"middle-east"}},
		{ID: "d", Published: at(3), Sections: []string{"asia"}}, // same time as b: id breaks the tie
		{ID: "e", Published: at(4), Sections: []string{"unknown"}},
	}
	sections := []config.Section{
		{Slug: config.LatestSlug, Limit: 3},
		{Slug: "asia", Limit: 50},
		{Slug: "analysis", Limit: 50},
		{Slug: "middle-east", Limit: 50},
		{Slug: "washington", Limit: 50},
	}
	feeds := Sections(refs(items), sections)
	want := map[string][2][]string{ // current, all
		config.LatestSlug: {{"e", "b", "d"}, {"e", "b", "d", "c", "a"}},
		"asia":            {{"b", "d", "a"}, {"b", "d", "a"}},
		"analysis":        {{"b"}, {"b"}},
		"middle-east":     {{"c"}, {"c"}},
		"washington":      {nil, nil},
	}
	if len(feeds) != len(sections) {
		t.Fatalf("%d feeds for %d sections", len(feeds), len(sections))
	}
	for i, f := range feeds {
		if f.Key != (Key{KindSection, sections[i].Slug}) {
			t.Errorf("feed %d is %v, want section %s in config order", i, f.Key, sections[i].Slug)
		}
		w := want[f.Slug]
		if g := ids(f.Current()); !reflect.DeepEqual(g, w[0]) {
			t.Errorf("%s current = %v, want %v", f.Slug, g, w[0])
		}
		if g := ids(f.Items); !reflect.DeepEqual(g, w[1]) {
			t.Errorf("%s items = %v, want %v", f.Slug, g, w[1])
		}
	}
}

func TestSectionsDeduplicate(t *testing.T) {
	wire := &item.Origin{SourceID: "wire"}
	partner := &item.Origin{SourceID: "partner"}
	items := []item.Item{
		{ID: "own", URL: "https://site.example/articles/own/", Published: at(1), Sections: []string{"asia"}},
		{ID: "w1", URL: "https://wire.example/story?utm_source=rss", Published: at(2), Sections: []string{"asia"}, Origin: wire},
		{ID: "p1", URL: "http://WIRE.example/story/", Published: at(3), Sections: []string{"asia"}, Origin: partner},
		{ID: "w1", URL: "https://other.example/x", Published: at(4), Sections: []string{"asia"}, Origin: partner},
		{ID: "p2", URL: "https://site.example/articles/own", Published: at(5), Sections: []string{"asia"}, Origin: partner},
	}
	for _, f := range Sections(refs(items), []config.Section{{Slug: config.LatestSlug, Limit: 50}, {Slug: "asia", Limit: 50}}) {
		if g := ids(f.Items); !reflect.DeepEqual(g, []string{"w1", "own"}) {
			t.Errorf("%s = %v, want [w1 own]: same link or id from a later source is a duplicate", f.Slug, g)
		}
		for _, it := range f.Items {
			if it.ID == "w1" && it.Origin != wire {
				t.Errorf("%s: duplicate kept from the later source", f.Slug)
			}
		}
	}
}

func TestChanged(t *testing.T) {
	base := []item.Item{
		{ID: "a", Title: "A", Sections: []string{"asia"}},
		{ID: "b", Title: "B", Sections: []string{"middle-east"}},
		{ID: "c", Title: "C", Sections: []string{"washington"}},
	}
	sameTitle := func(a, b *item.Item) bool { return a.Title == b.Title && reflect.DeepEqual(a.Sections, b.Sections) }
	tests := []struct {
		name  string
		after []item.Item
		want  []string // titles of the versions
	}{
		{"nothing changed", base, nil},
		{"edit", []item.Item{{ID: "a", Title: "A2", Sections: []string{"asia"}}, base[1], base[2]}, []string{"A2", "A"}},
		{"removed", base[:2], []string{"C"}},
		{"added", append(append([]item.Item{}, base...), item.Item{ID: "d", Title: "D"}), []string{"D"}},
		{"same id from a source is another item", append(append([]item.Item{}, base...), item.Item{ID: "a", Title: "A", Origin: &item.Origin{SourceID: "wire"}}), []string{"A"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, it := range Changed(refs(base), refs(tt.after), sameTitle) {
				got = append(got, it.Title)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSectionsKeepItemsOfOneSource: links tell items apart only across
// sources. A blog's posts that differ in their fragment, and a podcast's
// episodes that all link to the show, stay; a story two sources carry is
// kept once.
func TestSectionsKeepItemsOfOneSource(t *testing.T) {
	blog := &item.Origin{SourceID: "blog"}
	podcast := &item.Origin{SourceID: "podcast"}
	wire := &item.Origin{SourceID: "wire"}
	items := []item.Item{
		{ID: "blog/1", URL: "https://blog.example/2026/11/26.html#a0306", Published: at(1), Origin: blog},
		{ID: "blog/2", URL: "https://blog.example/2026/11/26.html#a0312", Published: at(2), Origin: blog},
		{ID: "blog/3", URL: "https://blog.example/2026/11/26.html", Published: at(3), Origin: blog},
		{ID: "pod/1", URL: "https://show.example/", Published: at(4), Origin: podcast},
		{ID: "pod/2", URL: "https://show.example/", Published: at(5), Origin: podcast},
		{ID: "pod/3", URL: "https://show.example", Published: at(6), Origin: podcast},
		// Another source: the blog's second post is a duplicate, with or
		// without tracking; its fragmentless page and the show's shared
		// home page are not.
		{ID: "wire/1", URL: "https://blog.example/2026/11/26.html?utm_source=x#a0312", Published: at(7), Origin: wire},
		{ID: "wire/2", URL: "https://blog.example/2026/11/26.html#other", Published: at(8), Origin: wire},
		{ID: "wire/3", URL: "https://show.example/", Published: at(9), Origin: wire},
	}
	got := Sections(refs(items), []config.Section{{Slug: config.LatestSlug, Limit: 50}})
	want := []string{"wire/3", "wire/2", "pod/3", "pod/2", "pod/1", "blog/3", "blog/2", "blog/1"}
	if g := ids(got[0].Items); !reflect.DeepEqual(g, want) {
		t.Errorf("latest = %v, want %v", g, want)
	}
}

func TestKeysOf(t *testing.T) {
	own := &item.Item{Sections: []string{"asia"}, Tags: []string{"Iran", "Strait of Hormuz"}, Authors: []item.Person{{Name: "Lee Jae-myung"}}}
	want := []Key{{KindSection, "latest"}, {KindSection, "asia"}, {KindTag, "iran"}, {KindTag, "strait-of-hormuz"}, {KindAuthor, "lee-jae-myung"}}
	if got := KeysOf(own); !reflect.DeepEqual(got, want) {
		t.Errorf("own article: %v, want %v", got, want)
	}
	wired := *own
	wired.Origin = &item.Origin{SourceID: "wire"}
	if got := KeysOf(&wired); !reflect.DeepEqual(got, want[:2]) {
		t.Errorf("aggregated item: %v, want only its sections %v: topics are the site's own", got, want[:2])
	}
}

// refs points at each of items, as the Publisher hands them over.
func refs(items []item.Item) []*item.Item {
	out := make([]*item.Item, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}
