package source

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// TestProcess checks what the source adds to parsing: its filters, its
// sections and the attribution of its items.
func TestProcess(t *testing.T) {
	const feedURL = "https://wire.example/feeds/gulf.xml"
	feedOrigin := item.Origin{SourceID: "wire", FeedID: "https://wire.example/gulf/", Title: "Harbour Wire & Co: Gulf", FeedURL: feedURL, HomeURL: "https://wire.example/gulf/"}
	titled := feedOrigin
	titled.Title = "The Wire"
	tests := []struct {
		name       string
		src        config.Source
		wantIDs    []string
		wantOrigin item.Origin
		allDated   bool
	}{
		{"feed title", config.Source{ID: "wire", URL: feedURL, Sections: []string{"gulf", "world"}},
			[]string{"wire/wire-1001", "https://wire.example/gulf/2026/10/escorts", "wire/" + item.HashID("Briefing note", "A note with neither link nor guid nor date.")},
			feedOrigin, false},
		{"configured title", config.Source{ID: "wire", URL: feedURL, Title: "The Wire", Sections: []string{"gulf"}},
			[]string{"wire/wire-1001", "https://wire.example/gulf/2026/10/escorts", "wire/" + item.HashID("Briefing note", "A note with neither link nor guid nor date.")},
			titled, false},
		{"undated item filtered out", config.Source{ID: "wire", URL: feedURL, Sections: []string{"world"}, ExcludeRE: []*regexp.Regexp{regexp.MustCompile(`Briefing`)}},
			[]string{"wire/wire-1001", "https://wire.example/gulf/2026/10/escorts"},
			feedOrigin, true},
		{"included by tag", config.Source{ID: "wire", URL: feedURL, Sections: []string{"world"}, IncludeRE: []*regexp.Regexp{regexp.MustCompile(`(?m)^Insurance$`)}},
			[]string{"wire/wire-1001"},
			feedOrigin, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := process(fixture(t, "rss2.xml"), "application/rss+xml", feedURL, &tt.src, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p.items); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("ids %q, want %q", got, tt.wantIDs)
			}
			if p.origin != tt.wantOrigin {
				t.Errorf("origin %+v, want %+v", p.origin, tt.wantOrigin)
			}
			if p.allDated != tt.allDated {
				t.Errorf("allDated %v, want %v", p.allDated, tt.allDated)
			}
			for _, it := range p.items {
				if !slices.Equal(it.Sections, tt.src.Sections) || it.Origin == nil || *it.Origin != tt.wantOrigin {
					t.Errorf("%s: sections %v, origin %+v", it.ID, it.Sections, it.Origin)
				}
				if it.ContentHTML == "" {
					t.Errorf("%s: not sanitized", it.ID)
				}
			}
		})
	}
}

// TestEncodings runs charset's fixtures through the whole pipeline: the
// declaration that charset rewrites must keep the XML parser from
// decoding a second time.
func TestEncodings(t *testing.T) {
	tests := []struct {
		name, fixture, contentType string
		title, summary             string
	}{
		{"latin1 declared and real", "latin1.xml", "application/rss+xml", "Réunion à Genève", "Le ministère a publié un communiqué."},
		{"latin1 from HTTP only", "latin1.xml", "text/xml; charset=ISO-8859-1", "Réunion à Genève", "Le ministère a publié un communiqué."},
		{"utf8 mislabelled latin1", "utf8-as-latin1.xml", "application/rss+xml", "Réunion à Genève", "Le ministère a publié un communiqué."},
		{"utf8 mislabelled by HTTP too", "utf8-as-latin1.xml", "text/xml; charset=iso-8859-1", "Réunion à Genève", "Le ministère a publié un communiqué."},
		{"windows-1252 smart quotes", "cp1252.xml", "", "\u201cQuoted\u201d \u2014 it\u2019s \u20ac100m", "\u201elow\u201c quotes\u2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("..", "charset", "testdata", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			src := config.Source{ID: "enc", URL: "https://quai.example/rss", Sections: []string{"world"}}
			p, err := process(body, tt.contentType, src.URL, &src, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.items) != 1 {
				t.Fatalf("got %d items", len(p.items))
			}
			if got := p.items[0].Title; got != tt.title {
				t.Errorf("title = %q, want %q", got, tt.title)
			}
			if got := p.items[0].Summary; got != tt.summary {
				t.Errorf("summary = %q, want %q", got, tt.summary)
			}
		})
	}
}
