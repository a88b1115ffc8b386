package render

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"syndicate/internal/item"
	"syndicate/internal/section"
)

// channel is what every format of one section shares: the site and
// section fields cleaned and the URLs and ids derived from them, computed
// once per render.
type channel struct {
	sec    Section
	err    error // a site setting no feed can be built with
	base   string
	scheme string // the base URL's, for scheme-relative links
	// tagPrefix is "tag:{authority},{date}:" for the ids this package mints.
	tagPrefix string
	id        string // the feed's, shared by its current and archive documents
	page      string // the document's HTML page, which every format links to
	dir       string // the folder of the document's files
	current   string // the folder of the feed's current document
	hubs      []string

	title, description, siteTitle string
	author                        person // the feed's: the site, or an author feed's author
	lang                          string // "" when Site.Language is not a language tag
	ttl                           int    // minutes

	// siteKey is what item markup takes from the site: the base URL for
	// links, the tag prefix for ids and whether content is left out. It
	// is part of every cache key.
	siteKey string
	summary bool
	cache   *fragmentCache
	enc     *itemEncoder // made on the first cache miss

	updated      time.Time // newest item change, as written in the feeds
	lastModified time.Time
	entries      []*entry
	// podcast is the site's podcast settings, cleaned; episodes tells
	// whether some item is a podcast episode, which makes the RSS channel
	// declare them.
	podcast  Podcast
	episodes bool
}

func newChannel(site Site, sec Section) *channel {
	c := &channel{sec: sec}
	c.tagPrefix, c.err = item.TagPrefix(site.TagAuthority, site.TagDate)
	if c.err != nil {
		c.err = fmt.Errorf("site %w", c.err)
	}
	if base, scheme, err := item.BaseURL(site.BaseURL); err != nil {
		c.err = fmt.Errorf("site base URL: %w", err)
	} else {
		c.base, c.scheme = base, scheme
	}
	c.dir = c.base + sec.doc().Link()
	c.page = c.dir
	c.current = c.base + sec.current().Link()
	c.id = c.tagPrefix + sec.Kind.String() + "/" + item.TagEscape(clean(sec.Slug))
	for _, hub := range site.Hubs {
		// A hub link that validators would reject is left out rather
		// than published.
		if absoluteURL(hub) {
			c.hubs = append(c.hubs, hub)
		}
	}
	c.siteKey = c.base + " " + c.tagPrefix
	if site.Summary {
		c.siteKey += " summary"
		c.summary = true
	}
	c.cache = fragments

	c.siteTitle = clean(site.Title)
	if c.siteTitle == "" {
		c.siteTitle = generator
	}
	c.title = clean(sec.Title)
	switch {
	case c.title == "":
		c.title = c.siteTitle + ": " + clean(sec.Slug)
	case clean(site.Title) != "":
		c.title = c.siteTitle + ": " + c.title
	}
	c.description = describe(&sec)
	if c.description == "" {
		c.description = c.title
	}
	c.author = person{name: c.siteTitle, url: c.base + "/"}
	if sec.Author != nil {
		if p, ok := newPerson(c, *sec.Author); ok {
			c.author = person{name: p.name, url: p.url}
		}
	}
	if languageTag.MatchString(site.Language) {
		c.lang = site.Language
	}
	// RSS counts whole minutes; round up so a reader never polls sooner
	// than the cache allows.
	c.ttl = int((site.TTL + time.Minute - 1) / time.Minute)
	if c.ttl < 1 {
		c.ttl = 1
	}

	c.podcast = Podcast{
		Email:    strings.TrimSpace(clean(site.Podcast.Email)),
		Category: strings.TrimSpace(clean(site.Podcast.Category)),
		Explicit: site.Podcast.Explicit,
	}
	if !item.EmailAddress(c.podcast.Email) {
		c.podcast.Email = ""
	}
	if link := strings.TrimSpace(clean(site.Podcast.Image)); absoluteURL(link) {
		c.podcast.Image = link
	}

	c.entries = make([]*entry, 0, len(sec.Items))
	for _, it := range sec.Items {
		if it == nil {
			continue
		}
		e := &entry{raw: it, print: item.FingerprintOf(it)}
		if len(it.Enclosures) > 0 && !c.episodes {
			// Only an item with enclosures can be an episode; its view,
			// made here, serves its fragments too.
			e.v = newView(c, it)
			c.episodes = e.v.episode != nil
		}
		c.entries = append(c.entries, e)
		if m := it.Modified(); m.After(c.lastModified) {
			c.lastModified = m
		}
		if u := updatedTime(it); u.After(c.updated) {
			c.updated = u
		}
	}
	if c.lastModified.IsZero() {
		c.lastModified = emptyTime
	} else {
		c.lastModified = c.lastModified.UTC()
	}
	if c.updated.IsZero() {
		c.updated = emptyTime
	}
	return c
}

// describe is a feed's description: the configured one, else what a tag
// or author feed carries.
func describe(sec *Section) string {
	if d := clean(sec.Description); d != "" {
		return d
	}
	switch sec.Kind {
	case section.KindTag:
		return "Articles about " + clean(sec.Title)
	case section.KindAuthor:
		return "Articles by " + clean(sec.Title)
	}
	return ""
}

// feedLink is one of a document's links to itself and its feed's other
// documents, in one format.
type feedLink struct{ href, rel string }

// links are the document's self link, then, in the archive's terms (RFC
// 5005), its feed's current document, from an archive document, and its
// neighbours: prev-archive to the older, next-archive to the newer.
func (c *channel) links(format string) []feedLink {
	out := []feedLink{{c.dir + format, "self"}}
	a := c.sec.Archive
	if a.Month != "" {
		out = append(out, feedLink{c.current + format, "current"})
	}
	if a.Prev != "" {
		out = append(out, feedLink{c.monthDir(a.Prev) + format, "prev-archive"})
	}
	if a.Next != "" {
		out = append(out, feedLink{c.monthDir(a.Next) + format, "next-archive"})
	}
	return out
}

