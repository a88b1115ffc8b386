package render

import (
	"testing"
	"time"

	"syndicate/internal/conformance"
	"syndicate/internal/item"
)

// conformanceSections are the fixture, the media fixture, an empty section
// and a section of hostile text, which must all stay valid.
func conformanceSections() map[string]Section {
	hostile := hostileItem("\x00<b>\x85]]>\uFFFE&amp; \xff💥 'x\" @ not-an-email")
	bare := &item.Item{ID: "7", Title: "No dates, no URL, no authors"}
	return map[string]Section{
		"fixture": fixtureSection(),
		"media":   mediaSection(),
		"empty":   {Slug: "empty", Title: "Empty"},
		"hostile": {Slug: "hostile", Title: "Hostile\x01", Items: []*item.Item{hostile, bare}},
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
			if name == "hostile" {
				return // built by hand, unsanitized and undated: valid, but never clean
			}
			t.Run("w3c", func(t *testing.T) {
				page := site.BaseURL + "/" + sec.Slug + "/"
				conformance.W3CRules(t, page+FormatRSS, docs[FormatRSS].Body, page+FormatAtom, docs[FormatAtom].Body)
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
