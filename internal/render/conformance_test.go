package render

import (
	"testing"
	"time"

	"syndicate/internal/conformance"
	"syndicate/internal/item"
	"syndicate/internal/section"
)

// conformanceSections are the fixture, the media fixture, an empty
// section, a section of hostile text, the fixture as a current document
// with an archive and as an archive document, and tag and author feeds,
// which must all stay valid.
func conformanceSections() map[string]Section {
	hostile := hostileItem("\x00<b>\x85]]>\uFFFE&amp; \xff💥 'x\" @ not-an-email")
	bare := &item.Item{ID: "7", Title: "No dates, no URL, no authors"}
	withArchive, archived := fixtureSection(), fixtureSection()
	withArchive.Archive = Archive{Prev: "2026-09"}
	archived.Archive = Archive{Month: "2026-09", Prev: "2026-07", Next: "2026-10"}
	return map[string]Section{
		"fixture":      fixtureSection(),
		"media":        mediaSection(),
		"empty":        {Slug: "empty", Title: "Empty"},
		"hostile":      {Slug: "hostile", Title: "Hostile\x01", Items: []*item.Item{hostile, bare}},
		"with-archive": withArchive,
		"archived":     archived,
		"tag":          {Kind: section.KindTag, Slug: "iran", Title: "Iran", Items: fixtureItems(), Archive: Archive{Month: "2026-09", Next: "2026-10"}},
		"author": {Kind: section.KindAuthor, Slug: "رانيا-خوري", Title: "رانيا خوري", Items: fixtureItems(),
			Author: &item.Person{Name: "رانيا خوري", URL: "https://news.example/people/rania/"}, Archive: Archive{Prev: "2025-12"}},
	}
}

func TestConformance(t *testing.T) {
	conformance.Dir(t)
	for name, sec := range conformanceSections() {
		t.Run(name, func(t *testing.T) {
			site := mediaSite()
			docs, err := Feeds(site, sec)
			if err != nil {
				t.Fatal(err)
			}
			t.Run("atom", func(t *testing.T) { conformance.Atom(t, docs[FormatAtom].Body) })
			t.Run("json", func(t *testing.T) { conformance.JSONFeed(t, docs[FormatJSON].Body) })
			t.Run("w3c", func(t *testing.T) {
				if name == "hostile" {
					t.Skip("an item with no date and no link cannot meet the W3C rules; the grammars suffice")
				}
				dir := "https://news.example" + sec.doc().Link()
				conformance.W3CRules(t, dir+FormatRSS, docs[FormatRSS].Body, dir+FormatAtom, docs[FormatAtom].Body)
			})
		})
	}
}

// hostileItem puts s in every text field of an item.
func hostileItem(s string) *item.Item {
	return &item.Item{
		ID:          s,
		URL:         "https://news.example/articles/" + s,
		Title:       s,
		Summary:     s,
		ContentHTML: "<p>" + s + "</p>",
		Authors:     []item.Person{{Name: s, Email: s, URL: s}, {Email: s}},
		Sections:    []string{s, "middle-east"},
		Tags:        []string{s, ""},
		Image:       &item.Image{URL: "https://news.example/media/" + s, Caption: s, Credit: s, Type: s, Length: -1},
		Published:   time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC),
		Origin:      &item.Origin{SourceID: s, FeedID: s, Title: s, FeedURL: s, HomeURL: s},
	}
}