func (c *channel) monthDir(month string) string {
	d := c.sec.current()
	d.Month = month
	return c.base + d.Link()
}

// archived reports whether the document is an archive document, which
// says so with RFC 5005's fh:archive.
func (c *channel) archived() bool { return c.sec.Archive.Month != "" }

// nsHistory is RFC 5005's namespace, of fh:archive.
const nsHistory = "http://purl.org/syndication/history/1.0"

// archiveMark is fh:archive, the empty element that marks an archive
// document; nil leaves it out.
type archiveMark struct{}

func (c *channel) archiveMark() (*archiveMark, string) {
	if !c.archived() {
		return nil, ""
	}
	return &archiveMark{}, nsHistory
}

// languageTag is the RFC 3066 shape Atom's xml:lang requires.
var languageTag = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// abs makes a site-relative link ("/media/x.jpg") or a scheme-relative
// one ("//cdn.example/x.jpg") absolute, as feeds must hold no relative
// URLs. Anything else is returned trimmed but unchanged: guessing what a
// bare word is relative to would only invent URLs.
func (c *channel) abs(link string) string {
	link = strings.TrimSpace(link)
	switch {
	case strings.HasPrefix(link, "//"):
		return c.scheme + ":" + link
	case strings.HasPrefix(link, "/"):
		return c.base + link
	}
	return link
}

// stableID is an item's id in all three formats. An id that is already a
// URI validators accept (http(s) URL, tag: or urn:) is used as it is;
// anything else, such as an external feed's numeric guid, becomes a tag URI
// under the site's authority, qualified by the source so that two sources'
// "12345" stay distinct. A first-party item's id is always wrapped (see
// item.FirstPartyID), as the site's Markdown articles' are. Either way it
// never changes while the item's id does not.
func (c *channel) stableID(it *item.Item) string {
	id := strings.TrimSpace(clean(it.ID))
	if id == "" {
		// Nothing to derive from but the item's identity as we know it.
		id = strings.TrimSpace(clean(it.URL))
		if id == "" {
			return c.tagPrefix + "item/" + item.HashID(it.Title, it.Published.UTC().Format(time.RFC3339Nano))
		}
	}
	if it.Origin != nil && it.Origin.FirstParty {
		return item.FirstPartyID(c.tagPrefix, clean(it.Origin.SourceID), id)
	}
	if acceptedURI(id) {
		return canonicalURL(id)
	}
	if it.Origin != nil {
		return c.tagPrefix + "source/" + item.TagEscape(clean(it.Origin.SourceID)) + "/" + item.TagEscape(id)
	}
	return c.tagPrefix + "item/" + item.TagEscape(id)
}

// uriChars is what the W3C validator allows in a URI; anything else (an
// IRI's non-ASCII letters included) draws a warning, so such ids are
// derived rather than passed through.
var (
	uriChars = regexp.MustCompile(`^[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,#]+$`)
	tagURI   = regexp.MustCompile(`^tag:([a-z0-9\-._]+@)?[a-z0-9.\-]+,\d{4}(-\d{2}(-\d{2})?)?:[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*(#[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*)?$`)
	urnURI   = regexp.MustCompile(`^urn:[a-zA-Z0-9][a-zA-Z0-9-]{1,31}:([a-zA-Z0-9()+,.:=@;$_!*'\-]|%[0-9A-Fa-f]{2})+$`)
)

func acceptedURI(s string) bool {
	if !uriChars.MatchString(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "tag":
		return tagURI.MatchString(s)
	case "urn":
		return urnURI.MatchString(s)
	}
	return false
}

// canonicalURL writes an http(s) URL the one way validators expect of an
// Atom id (RFC 3986's normal form): scheme and host in lower case, no
// default port, "/" for an empty path, no "." or ".." segments, and
// percent-escapes in upper case unless they stand for a character that
// needs none. "https://Example.sk" becomes "https://example.sk/". Any
// other URI is returned as it is.
func canonicalURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return s
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	host = strings.TrimSuffix(host, ":") // an empty port
	out := u.Scheme + "://"
	if u.User != nil {
		out += u.User.String() + "@"
	}
	out += host + normalEscapes(dotless(u.EscapedPath()))
	if u.ForceQuery || u.RawQuery != "" {
		out += "?" + normalEscapes(u.RawQuery)
	}
	if u.Fragment != "" {
		out += "#" + normalEscapes(u.EscapedFragment())
	}
	return out
}

// dotless removes "." and ".." segments from an absolute path, and gives
// an empty one its "/".
func dotless(p string) string {
	if p == "" {
		return "/"
	}
	var segs []string
	parts := strings.Split(p, "/")
	for i, seg := range parts[1:] {
		last := i == len(parts)-2
		switch seg {
		case ".":
			if last {
				segs = append(segs, "")
			}
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
			if last {
				segs = append(segs, "")
			}
		default:
			segs = append(segs, seg)
		}
	}
	return "/" + strings.Join(segs, "/")
}

// normalEscapes writes percent-escapes in upper case and decodes those of
// unreserved characters (letters, digits, "-", ".", "_", "~").
func normalEscapes(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+2 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			b.WriteByte(s[i])
			continue
		}
		if c := byte(v); unreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		i += 2
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

// absoluteURL reports whether s is a full http(s) URL validators accept
// where RSS requires one (source url, enclosure url, permalinks).
func absoluteURL(s string) bool {
	return uriChars.MatchString(s) && item.AbsoluteHTTP(s)
}
