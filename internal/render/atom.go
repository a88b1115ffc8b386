package render

import (
	"encoding/xml"
	"strconv"
	"time"

	"github.com/gorilla/feeds"
)

// Atom 1.0 per RFC 4287, valid against its RELAX NG grammar.
//
// The types below embed gorilla/feeds' and shadow fields where it falls
// short: it allows one feed link (no self and alternate together), one
// author per entry, a <category> without the required term, a <source>
// that is a bare string, no xml:lang and no generator; and it invents entry
// ids from dates or random UUIDs, so ids are set here, always.

type atomFeed struct {
	feeds.AtomFeed
	History   string           `xml:"xmlns:fh,attr,omitempty"`
	Lang      string           `xml:"xml:lang,attr,omitempty"`
	Link      []feeds.AtomLink // shadows gorilla's single *AtomLink
	Archive   *archiveMark     `xml:"fh:archive"`
	Generator *atomGenerator   `xml:"generator"`
}

type atomGenerator struct {
	Text string `xml:",chardata"`
}

type atomEntry struct {
	feeds.AtomEntry
	Content  *atomHTML          // shadows gorilla's *AtomContent
	Author   []feeds.AtomAuthor // shadows gorilla's single *AtomAuthor
	Category []atomCategory     `xml:"category"`
	Source   *atomSource        `xml:"source"`
}

// atomHTML is escaped HTML content written as CDATA: the same text to an
// XML parser, but a 4 KB article needs no entity escaping, which made Atom
// the slowest format to encode and the largest to compress.
type atomHTML struct {
	XMLName xml.Name `xml:"content"`
	Type    string   `xml:"type,attr"`
	HTML    string   `xml:",cdata"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
}

// atomSource keeps an aggregated entry's provenance, as RFC 4287 section
// 4.2.11 intends.
type atomSource struct {
	ID      string           `xml:"id"`
	Title   string           `xml:"title"`
	Link    []feeds.AtomLink `xml:"link"`
	Updated string           `xml:"updated"`
}

func (c *channel) atomHead() ([]byte, error) {
	doc := atomFeed{
		AtomFeed: feeds.AtomFeed{
			Xmlns:    nsAtom,
			Title:    c.title,
			Id:       c.id,
			Updated:  c.updated.Format(time.RFC3339),
			Subtitle: c.description,
			// A feed-level author lets entries without authors validate.
			Author: &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: c.author.name, Uri: c.author.url}},
		},
		Lang:      c.lang,
		Generator: &atomGenerator{Text: generator},
	}
	doc.Archive, doc.History = c.archiveMark()
	for i, l := range c.links(FormatAtom) {
		doc.Link = append(doc.Link, feeds.AtomLink{Href: l.href, Rel: l.rel, Type: "application/atom+xml"})
		if i == 0 {
			doc.Link = append(doc.Link, feeds.AtomLink{Href: c.page, Rel: "alternate", Type: "text/html"})
		}
	}
	for _, hub := range c.hubs {
		doc.Link = append(doc.Link, feeds.AtomLink{Href: hub, Rel: "hub"})
	}
	return marshalHead(&doc, true)
}

func (e *itemEncoder) atom(v *view) ([]byte, error) {
	en := atomEntry{
		AtomEntry: feeds.AtomEntry{
			Title:   v.title,
			Id:      v.id,
			Updated: v.updated.Format(time.RFC3339),
		},
	}
	if !v.published.IsZero() {
		en.Published = v.published.Format(time.RFC3339)
	}
	if v.url != "" {
		en.Links = append(en.Links, feeds.AtomLink{Href: v.url, Rel: "alternate", Type: "text/html"})
	}
	if im := v.image; im != nil {
		en.Links = append(en.Links, atomEnclosure(im.url, im.mime, im.length))
	}
	for _, e := range v.enclosures {
		en.Links = append(en.Links, atomEnclosure(e.url, e.mime, e.length))
	}
	switch {
	case v.summary != "":
		en.Summary = &feeds.AtomSummary{Content: v.summary, Type: "text"}
	case v.content == "":
		// Every entry needs some text of its own for validators and for
		// readers that show no titles; the title is all there is.
		en.Summary = &feeds.AtomSummary{Content: v.title, Type: "text"}
	}
	// An entry needs content or an alternate link; empty content is
	// written only when there is no link.
	if v.content != "" || v.url == "" {
		en.Content = &atomHTML{Type: "html", HTML: v.content}
	}
	for _, p := range v.authors {
		en.Author = append(en.Author, feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: p.name, Email: p.email, Uri: p.url}})
	}
	for _, s := range v.sections {
		en.Category = append(en.Category, atomCategory{Term: s, Scheme: e.c.base + "/"})
	}
	for _, t := range v.tags {
		en.Category = append(en.Category, atomCategory{Term: t})
	}
	if o := v.origin; o != nil {
		src := &atomSource{ID: o.id, Title: o.title, Updated: en.Updated}
		if o.feedOK {
			src.Link = append(src.Link, feeds.AtomLink{Href: o.feedURL, Rel: "self"})
		}
		if o.homeOK {
			src.Link = append(src.Link, feeds.AtomLink{Href: o.homeURL, Rel: "alternate", Type: "text/html"})
		}
		en.Source = src
	}
	return e.encodeXML(&en)
}

func atomEnclosure(href, mime string, length int64) feeds.AtomLink {
	l := feeds.AtomLink{Href: href, Rel: "enclosure", Type: mime}
	if length > 0 {
		l.Length = strconv.FormatInt(length, 10)
	}
	return l
}
