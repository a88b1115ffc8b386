package render

import (
	"reflect"
	"strings"
	"testing"

	"syndicate/internal/item"
	"syndicate/internal/section"
)

// links maps rel to href.
func links(ls []xmlAttrLink) map[string]string {
	out := map[string]string{}
	for _, l := range ls {
		out[l.Rel] = l.Href
	}
	return out
}

// TestArchiveLinks checks the RFC 5005 markup of a current document and
// of an archive document in every format.
func TestArchiveLinks(t *testing.T) {
	base := "https://news.example/middle-east/"
	tests := []struct {
		name     string
		archive  Archive
		archived bool
		dir      string
		rels     map[string]string // rel -> folder, the format's file appended
		nextURL  string
	}{
		{
			name: "current", archive: Archive{Prev: "2026-09"}, dir: base,
			rels:    map[string]string{"self": base, "prev-archive": base + "archive/2026-09/"},
			nextURL: base + "archive/2026-09/feed.json",
		},
		{
			name: "middle month", archive: Archive{Month: "2026-09", Prev: "2026-07", Next: "2026-10"}, archived: true, dir: base + "archive/2026-09/",
			rels:    map[string]string{"self": base + "archive/2026-09/", "current": base, "prev-archive": base + "archive/2026-07/", "next-archive": base + "archive/2026-10/"},
			nextURL: base + "archive/2026-07/feed.json",
		},
		{
			name: "oldest month", archive: Archive{Month: "2026-07", Next: "2026-09"}, archived: true, dir: base + "archive/2026-07/",
			rels: map[string]string{"self": base + "archive/2026-07/", "current": base, "next-archive": base + "archive/2026-09/"},
		},
		{name: "no archive", dir: base, rels: map[string]string{"self": base}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec := fixtureSection()
			sec.Archive = tt.archive
			docs, err := Feeds(fixtureSite(), sec)
			if err != nil {
				t.Fatal(err)
			}
			want := func(format string) map[string]string {
				out := map[string]string{}
				for rel, dir := range tt.rels {
					out[rel] = dir + format
				}
				return out
			}

			r := parseRSS(t, docs[FormatRSS].Body)
			if got := links(r.Channel.AtomLinks); !reflect.DeepEqual(got, want(FormatRSS)) {
				t.Errorf("RSS atom:links = %v, want %v", got, want(FormatRSS))
			}
			if (r.Channel.Archive != nil) != tt.archived {
				t.Errorf("RSS fh:archive present %v, want %v", r.Channel.Archive != nil, tt.archived)
			}
			if r.Channel.Link != tt.dir {
				t.Errorf("RSS link = %q, want the document's page %q", r.Channel.Link, tt.dir)
			}

			a := parseAtom(t, docs[FormatAtom].Body)
			wantAtom := want(FormatAtom)
			wantAtom["alternate"] = tt.dir
			if got := links(a.Links); !reflect.DeepEqual(got, wantAtom) {
				t.Errorf("Atom links = %v, want %v", got, wantAtom)
			}
			if (a.Archive != nil) != tt.archived {
				t.Errorf("Atom fh:archive present %v, want %v", a.Archive != nil, tt.archived)
			}
			if a.ID != "tag:news.example,2026-01-01:section/middle-east" {
				t.Errorf("Atom id %q: every document of a feed shares the feed's id", a.ID)
			}
			if hasHistory := strings.Contains(string(docs[FormatAtom].Body), `xmlns:fh="http://purl.org/syndication/history/1.0"`); hasHistory != tt.archived {
				t.Errorf("Atom declares RFC 5005's namespace: %v, want %v", hasHistory, tt.archived)
			}

			j := parseJSON(t, docs[FormatJSON].Body)
			if j.NextURL != tt.nextURL || j.FeedURL != base+FormatJSON || j.HomePageURL != tt.dir {
				t.Errorf("JSON next_url %q, feed_url %q, home_page_url %q; want %q, %q, %q", j.NextURL, j.FeedURL, j.HomePageURL, tt.nextURL, base+FormatJSON, tt.dir)
			}
		})
	}
}

// TestTopicFeeds checks what tag and author feeds say of themselves.
func TestTopicFeeds(t *testing.T) {
	items := fixtureItems()
	tests := []struct {
		name       string
		sec        Section
		title, id  string
		self       string
		author     [2]string // name, URL of the feed's author
		descriptor string
	}{
		{
			name: "tag", sec: Section{Kind: section.KindTag, Slug: "iran", Title: "Iran", Items: items},
			title: "The Dispatch: Iran", id: "tag:news.example,2026-01-01:tag/iran",
			self: "https://news.example/tag/iran/", author: [2]string{"The Dispatch", "https://news.example/"}, descriptor: "Articles about Iran",
		},
		{
			name: "author", sec: Section{Kind: section.KindAuthor, Slug: "leila-haddad", Title: "Leïla Haddad", Items: items, Author: &item.Person{Name: "Leïla Haddad", URL: "https://news.example/authors/leila-haddad/"}},
			title: "The Dispatch: Leïla Haddad", id: "tag:news.example,2026-01-01:author/leila-haddad",
			self: "https://news.example/author/leila-haddad/", author: [2]string{"Leïla Haddad", "https://news.example/authors/leila-haddad/"}, descriptor: "Articles by Leïla Haddad",
		},
		{
			name: "author in another script", sec: Section{Kind: section.KindAuthor, Slug: "رانيا-خوري", Title: "رانيا خوري", Items: items, Author: &item.Person{Name: "رانيا خوري"}},
			title: "The Dispatch: رانيا خوري", id: "tag:news.example,2026-01-01:author/%D8%B1%D8%A7%D9%86%D9%8A%D8%A7-%D8%AE%D9%88%D8%B1%D9%8A",
			self:   "https://news.example/author/%D8%B1%D8%A7%D9%86%D9%8A%D8%A7-%D8%AE%D9%88%D8%B1%D9%8A/",
			author: [2]string{"رانيا خوري", ""}, descriptor: "Articles by رانيا خوري",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := Feeds(fixtureSite(), tt.sec)
			if err != nil {
				t.Fatal(err)
			}
			r := parseRSS(t, docs[FormatRSS].Body)
			if r.Channel.Title != tt.title || r.Channel.Description != tt.descriptor || links(r.Channel.AtomLinks)["self"] != tt.self+FormatRSS {
				t.Errorf("RSS title %q, description %q, links %v", r.Channel.Title, r.Channel.Description, r.Channel.AtomLinks)
			}
			a := parseAtom(t, docs[FormatAtom].Body)
			if a.Title != tt.title || a.ID != tt.id || links(a.Links)["self"] != tt.self+FormatAtom {
				t.Errorf("Atom title %q, id %q, links %v", a.Title, a.ID, a.Links)
			}
			if len(a.Authors) != 1 || a.Authors[0].Name != tt.author[0] || a.Authors[0].URI != tt.author[1] {
				t.Errorf("Atom feed author %+v, want %q", a.Authors, tt.author)
			}
			j := parseJSON(t, docs[FormatJSON].Body)
			if j.Title != tt.title || j.FeedURL != tt.self+FormatJSON || len(j.Authors) != 1 || j.Authors[0].Name != tt.author[0] || j.Authors[0].URL != tt.author[1] {
				t.Errorf("JSON title %q, feed_url %q, authors %+v", j.Title, j.FeedURL, j.Authors)
			}
		})
	}
}
