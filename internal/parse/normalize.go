package parse

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"syndicate/internal/item"
	"syndicate/internal/sanitize"
)

// Limits on what one item may carry into our feeds.
const (
	maxSummary = 500 // runes; a standfirst, not the article
	maxTitle   = 300 // runes
	maxTags    = 32
)

// Options says where a feed came from and what is known of it.
type Options struct {
	SourceID string    // prefixes the ids that are not unique by construction
	URL      string    // the feed's URL after redirects, for relative links
	Now      time.Time // when fetched: undated items get it, dates beyond it are cut to it
	// Prev holds the items stored for the source by id, so that an undated
	// or future-dated item keeps the date it was first given.
	Prev map[string]*item.Item
}

// Feed is an upstream feed, normalized.
type Feed struct {
	Title string        // plain text
	ID    string        // the Atom id, else the feed's own URL, else its home page
	Home  string        // the site's home page, if the feed names one
	Self  string        // the feed's own URL, if it names one (atom:link rel="self", JSON Feed feed_url)
	TTL   time.Duration // RSS ttl
	// Entries are in feed order, one per id: the first occurrence wins.
	Entries []Entry
}

// Entry is one normalized item.
type Entry struct {
	// Item is complete but for ContentHTML, which Content makes, and for
	// Sections and Origin, which are the source's to set.
	Item    item.Item
	Content Content
	// Dated reports whether the feed dated the item: only when all are can
	// items be ordered by date rather than as the feed lists them.
	Dated bool
}

// Content is an item's body as the feed gave it. Sanitizing is the dearest
// step of all, so it is left to HTML, for the items that are kept.
type Content struct {
	raw    string
	isText bool     // plain text (Atom type="text", JSON Feed content_text), not HTML
	base   *url.URL // for relative URLs: the item's link, else the feed's
}

// HTML is the body as safe HTML with absolute URLs.
func (c Content) HTML() string {
	if c.isText {
		return sanitize.TextToHTML(c.raw)
	}
	return sanitize.HTML(c.raw, c.base)
}

func normalize(f *gofeed.Feed, o Options) *Feed {
	n := newNormalizer(f, o)
	seen := make(map[string]bool, len(f.Items))
	for i, gi := range f.Items {
		if gi == nil {
			continue
		}
		e := n.entry(i, gi)
		if seen[e.Item.ID] {
			continue
		}
		seen[e.Item.ID] = true
		n.feed.Entries = append(n.feed.Entries, e)
	}
	return &n.feed
}

// normalizer maps one parsed feed's items to item.Item.
type normalizer struct {
	f        *gofeed.Feed
	o        Options
	base     *url.URL // for item links: the feed's home page, else its URL
	feed     Feed
	rssItems []*rss.Item
	atomEnts []*atom.Entry
	jsonIts  []*json.Item
	feedURIs []string // URIs of the feed-level authors, in gofeed's order
}

func newNormalizer(f *gofeed.Feed, o Options) *normalizer {
	n := &normalizer{f: f, o: o}
	fu, _ := url.Parse(o.URL)
	n.base = fu
	home := sanitize.AbsoluteURL(fu, f.Link)
	if home != "" {
		n.base, _ = url.Parse(home)
	}
	id := ""
	switch of := f.OriginalFeed().(type) {
	case *rss.Feed:
		n.rssItems = of.Items
	case *atom.Feed:
		n.atomEnts = of.Entries
		id = strings.TrimSpace(of.ID)
		for _, p := range of.Authors {
			if p != nil {
				n.feedURIs = append(n.feedURIs, p.URI)
			}
		}
	case *json.Feed:
		n.jsonIts = of.Items
		for _, a := range of.Authors {
			if a != nil {
				n.feedURIs = append(n.feedURIs, a.URL)
			}
		}
		if of.Authors == nil && of.Author != nil {
			n.feedURIs = []string{of.Author.URL}
		}
	}
	self := sanitize.AbsoluteURL(fu, f.FeedLink)
	if id == "" {
		id = self
	}
	if id == "" {
		id = home
	}
	n.feed = Feed{
		Title:   truncate(sanitize.PlainText(f.Title), maxTitle),
		ID:      item.CleanText(id),
		Home:    home,
		Self:    self,
		TTL:     feedTTL(f),
		Entries: make([]Entry, 0, len(f.Items)),
	}
	return n
}

