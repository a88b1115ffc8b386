package item

import (
	"testing"
	"time"
)

// Every field a slim item drops is covered by its digest: an edit to any
// of them makes the slim versions differ, and nothing else does.
func TestSlimDigestCoversWhatItDrops(t *testing.T) {
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	base := Item{
		ID: "urn:a", URL: "https://wire.example/a", Title: "Title", Summary: "Standfirst", ContentHTML: "<p>Body</p>",
		Authors: []Person{{Name: "Desk"}}, Sections: []string{"asia"}, Tags: []string{"ports"},
		Image:      &Image{URL: "https://wire.example/a.jpg"},
		Enclosures: []Enclosure{{URL: "https://wire.example/a.mp3", Type: "audio/mpeg"}},
		Podcast:    &Podcast{Duration: 60}, Published: at, Updated: at,
		Origin: &Origin{SourceID: "wire", Title: "Wire", FeedURL: "https://wire.example/feed"},
	}
	for _, tc := range []struct {
		name string
		edit func(*Item)
		same bool
	}{
		{"nothing", func(*Item) {}, true},
		{"title", func(it *Item) { it.Title = "Retitled" }, false},
		{"summary", func(it *Item) { it.Summary = "" }, false},
		{"content", func(it *Item) { it.ContentHTML += " " }, false},
		{"author", func(it *Item) { it.Authors = []Person{{Name: "Other"}} }, false},
		{"tag", func(it *Item) { it.Tags = nil }, false},
		{"image caption", func(it *Item) { it.Image = &Image{URL: it.Image.URL, Caption: "c"} }, false},
		{"enclosure length", func(it *Item) { it.Enclosures = []Enclosure{{URL: it.Enclosures[0].URL, Length: 1}} }, false},
		{"podcast", func(it *Item) { it.Podcast = nil }, false},
		{"feed title", func(it *Item) { it.Origin = &Origin{SourceID: "wire", Title: "Wire (new)", FeedURL: it.Origin.FeedURL} }, false},
		{"section", func(it *Item) { it.Sections = []string{"europe"} }, false},
		{"updated", func(it *Item) { it.Updated = at.Add(time.Hour) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := base
			tc.edit(&other)
			a, b := Slim(&base), Slim(&other)
			if got := Equal(&a, &b); got != tc.same {
				t.Errorf("slim versions equal: %v, want %v", got, tc.same)
			}
			if a.Title != "" || a.Authors != nil || a.Image != nil || a.Origin.Title != "" || !IsSlim(&a) {
				t.Errorf("slim item keeps what it should drop: %+v", a)
			}
			if again := Slim(&a); !Equal(&again, &a) {
				t.Error("a slim item made slim again changed")
			}
		})
	}
	site := base
	site.Origin = nil
	if s := Slim(&site); !Equal(&s, &site) || IsSlim(&s) {
		t.Error("a site article was made slim")
	}
}
