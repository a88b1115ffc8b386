package source

import (
	"html"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// Limits on what one item may carry into our feeds.
const (
	maxSummary = 500 // runes; a standfirst, not the article
	maxTitle   = 300 // runes
	maxTags    = 32
)

// feedMeta describes the upstream feed, for attribution and scheduling.
type feedMeta struct {
	title string
	id    string
	home  string
	ttl   time.Duration
}

// parsed is a feed turned into items, before retention.
type parsed struct {
	meta  feedMeta
	items []item.Item
	// allDated reports whether every item carried its own date: only then
	// can the feed's items be ordered by date rather than as listed.
	allDated bool
}

// process is the whole pipeline from body bytes to clean items: charset,
// parsing, normalizing, sanitizing, within-source dedup and filters.
// feedURL is the URL the body came from (after redirects); prev holds the
// items stored for the source by id, so that undated items keep the time
// first seen.
func process(body []byte, contentType, feedURL string, src *config.Source, now time.Time, prev map[string]*item.Item) (*parsed, error) {
	b, err := toUTF8(body, contentType)
	if err != nil {
		return nil, err
	}
	f, err := parseFeed(b)
	if err != nil {
		return nil, err
	}
	n := newNormalizer(f, feedURL, src, now, prev)
	out := &parsed{meta: n.meta, allDated: true}
	out.items = make([]item.Item, 0, len(f.Items))
	seen := make(map[string]bool, len(f.Items))
	bodies := make([]itemBody, 0, len(f.Items))
	for i, gi := range f.Items {
		if gi == nil {
			continue
		}
		it, body := n.item(i, gi)
		if seen[it.ID] {
			continue // the first occurrence wins
		}
		seen[it.ID] = true
		if !keep(src, &it) {
			continue
		}
		out.allDated = out.allDated && body.dated
		out.items = append(out.items, it)
		bodies = append(bodies, body)
	}
	// Sanitizing is the dearest step: only for items that stay.
	sanitizeAll(out.items, bodies)
	return out, nil
}

// sanitizeAll fills in each item's sanitized HTML. Items are independent,
// so a large feed is spread over the cores: a feed's new items reach the
// sections sooner, though the work done is the same.
func sanitizeAll(items []item.Item, bodies []itemBody) {
	workers := min(runtime.GOMAXPROCS(0), 4, len(items)/8)
	if workers < 2 || !fanOut {
		for i := range items {
			items[i].ContentHTML = bodies[i].html()
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(items); i = int(next.Add(1) - 1) {
				items[i].ContentHTML = bodies[i].html()
			}
		})
	}
	wg.Wait()
}

// fanOut switches sanitizeAll's goroutines, for benchmarks.
var fanOut = true

// normalizer maps one parsed feed's items to item.Item.
type normalizer struct {
	f        *gofeed.Feed
	src      *config.Source
	now      time.Time
	prev     map[string]*item.Item
	base     *url.URL // for item links: the feed's home page, else its URL
	meta     feedMeta
	origin   item.Origin
	rssItems []*rss.Item
	atomEnts []*atom.Entry
	jsonIts  []*json.Item
	feedURIs []string // URIs of the feed-level authors, in gofeed's order
}

func newNormalizer(f *gofeed.Feed, feedURL string, src *config.Source, now time.Time, prev map[string]*item.Item) *normalizer {
	n := &normalizer{f: f, src: src, now: now, prev: prev}
	fu, _ := url.Parse(feedURL)
	n.base = fu
	home := resolveHTTP(fu, f.Link)
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
	if id == "" {
		id = resolveHTTP(fu, f.FeedLink)
	}
	if id == "" {
		id = home
	}
	n.meta = feedMeta{
		title: truncate(plainText(f.Title), maxTitle),
		id:    item.CleanText(id),
		home:  home,
		ttl:   feedTTL(f),
	}
	title := n.meta.title
	if src.Title != "" {
		title = src.Title
	}
	n.origin = item.Origin{SourceID: src.ID, FeedID: n.meta.id, Title: title, FeedURL: src.URL, HomeURL: home}
	return n
}

// itemBody is an item's content before sanitizing, and whether the
// feed dated the item.
type itemBody struct {
	raw    string
	isText bool
	base   *url.URL
	dated  bool
}

func (b itemBody) html() string {
	if b.isText {
		return textToHTML(b.raw)
	}
	return sanitizeHTML(b.raw, b.base)
}

// item normalizes the i-th item, all but its ContentHTML, which the
// returned itemBody makes.
func (n *normalizer) item(i int, gi *gofeed.Item) (item.Item, itemBody) {
	link := n.link(i, gi)
	contentBase := n.base
	if link != "" {
		contentBase, _ = url.Parse(link)
	}

	body, isText := n.content(i, gi)

	var summary string
	switch {
	case gi.Description != "" && gi.Description != body:
		summary = plainText(gi.Description)
	case isText:
		summary = item.CleanText(collapse(body))
	default:
		summary = plainText(body)
	}
	summary = truncate(summary, maxSummary)

	title := truncate(plainText(gi.Title), maxTitle)
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
	id := qualifyID(n.src.ID, raw)

	origin := n.origin
	it := item.Item{
		ID:       id,
		URL:      link,
		Title:    title,
		Summary:  summary,
		Authors:  n.authors(i, gi, contentBase),
		Sections: slices.Clone(n.src.Sections),
		Tags:     tags(gi.Categories),
		Image:    n.image(gi, contentBase),
		Origin:   &origin,
	}
	var dated bool
	it.Published, it.Updated, dated = n.dates(i, gi, n.prev[id])
	return it, itemBody{raw: body, isText: isText, base: contentBase, dated: dated}
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
		if l := resolveHTTP(n.base, c); l != "" {
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

// textToHTML shows plain text as paragraphs.
func textToHTML(s string) string {
	s = strings.TrimSpace(item.CleanText(s))
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for p := range strings.SplitSeq(s, "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(p), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
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
		per := item.Person{Name: truncate(plainText(p.Name), 200)}
		if e := strings.TrimSpace(item.CleanText(p.Email)); strings.Contains(e, "@") && !strings.ContainsAny(e, " <>\"") {
			per.Email = e
		}
		if k < len(uris) {
			per.URL = item.CleanText(resolveHTTP(base, uris[k]))
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
		t := plainText(c)
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
		u := resolveHTTP(base, c)
		if u == "" {
			continue
		}
		img := &item.Image{URL: item.CleanText(u)}
		if gi.Image != nil && gi.Image.URL == c {
			img.Caption = truncate(plainText(gi.Image.Title), maxSummary)
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
	firstSeen := n.now.Add(-time.Duration(i) * time.Second)
	pub = settle(pub, prevPub, n.now, firstSeen)
	switch {
	case upd.IsZero() || !upd.After(pub):
		upd = pub
	case upd.After(n.now):
		upd = settle(upd, prevUpd, n.now, pub)
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