// entry normalizes the i-th item.
func (n *normalizer) entry(i int, gi *gofeed.Item) Entry {
	link := n.link(i, gi)
	contentBase := n.base
	if link != "" {
		contentBase, _ = url.Parse(link)
	}

	body, isText := n.content(i, gi)

	var summary string
	switch {
	case gi.Description != "" && gi.Description != body:
		summary = sanitize.PlainText(gi.Description)
	case isText:
		summary = sanitize.Collapse(body)
	default:
		summary = sanitize.PlainText(body)
	}
	summary = truncate(summary, maxSummary)

	title := truncate(sanitize.PlainText(gi.Title), maxTitle)
	if title == "" {
		// Microblog-style items have none; feeds and readers want one.
		title = truncate(summary, 80)
	}

	raw := strings.TrimSpace(item.CleanText(gi.GUID))
	if raw == "" {
		raw = link
	}
	if raw == "" {
		raw = item.HashID(gi.Title, body)
	}
	id := qualifyID(n.o.SourceID, raw)

	it := item.Item{
		ID:      id,
		URL:     link,
		Title:   title,
		Summary: summary,
		Authors: n.authors(i, gi, contentBase),
		Tags:    tags(gi.Categories),
		Image:   n.image(gi, contentBase),
	}
	var dated bool
	it.Published, it.Updated, dated = n.dates(i, gi, n.o.Prev[id])
	return Entry{Item: it, Content: Content{raw: body, isText: isText, base: contentBase}, Dated: dated}
}

// link is the item's absolute http(s) link. An RSS item with no link but a
// permalink guid links to the guid, as RSS 2.0 intends.
func (n *normalizer) link(i int, gi *gofeed.Item) string {
	cands := append([]string{gi.Link}, gi.Links...)
	if i < len(n.rssItems) && n.rssItems[i].GUID != nil && !strings.EqualFold(strings.TrimSpace(n.rssItems[i].GUID.IsPermalink), "false") {
		cands = append(cands, gi.GUID)
	}
	if i < len(n.jsonIts) {
		cands = append(cands, n.jsonIts[i].ExternalURL)
	}
	for _, c := range cands {
		if l := sanitize.AbsoluteURL(n.base, c); l != "" {
			return item.CleanText(l)
		}
	}
	return ""
}

// content is the item's body and whether it is plain text rather than
// HTML: Atom's type="text" and JSON Feed's content_text are.
func (n *normalizer) content(i int, gi *gofeed.Item) (string, bool) {
	if i < len(n.atomEnts) {
		if c := n.atomEnts[i].Content; c != nil && c.Value != "" {
			t := strings.ToLower(strings.TrimSpace(c.Type))
			switch {
			case t == "" || t == "text" || (strings.HasPrefix(t, "text/") && t != "text/html"):
				return c.Value, true
			case t == "html" || t == "xhtml" || t == "text/html" || strings.Contains(t, "xhtml"):
				return c.Value, false
			}
			return gi.Description, false // out-of-line or binary content: fall back to the summary
		}
	}
	if i < len(n.jsonIts) {
		if ji := n.jsonIts[i]; ji.ContentHTML == "" && ji.ContentText != "" {
			return ji.ContentText, true
		}
	}
	if gi.Content != "" {
		return gi.Content, false
	}
	return gi.Description, false
}

func (n *normalizer) authors(i int, gi *gofeed.Item, base *url.URL) []item.Person {
	people := gi.Authors
	var uris []string
	switch {
	case i < len(n.atomEnts):
		for _, p := range n.atomEnts[i].Authors {
			if p != nil {
				uris = append(uris, p.URI)
			}
		}
	case i < len(n.jsonIts):
		ji := n.jsonIts[i]
		for _, a := range ji.Authors {
			if a != nil {
				uris = append(uris, a.URL)
			}
		}
		if ji.Authors == nil && ji.Author != nil {
			uris = append(uris, ji.Author.URL)
		}
	}
	if len(people) == 0 && n.f.FeedType != "rss" {
		// In Atom and JSON Feed the feed's authors are the authors of
		// every item that names none; RSS has no such rule.
		people, uris = n.f.Authors, n.feedURIs
	}
	var out []item.Person
	for k, p := range people {
		if p == nil {
			continue
		}
		per := item.Person{Name: truncate(sanitize.PlainText(p.Name), 200)}
		if e := strings.TrimSpace(item.CleanText(p.Email)); strings.Contains(e, "@") && !strings.ContainsAny(e, " <>\"") {
			per.Email = e
		}
		if k < len(uris) {
			per.URL = item.CleanText(sanitize.AbsoluteURL(base, uris[k]))
		}
		if per.Name == "" && per.Email == "" && per.URL == "" {
			continue
		}
		if !slices.Contains(out, per) {
			out = append(out, per)
		}
	}
	return out
}

