package parse

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
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
	// Deleted are the ids, as stored, of the items the feed says were
	// deleted: Atom tombstones (RFC 6721 <at:deleted-entry ref="…">),
	// which RSS may carry too. No other format can say so.
	Deleted []string
	// Warnings name the problems that cost a field but not its item: a
	// mistyped JSON Feed field, a date or a length that does not parse.
	Warnings []string
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

func normalize(p *parsed, o Options) *Feed {
	n := newNormalizer(p, o)
	f := p.feed
	n.sharedLinks = sharedLinks(n, f.Items)
	seen := make(map[string]bool, len(f.Items))
	for i, gi := range f.Items {
		if gi == nil {
			continue
		}
		e, ok := n.entry(i, gi)
		if !ok || seen[e.Item.ID] {
			continue
		}
		seen[e.Item.ID] = true
		if e.Item.Published.IsZero() {
			n.undated[len(n.feed.Entries)] = i
		}
		n.feed.Entries = append(n.feed.Entries, e)
	}
	n.firstSeen()
	n.feed.Deleted = tombstones(f.Extensions, n.o.SourceID)
	n.feed.Warnings = n.warnings
	return &n.feed
}

// normalizer maps one parsed feed's items to item.Item.
type normalizer struct {
	o        Options
	base     *url.URL // for item links: the feed's home page, else its URL
	feed     Feed
	rssItems []*rss.Item
	atomEnts []*atom.Entry
	jsonIts  []*json.Item
	// feedBylines are the feed's authors, those of every Atom or JSON Feed
	// item that names none.
	feedBylines []byline
	warnings    []string
	// undated are the positions in the document of the entries that need
	// the time they were first seen, by index in feed.Entries.
	undated map[int]int
	// sharedLinks are the links several items without an id share.
	sharedLinks map[string]bool
}

// sharedLinks finds the links that more than one item without an id of
// its own carries, such as a podcast's every episode linking to the show:
// such a link tells none of them apart.
func sharedLinks(n *normalizer, items []*gofeed.Item) map[string]bool {
	count := map[string]int{}
	for i, gi := range items {
		if gi != nil && strings.TrimSpace(gi.GUID) == "" {
			if l := n.link(i, gi); l != "" {
				count[l]++
			}
		}
	}
	shared := map[string]bool{}
	for l, c := range count {
		if c > 1 {
			shared[l] = true
		}
	}
	return shared
}

// warn records a problem of the i-th item of the document.
func (n *normalizer) warn(i int, format string, args ...any) {
	n.warnings = append(n.warnings, fmt.Sprintf("item %d: ", i)+fmt.Sprintf(format, args...))
}

// excerpt is enough of a malformed value for a warning to show what it
// was, however long the feed made it.
func excerpt(s string) string {
	return truncate(item.CleanText(s), 40)
}

func newNormalizer(p *parsed, o Options) *normalizer {
	f := p.feed
	n := &normalizer{o: o, warnings: p.warnings, undated: map[int]int{}}
	fu, _ := url.Parse(o.URL)
	n.base = fu
	home := sanitize.AbsoluteURL(fu, f.Link)
	if home != "" {
		n.base, _ = url.Parse(home)
	}
	id := ""
	switch of := p.original.(type) {
	case *rss.Feed:
		n.rssItems = of.Items
	case *atom.Feed:
		n.atomEnts = of.Entries
		id = strings.TrimSpace(of.ID)
		for _, p := range of.Authors {
			if p != nil {
				n.feedBylines = append(n.feedBylines, byline{text: p.Name, email: p.Email, uri: p.URI})
			}
		}
	case *json.Feed:
		n.jsonIts = of.Items
		for _, a := range of.Authors {
			if a != nil {
				n.feedBylines = append(n.feedBylines, byline{text: a.Name, uri: a.URL})
			}
		}
		if of.Authors == nil && of.Author != nil {
			n.feedBylines = []byline{{text: of.Author.Name, uri: of.Author.URL}}
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
		TTL:     feedTTL(p.original),
		Entries: make([]Entry, 0, len(f.Items)),
	}
	return n
}

// entry normalizes the i-th item; ok is false for an item with nothing to
// show.
func (n *normalizer) entry(i int, gi *gofeed.Item) (e Entry, ok bool) {
	link := n.link(i, gi)
	contentBase := n.base
	if link != "" {
		contentBase, _ = url.Parse(link)
	}

	body, isText := n.content(i, gi)

	// One rune more than a summary keeps tells truncate it was cut.
	var summary string
	switch {
	case gi.Description != "" && gi.Description != body:
		summary = sanitize.PlainTextStart(gi.Description, maxSummary+1)
	case isText:
		summary = sanitize.Collapse(body)
	default:
		summary = sanitize.PlainTextStart(body, maxSummary+1)
	}
	summary = truncate(summary, maxSummary)

	title := truncate(sanitize.PlainText(gi.Title), maxTitle)
	if title == "" {
		// Microblog-style items have none; feeds and readers want one.
		title = truncate(summary, 80)
	}

	// An item is its guid, Atom or JSON id; without one, its link, unless
	// other items share the link: then what sets it apart from them.
	raw := strings.TrimSpace(item.CleanText(gi.GUID))
	if raw == "" && !n.sharedLinks[link] {
		raw = link
	}
	if raw == "" {
		var media string
		for _, e := range gi.Enclosures {
			if e != nil {
				media += e.URL + " "
			}
		}
		if link == "" && media == "" {
			raw = item.HashID(gi.Title, body) // as ever, so that stored ids stay
		} else {
			raw = item.HashID(link, gi.Title, media, body)
		}
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
	it.Enclosures = n.enclosures(i, gi, contentBase, it.Image)
	it.Podcast = n.podcast(i, gi, contentBase)
	if it.Title == "" {
		// No text to call the item by: what it links to, at least.
		switch {
		case link != "":
			it.Title = link
		case len(it.Enclosures) > 0:
			it.Title = it.Enclosures[0].URL
		case it.Image != nil:
			it.Title = it.Image.URL
		}
	}
	if it.Title == "" && strings.TrimSpace(body) == "" {
		n.warn(i, "no title, text, link or media; dropped")
		return Entry{}, false
	}
	var dated bool
	it.Published, it.Updated, dated = n.dates(i, gi, n.o.Prev[id])
	return Entry{Item: it, Content: Content{raw: body, isText: isText, base: contentBase}, Dated: dated}, true
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
