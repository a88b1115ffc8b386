package render

import (
	"regexp"
	"strings"
	"time"

	"syndicate/internal/item"
	"syndicate/internal/redact"
)

// view is an item as every format writes it: text cleaned, links made
// absolute, ids and dates settled. Building it once per item keeps the
// three formats in agreement.
type view struct {
	id        string // see channel.stableID
	permalink bool   // id is the item's own URL
	url       string
	title     string
	summary   string // plain text
	content   string // HTML, embeds replaced by links (see withoutEmbeds)
	authors   []person
	sections  []string
	tags      []string
	image     *picture
	// enclosures are the item's media besides its image; episode its
	// iTunes tags, for an item podcast apps can play.
	enclosures []enclosure
	episode    *episode
	published  time.Time // zero when unknown
	updated    time.Time
	origin     *origin
}

type person struct {
	name  string // never empty: the name, else the email address
	email string // only an address validators accept
	url   string // only an absolute http(s) URL
}

type picture struct {
	url, mime, caption, credit string
	length                     int64 // 0 when unknown
}

type origin struct {
	sourceID, title  string
	id               string // the upstream feed's id as an Atom id
	feedURL, homeURL string // as given
	feedOK, homeOK   bool   // absolute http(s) URLs, fit for link elements
}

func newView(c *channel, it *item.Item) *view {
	v := &view{
		id:        c.stableID(it),
		url:       c.abs(clean(it.URL)),
		title:     clean(it.Title),
		summary:   clean(it.Summary),
		content:   withoutEmbeds(clean(it.ContentHTML)),
		published: outTime(it.Published),
		updated:   updatedTime(it),
	}
	v.permalink = v.id == v.url && absoluteURL(v.url)
	if c.summary {
		v.content = ""
	}
	for _, p := range it.Authors {
		if q, ok := newPerson(c, p); ok {
			v.authors = append(v.authors, q)
		}
	}
	v.sections = cleanAll(it.Sections)
	v.tags = cleanAll(it.Tags)
	if im := it.Image; im != nil {
		// Enclosures need a full http(s) URL; an image without one is
		// left out of every format alike.
		if link := c.abs(clean(im.URL)); absoluteURL(link) {
			v.image = &picture{
				url:     link,
				mime:    guessType(clean(im.Type), link),
				caption: clean(im.Caption),
				credit:  clean(im.Credit),
				length:  max(im.Length, 0),
			}
		}
	}
	v.enclosures = newEnclosures(c, it, v.image)
	v.episode = newEpisode(c, it, v.primary())
	if it.Aggregated() {
		v.origin = newOrigin(c, it.Origin)
	}
	return v
}

func newPerson(c *channel, p item.Person) (person, bool) {
	q := person{
		name:  strings.TrimSpace(clean(p.Name)),
		email: strings.TrimSpace(clean(p.Email)),
		url:   c.abs(clean(p.URL)),
	}
	if !item.EmailAddress(q.email) {
		q.email = ""
	}
	if q.name == "" {
		q.name = q.email
	}
	if !absoluteURL(q.url) {
		q.url = ""
	}
	return q, q.name != ""
}

func newOrigin(c *channel, o *item.Origin) *origin {
	g := &origin{
		sourceID: clean(o.SourceID),
		title:    strings.TrimSpace(clean(o.Title)),
		feedURL:  publicURL(strings.TrimSpace(clean(o.FeedURL))),
		homeURL:  publicURL(strings.TrimSpace(clean(o.HomeURL))),
	}
	g.feedOK, g.homeOK = absoluteURL(g.feedURL), absoluteURL(g.homeURL)
	if g.title == "" {
		g.title = g.sourceID
	}
	if g.title == "" {
		g.title = g.feedURL
	}
	// The upstream's own Atom id, or else its URL, in the canonical form
	// validators expect of an id ("https://example.sk/", not
	// "https://Example.sk").
	switch feedID := strings.TrimSpace(clean(o.FeedID)); {
	case acceptedURI(feedID) && publicURL(feedID) == feedID:
		g.id = canonicalURL(feedID)
	case acceptedURI(g.feedURL):
		g.id = canonicalURL(g.feedURL)
	default:
		g.id = c.tagPrefix + "source/" + item.TagEscape(g.sourceID)
	}
	return g
}

// publicURL is an attribution URL fit to publish. The source sets only
// such URLs, but items stored by earlier versions attributed themselves to
// the URL fetched, credentials and all, and keep it until polled again.
func publicURL(s string) string { return redact.Publishable(s) }

// mediaType is a type/subtype with no parameters.
var mediaType = regexp.MustCompile(`^[^\s()<>,;:\\"/\[\]?=]+/[^\s()<>,;:\\"/\[\]?=]+$`)

// cleanAll cleans each string and drops the empty ones: an empty category
// or tag means nothing and validators flag it.
func cleanAll(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(clean(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clean is item.CleanText, which keeps XML well-formed, minus the C1
// controls U+0080..U+009F: XML allows them but discourages them, they are
// almost always mis-decoded Windows-1252, and validators warn about them.
func clean(s string) string {
	s = item.CleanText(s)
	if strings.IndexByte(s, 0xC2) < 0 { // C1 controls encode as C2 80..C2 9F
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == 0xC2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F {
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// htmlText escapes plain text for an element whose content readers treat
// as HTML (RSS description), so that "a < b" reads as written.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Dates are written in UTC to the second, within the four-digit years
// that RFC 822 and RFC 3339 can express.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

func outTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	t = t.UTC().Truncate(time.Second)
	switch {
	case t.Before(minTime):
		return minTime
	case t.After(maxTime):
		return maxTime
	}
	return t
}

// updatedTime is an item's last change as written in feeds; an item with
// no dates at all gets the same fixed date as an empty section.
func updatedTime(it *item.Item) time.Time {
	if u := outTime(it.Modified()); !u.IsZero() {
		return u
	}
	return emptyTime
}