func tags(cats []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cats {
		t := sanitize.PlainText(c)
		if t == "" || len(out) == maxTags {
			continue
		}
		t = truncate(t, 100)
		if k := strings.ToLower(t); !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	return out
}

// image is the item's top image as the feed declares it: gofeed's pick
// (itunes:image, a media:content image, an image enclosure, JSON Feed's
// image), else an image enclosure or Media RSS content or thumbnail. Type
// and length come from whichever element names the same URL.
func (n *normalizer) image(gi *gofeed.Item, base *url.URL) *item.Image {
	var media []ext.Extension
	if m, ok := gi.Extensions["media"]; ok {
		media = append(media, m["content"]...)
		for _, g := range m["group"] {
			media = append(media, g.Children["content"]...)
		}
		media = append(media, m["thumbnail"]...)
	}
	var cands []string
	if gi.Image != nil {
		cands = append(cands, gi.Image.URL)
	}
	for _, e := range gi.Enclosures {
		if e != nil && strings.HasPrefix(strings.ToLower(e.Type), "image/") {
			cands = append(cands, e.URL)
		}
	}
	for _, m := range media {
		if m.Name == "thumbnail" || strings.HasPrefix(m.Attrs["type"], "image/") || m.Attrs["medium"] == "image" {
			cands = append(cands, m.Attrs["url"])
		}
	}
	for _, c := range cands {
		u := sanitize.AbsoluteURL(base, c)
		if u == "" {
			continue
		}
		img := &item.Image{URL: item.CleanText(u)}
		if gi.Image != nil && gi.Image.URL == c {
			img.Caption = truncate(sanitize.PlainText(gi.Image.Title), maxSummary)
		}
		for _, e := range gi.Enclosures {
			if e != nil && e.URL == c {
				img.Type, img.Length = mimeType(e.Type), length(e.Length)
			}
		}
		for _, m := range media {
			if m.Attrs["url"] == c && img.Type == "" {
				img.Type, img.Length = mimeType(m.Attrs["type"]), length(m.Attrs["fileSize"])
			}
		}
		return img
	}
	return nil
}

func mimeType(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 100 || strings.ContainsAny(s, " <>\"'") || !strings.Contains(s, "/") {
		return ""
	}
	return s
}

func length(s string) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// dates settles an item's Published and Updated. A missing date becomes
// the time the item was first seen (kept from prev across polls, and
// staggered by position so that undated items keep the feed's order); a
// date in the future becomes the fetch time, again kept from prev, so that
// a clamped item does not move on every poll.
func (n *normalizer) dates(i int, gi *gofeed.Item, prev *item.Item) (pub, upd time.Time, dated bool) {
	if gi.PublishedParsed != nil {
		pub = *gi.PublishedParsed
	}
	if gi.UpdatedParsed != nil {
		upd = *gi.UpdatedParsed
	}
	if pub.IsZero() {
		pub = upd
	}
	dated = !pub.IsZero()
	var prevPub, prevUpd time.Time
	if prev != nil {
		prevPub, prevUpd = prev.Published, prev.Updated
	}
	firstSeen := n.o.Now.Add(-time.Duration(i) * time.Second)
	pub = settle(pub, prevPub, n.o.Now, firstSeen)
	switch {
	case upd.IsZero() || !upd.After(pub):
		upd = pub
	case upd.After(n.o.Now):
		upd = settle(upd, prevUpd, n.o.Now, pub)
	}
	return pub.UTC(), upd.UTC(), dated
}

func settle(d, prev, now, fallback time.Time) time.Time {
	switch {
	case d.IsZero() && !prev.IsZero():
		return prev
	case d.IsZero():
		return fallback
	case d.After(now) && !prev.IsZero() && !prev.After(now):
		return prev
	case d.After(now):
		return now
	}
	return d
}

// truncate cuts s to at most n runes at a word boundary, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut/2 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " ,;:.-") + "…"
}
