package section

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

func TestDocPaths(t *testing.T) {
	for _, tt := range []struct {
		doc       Doc
		dir, link string
	}{
		{Doc{Key: Key{KindSection, "asia"}}, "/asia/", "/asia/"},
		{Doc{Key{KindSection, "asia"}, "2026-10"}, "/asia/archive/2026-10/", "/asia/archive/2026-10/"},
		{Doc{Key: Key{KindTag, "iran"}}, "/tag/iran/", "/tag/iran/"},
		{Doc{Key{KindAuthor, "lee-jae-myung"}, "2025-01"}, "/author/lee-jae-myung/archive/2025-01/", "/author/lee-jae-myung/archive/2025-01/"},
		{Doc{Key: Key{KindAuthor, "رانيا-خوري"}}, "/author/رانيا-خوري/", "/author/%D8%B1%D8%A7%D9%86%D9%8A%D8%A7-%D8%AE%D9%88%D8%B1%D9%8A/"},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			if got := tt.doc.Dir(); got != tt.dir {
				t.Errorf("Dir = %q, want %q", got, tt.dir)
			}
			if got := tt.doc.Link(); got != tt.link {
				t.Errorf("Link = %q, want %q", got, tt.link)
			}
			for _, file := range []string{"", "atom.xml"} {
				d, f, ok := Parse(tt.dir + file)
				if !ok || d != tt.doc || f != file {
					t.Errorf("Parse(%q) = %v, %q, %v; want %v, %q", tt.dir+file, d, f, ok, tt.doc, file)
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, path := range []string{
		"", "asia/", "/", "//rss.xml", "/tag//", "/tag/iran", "/asia/archive/2026-13/", "/asia/archive/2026-1/",
		"/asia/archive/", "/asia/archive/2026-10", "/asia/a/b", "/tag/iran/archive/2026-10/x/y",
	} {
		if d, f, ok := Parse(path); ok {
			t.Errorf("Parse(%q) = %v, %q: want a rejection", path, d, f)
		}
	}
}

// monthly makes n items per month, for months counted back from
// October 2026, newest first.
func monthly(perMonth ...int) []*item.Item {
	var out []*item.Item
	for back, n := range perMonth {
		start := time.Date(2026, time.Month(10-back), 28, 0, 0, 0, 0, time.UTC)
		for i := range n {
			out = append(out, &item.Item{ID: fmt.Sprintf("m%d-%d", back, i), Published: start.Add(-time.Duration(i) * time.Hour)})
		}
	}
	return out
}

func TestArchive(t *testing.T) {
	// October 3, September 0, August 2, July 4; limit 4 leaves one
	// October item and all of August and July to the archive.
	f := &Feed{Key: Key{KindTag, "iran"}, Limit: 4, Items: monthly(3, 0, 2, 4)}
	if got := ids(f.Current()); !reflect.DeepEqual(got, []string{"m0-0", "m0-1", "m0-2", "m2-0"}) {
		t.Fatalf("current = %v", got)
	}
	var names []string
	total := 0
	for _, m := range f.Archive() {
		names = append(names, m.Name)
		total += len(m.Items)
	}
	if want := []string{"2026-08", "2026-07"}; !reflect.DeepEqual(names, want) {
		t.Errorf("archive months = %v, want %v (September is empty and skipped)", names, want)
	}
	if total+len(f.Current()) != len(f.Items) {
		t.Errorf("current and archive hold %d items, the feed %d", total+len(f.Current()), len(f.Items))
	}
	if got := f.NewestArchive(); got != "2026-08" {
		t.Errorf("NewestArchive = %q", got)
	}
	for _, tt := range []struct {
		month, prev, next string
		items             []string
		ok                bool
	}{
		{"2026-08", "2026-07", "", []string{"m2-1"}, true},
		{"2026-07", "", "2026-08", []string{"m3-0", "m3-1", "m3-2", "m3-3"}, true},
		{"2026-09", "", "", nil, false},
		{"2026-10", "", "", nil, false}, // all in the current document
		{"2026-06", "", "", nil, false},
		{"junk", "", "", nil, false},
	} {
		m, prev, next, ok := f.ArchiveMonth(tt.month)
		if ok != tt.ok || prev != tt.prev || next != tt.next || !reflect.DeepEqual(ids(m.Items), tt.items) {
			t.Errorf("ArchiveMonth(%s) = %v %q %q %v; want %v %q %q %v", tt.month, ids(m.Items), prev, next, ok, tt.items, tt.prev, tt.next, tt.ok)
		}
	}

	small := &Feed{Limit: 50, Items: monthly(3)}
	if a := small.Archive(); a != nil || small.NewestArchive() != "" {
		t.Errorf("a feed within its limit has archive %v", a)
	}
}

func TestDocsListsEveryDocument(t *testing.T) {
	items := []item.Item{}
	for _, it := range monthly(2, 1, 1) {
		it.Sections = []string{"asia"}
		it.Tags = []string{"Iran"}
		it.Authors = []item.Person{{Name: "Leila Haddad"}}
		items = append(items, *it)
	}
	topics := NewTopics(items, 2)
	topics.Authors[0].Limit = 50
	ix := NewIndex(refs(items), []config.Section{{Slug: "latest", Limit: 3}, {Slug: "asia", Limit: 50}}, topics)
	var got []string
	for d := range ix.Docs() {
		got = append(got, d.Dir())
	}
	want := []string{
		"/latest/", "/latest/archive/2026-08/",
		"/asia/",
		"/tag/iran/", "/tag/iran/archive/2026-09/", "/tag/iran/archive/2026-08/",
		"/author/leila-haddad/",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Docs =\n%q\nwant\n%q", got, want)
	}
	if !slices.Equal(ids(ix.Feed(Key{KindTag, "iran"}).Items), ids(ix.Feed(Key{KindSection, "asia"}).Items)) {
		t.Error("the tag feed does not carry the tagged items")
	}
}
