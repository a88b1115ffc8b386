// Package discover finds the feeds an HTML page advertises with
// autodiscovery links (<link rel="alternate" type="application/atom+xml">
// and its RSS and JSON Feed siblings), so that an operator can point a
// source at a site's home page.
package discover

import (
	"bytes"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Feed formats, in the order Syndicate prefers them: Atom has the most
// precise model, then JSON Feed, then RSS.
const (
	Atom = "atom"
	JSON = "json"
	RSS  = "rss"
)

// Feed is one advertised feed.
type Feed struct {
	URL    string // absolute
	Format string // Atom, JSON or RSS
	Type   string // the media type as the page wrote it
	Title  string
}

var formats = map[string]string{
	"application/atom+xml":   Atom,
	"application/feed+json":  JSON,
	"application/json":       JSON, // JSON Feed 1.0's type, still common
	"application/rss+xml":    RSS,
	"application/rdf+xml":    RSS, // RSS 1.0
	"application/x.atom+xml": Atom,
	"application/x-atom+xml": Atom,
	"application/x-rss+xml":  RSS,
	"text/xml":               RSS,
	"application/xml":        RSS,
}

// LooksLikeHTML reports whether body is an HTML page rather than a feed,
// from its media type or, failing that, its first bytes.
func LooksLikeHTML(contentType string, body []byte) bool {
	mt, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	switch strings.TrimSpace(mt) {
	case "text/html", "application/xhtml+xml":
		return true
	}
	head := bytes.ToLower(bytes.TrimLeft(body[:min(len(body), 512)], " \t\r\n\ufeff"))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// Feeds returns the feeds page advertises, resolved against base (and the
// page's own <base href>), in the order the page lists them, without
// duplicates.
func Feeds(page []byte, base *url.URL) []Feed {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var feeds []Feed
	seen := map[string]bool{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Base:
				if href := attr(n, "href"); href != "" {
					if b, err := base.Parse(href); err == nil {
						base = b
					}
				}
			case atom.Link, atom.A:
				if f, ok := feedLink(n, base); ok && !seen[f.URL] {
					seen[f.URL] = true
					feeds = append(feeds, f)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return feeds
}

func feedLink(n *html.Node, base *url.URL) (Feed, bool) {
	rels := strings.Fields(strings.ToLower(attr(n, "rel")))
	if !slices.Contains(rels, "alternate") || slices.Contains(rels, "stylesheet") {
		return Feed{}, false
	}
	typ := strings.ToLower(strings.Join(strings.Fields(attr(n, "type")), ""))
	format, ok := formats[typ]
	if !ok {
		return Feed{}, false
	}
	href := strings.TrimSpace(attr(n, "href"))
	if href == "" {
		return Feed{}, false
	}
	u, err := base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return Feed{}, false
	}
	u.Fragment = ""
	return Feed{URL: u.String(), Format: format, Type: attr(n, "type"), Title: strings.TrimSpace(attr(n, "title"))}, true
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, name) {
			return a.Val
		}
	}
	return ""
}

// Best is the feed Syndicate polls among feeds: the first Atom feed, else
// the first JSON Feed, else the first RSS feed. ok is false when there is
// none.
func Best(feeds []Feed) (Feed, bool) {
	for _, format := range []string{Atom, JSON, RSS} {
		for _, f := range feeds {
			if f.Format == format {
				return f, true
			}
		}
	}
	return Feed{}, false
}
