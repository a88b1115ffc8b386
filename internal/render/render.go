// Package render turns a section's items into feed documents (RSS 2.0,
// Atom 1.0, JSON Feed 1.1) and HTML pages, each with its gzip copy and
// strong ETag, ready to be cached and served without further work.
package render

import (
	"time"

	"syndicate/internal/item"
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
}

// Podcast holds the channel-level iTunes settings of sections that carry
// podcast episodes.
type Podcast struct {
	Email    string // the owner's address, itunes:email; without it the feed has no itunes:owner
	Category string // one of Apple's podcast categories, e.g. "News"
	Explicit bool
	Image    string // absolute URL of the show's artwork, itunes:image
}

// Section is one feed's worth of items, newest first, already limited.
type Section struct {
	Slug        string
	Title       string
	Description string
	Items       []*item.Item
}
