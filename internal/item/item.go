// Package item defines the one item model shared by the site's own articles
// and by items aggregated from external feeds.
package item

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// Person is an author of an item.
type Person struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Image is an item's top image. URL is absolute.
type Image struct {
	URL     string `json:"url"`
	Caption string `json:"caption,omitempty"`
	Credit  string `json:"credit,omitempty"`
	Type    string `json:"type,omitempty"`   // MIME type, e.g. image/jpeg
	Length  int64  `json:"length,omitempty"` // bytes; 0 when unknown
}

// Enclosure is a file an item carries besides its top image: a podcast's
// audio, a video, a document, another picture. URL is absolute.
type Enclosure struct {
	URL      string `json:"url"`
	Type     string `json:"type,omitempty"`     // MIME type, e.g. audio/mpeg
	Length   int64  `json:"length,omitempty"`   // bytes; 0 when unknown
	Medium   string `json:"medium,omitempty"`   // Media RSS medium: image, audio, video, document or executable
	Title    string `json:"title,omitempty"`    // JSON Feed attachment title
	Duration int64  `json:"duration,omitempty"` // seconds; 0 when unknown
}

// Podcast holds an episode's iTunes tags, those podcast apps read.
type Podcast struct {
	Duration int64  `json:"duration,omitempty"` // seconds
	Image    string `json:"image,omitempty"`    // absolute URL of the episode's artwork
	Episode  int64  `json:"episode,omitempty"`  // positive
	Explicit string `json:"explicit,omitempty"` // "true", "false", or "" when not said
}

// Origin names the feed an item came from. The site's Markdown articles
// have no Origin; an aggregated item's names the external feed it is
// attributed to; a first-party item's (a [[source]] of kind "articles",
// the publication's own CMS) says so with FirstParty, and is published as
// one of the site's articles, without attribution.
type Origin struct {
	SourceID string `json:"source_id"`         // the [[source]] id in config
	FeedID   string `json:"feed_id,omitempty"` // upstream feed's own id (Atom id), else its URL
	Title    string `json:"title,omitempty"`   // upstream feed's title
	FeedURL  string `json:"feed_url"`          // the feed's public URL, never the URL fetched, which may carry credentials
	HomeURL  string `json:"home_url,omitempty"`
	// FirstParty marks the publication's own source: its items are the
	// site's articles (own authors, tags and topics, no <source>).
	FirstParty bool `json:"first_party,omitempty"`
}

// Item is one article or aggregated entry.
//
// ID is the stable identity of the item in every output format: it never
// changes when the item is edited. Text fields hold valid UTF-8 with no
// characters that XML 1.0 forbids (see CleanText).
type Item struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary,omitempty"` // plain text (the standfirst)
	ContentHTML string   `json:"content_html,omitempty"`
	Authors     []Person `json:"authors,omitempty"`
	Sections    []string `json:"sections,omitempty"` // section slugs the item is filed under
	Tags        []string `json:"tags,omitempty"`
	// Categories are a first-party item's categories as its feed gives
	// them; its Sections and Tags are routed from them (see
	// config.Source.Routed), and kept so that a changed route applies to
	// items stored before the change.
	Categories []string `json:"categories,omitempty"`
	Image      *Image   `json:"image,omitempty"`
	// Enclosures are the item's media, in the feed's order, none of them
	// the top image.
	Enclosures []Enclosure `json:"enclosures,omitempty"`
	Podcast    *Podcast    `json:"podcast,omitempty"`
	Published  time.Time   `json:"published"`
	Updated    time.Time   `json:"updated"` // equals Published when never edited
	Origin     *Origin     `json:"origin,omitempty"`
}

// Aggregated reports whether the item is attributed to an external feed.
// The site's articles, Markdown or first-party (see Origin), are not: they
// make tag and author feeds and carry no <source>.
func (it *Item) Aggregated() bool { return it.Origin != nil && !it.Origin.FirstParty }

// Modified is the time the item last changed.
func (it *Item) Modified() time.Time {
	if it.Updated.After(it.Published) {
		return it.Updated
	}
	return it.Published
}

// Newer orders items newest first, with the ID as a tie-breaker so that
// every instance and every format lists items in the same order.
func Newer(a, b *Item) bool {
	if !a.Published.Equal(b.Published) {
		return a.Published.After(b.Published)
	}
	return a.ID < b.ID
}

// HashID derives a stable identifier from parts of an item that has no id
// of its own.
func HashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// SortNewest orders items newest first (see Newer), in place.
func SortNewest(items []Item) {
	slices.SortStableFunc(items, func(a, b Item) int {
		switch {
		case Newer(&a, &b):
			return -1
		case Newer(&b, &a):
			return 1
		}
		return 0
	})
}
