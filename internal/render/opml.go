package render

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"syndicate/internal/document"

	"syndicate/internal/item"
	"syndicate/internal/section"
)

type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Title   string      `xml:"head>title"`
	Owner   string      `xml:"head>ownerName,omitempty"`
	Docs    string      `xml:"head>docs"`
	Outline []opmlEntry `xml:"body>outline"`
}

type opmlEntry struct {
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr"`
	Type    string `xml:"type,attr"`
	Version string `xml:"version,attr,omitempty"`
	XMLURL  string `xml:"xmlUrl,attr"`
	HTMLURL string `xml:"htmlUrl,attr"`
}

// OPML lists every section feed (the Atom, RSS and JSON variants) as an
// OPML 2.0 subscription list a reader can import at once.
func OPML(site Site, sections []Section) (document.Document, error) {
	return opml(site, item.CleanText(site.Title)+" feeds", sections)
}

// TopicsOPML lists every tag's or every author's feed, for /tags/opml.xml
// and /authors/opml.xml.
func TopicsOPML(site Site, kind section.Kind, feeds []*section.Feed) (document.Document, error) {
	sections := make([]Section, 0, len(feeds))
	for _, f := range byName(feeds) {
		sections = append(sections, Section{Kind: f.Kind, Slug: f.Slug, Title: f.Name, Items: f.Items})
	}
	return opml(site, item.CleanText(site.Title)+": "+topicsTitle(kind), sections)
}

func opml(site Site, title string, sections []Section) (document.Document, error) {
	doc := opmlDoc{Version: "2.0", Title: title, Owner: item.CleanText(site.Title), Docs: "http://opml.org/spec2.opml"}
	for _, s := range sections {
		title := item.CleanText(site.Title + ": " + s.Title)
		home := site.BaseURL + s.current().Link()
		doc.Outline = append(doc.Outline,
			opmlEntry{Text: title, Title: title, Type: "rss", Version: "RSS2", XMLURL: home + FormatRSS, HTMLURL: home},
		)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return document.Document{}, fmt.Errorf("render: opml: %w", err)
	}
	buf.WriteByte('\n')
	return NewDocument(buf.Bytes(), "text/x-opml; charset=utf-8", newest(sections)), nil
}
