package source

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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
			p, err := process(t.Context(), testBounds(), fixture(t, "rss2.xml"), "application/rss+xml", feedURL, &tt.src, t0, nil)
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
			p, err := process(t.Context(), testBounds(), body, tt.contentType, src.URL, &src, t0, nil)
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

// secretURL is a source URL as operators write them for partners that
// want credentials: userinfo and a key in the query.
const secretURL = "https://alice:hunter22@partner.example/feed?api_key=K3Y-123&page=1"

var secrets = []string{"alice", "hunter22", "K3Y-123"}

// The URL a source is fetched from is never published: attribution names
// public_url, the feed's own self link, or the fetch URL without its
// credentials and query, and relative links resolve without them.
func TestAttributionHidesTheFetchURL(t *testing.T) {
	const feed = `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Partner</title>%s
<item><title>First</title><link>/news/1</link><description>&lt;a href="/news/0"&gt;before&lt;/a&gt;</description></item>
</channel></rss>`
	tests := []struct {
		name, self, publicURL, wantFeedURL string
	}{
		{"no self link", "", "", "https://partner.example/feed"},
		{"a self link", "https://partner.example/public.rss", "", "https://partner.example/public.rss"},
		{"a self link with an innocent query", "https://partner.example/?feed=rss2", "", "https://partner.example/?feed=rss2"},
		{"a self link echoing the fetch URL", "https://alice:hunter22@partner.example/feed?api_key=K3Y-123", "", "https://partner.example/feed"},
		{"a relative self link", "/feed?api_key=K3Y-123", "", "https://partner.example/feed"},
		{"public_url", "https://partner.example/public.rss", "https://partner.example/rss", "https://partner.example/rss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			self := ""
			if tt.self != "" {
				self = `<atom:link rel="self" href="` + html.EscapeString(tt.self) + `"/>`
			}
			src := config.Source{ID: "partner", URL: secretURL, PublicURL: tt.publicURL, Sections: []string{"world"}}
			p, err := process(t.Context(), testBounds(), []byte(strings.Replace(feed, "%s", self, 1)), "application/rss+xml", secretURL, &src, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.items) != 1 {
				t.Fatalf("%d items", len(p.items))
			}
			if p.origin.FeedURL != tt.wantFeedURL {
				t.Errorf("feed URL %q, want %q", p.origin.FeedURL, tt.wantFeedURL)
			}
			it := p.items[0]
			if it.URL != "https://partner.example/news/1" {
				t.Errorf("item link %q", it.URL)
			}
			published := asJSON(p.items) + asJSON(p.origin)
			for _, s := range secrets {
				if strings.Contains(published, s) {
					t.Errorf("%q published: %s", s, published)
				}
			}
		})
	}
}
