// Package render turns a section's items into feed documents (RSS 2.0,
// Atom 1.0, JSON Feed 1.1) and HTML pages, each with its gzip copy and
// strong ETag, ready to be cached and served without further work.
package render

import (
	"time"

	"syndicate/internal/item"
	"syndicate/internal/section"
)

// Formats, as they appear in URLs: /{section}/rss.xml and so on.
const (
	FormatRSS  = "rss.xml"
	FormatAtom = "atom.xml"
	FormatJSON = "feed.json"
)

// FeedFormats lists the feed formats in the order pages offer them.
var FeedFormats = []string{FormatRSS, FormatAtom, FormatJSON}

// Site carries the publication-wide settings every document needs.
type Site struct {
	Title    string
	BaseURL  string // absolute, no trailing slash
	Language string // e.g. "en"
	TTL      time.Duration
	// TagAuthority and TagDate make the RFC 4151 tag URIs used as feed ids:
	// tag:{TagAuthority},{TagDate}:section/{slug}.
	TagAuthority string
	TagDate      string // YYYY, YYYY-MM or YYYY-MM-DD
	// Hubs are the WebSub hubs every feed advertises, in order of
	// preference; none for a site without push.
	Hubs []string
	// Podcast is what a section's RSS says of itself to podcast apps when
	// it carries episodes.
	Podcast Podcast
	// Summary makes feeds carry each item's summary (the standfirst) in
	// place of its content: public feeds with [site] public_content =
	// "summary", and partners whose content is "summary". Pages are the
	// same either way.
	Summary bool
}

// Podcast holds the channel-level iTunes settings of sections that carry
// podcast episodes.
type Podcast struct {
	Email    string // the owner's address, itunes:email; without it the feed has no itunes:owner
	Category string // one of Apple's podcast categories, e.g. "News"
	Explicit bool
	Image    string // absolute URL of the show's artwork, itunes:image
}

// Section is one document's worth of a feed: a section's, a tag's or an
// author's, its current document or one month of its archive. Items are
// newest first, already limited.
type Section struct {
	Kind        section.Kind // the zero Kind is a configured section
	Slug        string
	Title       string // a tag's or author's display name
	Description string
	Items       []*item.Item
	// Author is an author feed's author, whom Atom and JSON Feed name as
	// the feed's; the site is the author of every other feed.
	Author *item.Person
	// Archive places the document in the feed's archive (RFC 5005).
	Archive Archive
	// Months lists the feed's archive for its HTML pages.
	Months []section.Month
}

// Archive is where a document sits in its feed's archive: an archive
// document names its Month; the current document's Prev is the newest
// month of the archive. Empty months are skipped.
type Archive struct {
	Month string // "2026-10"; "" for the current document
	Prev  string // the next older month with archived items, "" for none
	Next  string // the next newer one; only archive documents have it
}

// doc is what the section's documents are in the feed's document set.
func (s *Section) doc() section.Doc {
	return section.Doc{Key: section.Key{Kind: s.Kind, Slug: s.Slug}, Month: s.Archive.Month}
}

// current is the feed's current document.
func (s *Section) current() section.Doc {
	return section.Doc{Key: section.Key{Kind: s.Kind, Slug: s.Slug}}
}
