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

func TestBuild(t *testing.T) {
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
	got := Build(items, sections)
	want := map[string][]string{
		config.LatestSlug: {"e", "b", "d"},
		"asia":            {"b", "d", "a"},
		"analysis":        {"b"},
		"middle-east":     {"c"},
		"washington":      nil,
	}
	for slug, w := range want {
		if g := ids(got[slug]); !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %v, want %v", slug, g, w)
		}
	}
	if _, ok := got["unknown"]; ok {
		t.Error("an unconfigured section was built")
	}
}

func TestBuildDeduplicates(t *testing.T) {
	wire := &item.Origin{SourceID: "wire"}
	partner := &item.Origin{SourceID: "partner"}
	items := []item.Item{
		{ID: "own", URL: "https://site.example/articles/own/", Published: at(1), Sections: []string{"asia"}},
		{ID: "w1", URL: "https://wire.example/story?utm_source=rss", Published: at(2), Sections: []string{"asia"}, Origin: wire},
		{ID: "p1", URL: "http://WIRE.example/story/", Published: at(3), Sections: []string{"asia"}, Origin: partner},
		{ID: "w1", URL: "https://other.example/x", Published: at(4), Sections: []string{"asia"}, Origin: partner},
		{ID: "p2", URL: "https://site.example/articles/own", Published: at(5), Sections: []string{"asia"}, Origin: partner},
	}
	got := Build(items, []config.Section{{Slug: config.LatestSlug, Limit: 50}, {Slug: "asia", Limit: 50}})
	for _, slug := range []string{"asia", config.LatestSlug} {
		list := got[slug]
		if g := ids(list); !reflect.DeepEqual(g, []string{"w1", "own"}) {
			t.Errorf("%s = %v, want [w1 own]: same link or id from a later source is a duplicate", slug, g)
		}
		for _, it := range list {
			if it.ID == "w1" && it.Origin != wire {
				t.Errorf("%s: duplicate kept from the later source", slug)
			}
		}
	}
}

func TestTouched(t *testing.T) {
	base := []item.Item{
		{ID: "a", Title: "A", Sections: []string{"asia"}},
		{ID: "b", Title: "B", Sections: []string{"middle-east"}},
		{ID: "c", Title: "C", Sections: []string{"washington"}},
	}
	sameTitle := func(a, b *item.Item) bool { return a.Title == b.Title && reflect.DeepEqual(a.Sections, b.Sections) }
	tests := []struct {
		name  string
		after []item.Item
		want  map[string]bool
	}{
		{"nothing changed", base, map[string]bool{}},
		{"edit in asia", []item.Item{{ID: "a", Title: "A2", Sections: []string{"asia"}}, base[1], base[2]},
			map[string]bool{"latest": true, "asia": true}},
		{"moved section", []item.Item{{ID: "a", Title: "A", Sections: []string{"analysis"}}, base[1], base[2]},
			map[string]bool{"latest": true, "asia": true, "analysis": true}},
		{"removed", base[:2], map[string]bool{"latest": true, "washington": true}},
		{"added", append(append([]item.Item{}, base...), item.Item{ID: "d", Sections: []string{"analysis"}}),
			map[string]bool{"latest": true, "analysis": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Touched(base, tt.after, sameTitle); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBuildKeepsItemsOfOneSource: links tell items apart only across
// sources. A blog's posts that differ in their fragment, and a podcast's
// episodes that all link to the show, stay; a story two sources carry is
// kept once.
func TestBuildKeepsItemsOfOneSource(t *testing.T) {
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
	got := Build(items, []config.Section{{Slug: config.LatestSlug, Limit: 50}})
	want := []string{"wire/3", "wire/2", "pod/3", "pod/2", "pod/1", "blog/3", "blog/2", "blog/1"}
	if g := ids(got[config.LatestSlug]); !reflect.DeepEqual(g, want) {
		t.Errorf("latest = %v, want %v", g, want)
	}
}
