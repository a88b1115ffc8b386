package render

import (
	"strconv"
	"time"

	"github.com/gorilla/feeds"
)

// RSS 2.0 following the RSS Advisory Board's best-practices profile.
//
// The types below embed gorilla/feeds' and add or shadow fields (encoding/xml
// lets a shallower field win over an embedded one with the same XML name)
// where gorilla falls short: it writes <author> as a bare name, which RSS
// forbids, so authors are dc:creator instead; it has no atom:link self, no
// Media RSS, a single untyped category, a <source> without its required
// url, and drops enclosures whose length is unknown.

const (
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsMedia   = "http://search.yahoo.com/mrss/"

	rssDocs = "https://www.rssboard.org/rss-specification"
)

type rssDoc struct {
	feeds.RssFeedXml
	DCNamespace      string      `xml:"xmlns:dc,attr"`
	AtomNamespace    string      `xml:"xmlns:atom,attr"`
	MediaNamespace   string      `xml:"xmlns:media,attr"`
	HistoryNamespace string      `xml:"xmlns:fh,attr,omitempty"`
	Channel          *rssChannel // shadows gorilla's *RssFeed
}

type rssChannel struct {
	feeds.RssFeed
	Links   []atomLink   `xml:"atom:link"`
	Archive *archiveMark `xml:"fh:archive"`
}

// atomLink is atom:link inside RSS: the self link, and the archive's
// links as RFC 5005 (appendix B) has RSS carry them. It must precede the
// items, which it does because items are appended after the channel's
// head.
type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	feeds.RssItem
	Link       string        `xml:"link,omitempty"` // gorilla writes an empty <link> for no URL
	Creators   []string      `xml:"dc:creator"`
	Categories []rssCategory `xml:"category"`
	Media      *mediaContent `xml:"media:content"`
	Source     *rssSource    `xml:"source"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Name   string `xml:",chardata"`
}

type rssSource struct {
	URL   string `xml:"url,attr"`
	Title string `xml:",chardata"`
}

type mediaContent struct {
	URL         string     `xml:"url,attr"`
	Type        string     `xml:"type,attr"`
	FileSize    int64      `xml:"fileSize,attr,omitempty"`
	Medium      string     `xml:"medium,attr"`
	Credit      *mediaText `xml:"media:credit"`
	Description *mediaText `xml:"media:description"`
}

type mediaText struct {
	Type string `xml:"type,attr,omitempty"`
	Text string `xml:",chardata"`
}

func (c *channel) rssHead() ([]byte, error) {
	doc := rssDoc{
		RssFeedXml: feeds.RssFeedXml{
			Version:          "2.0",
			ContentNamespace: nsContent,
		},
		DCNamespace:    nsDC,
		AtomNamespace:  nsAtom,
		MediaNamespace: nsMedia,
		Channel: &rssChannel{
			RssFeed: feeds.RssFeed{
				Title:         c.title,
				Link:          c.page,
				Description:   c.description,
				Language:      c.lang,
				LastBuildDate: c.updated.Format(time.RFC1123Z),
				Generator:     generator,
				Docs:          rssDocs,
				Ttl:           c.ttl,
			},
		},
	}
	doc.Channel.Archive, doc.HistoryNamespace = c.archiveMark()
	for _, l := range c.links(FormatRSS) {
		doc.Channel.Links = append(doc.Channel.Links, atomLink{Href: l.href, Rel: l.rel, Type: "application/rss+xml"})
	}
	return marshalHead(&doc, true)
}

func (e *itemEncoder) rss(v *view) ([]byte, error) {
	it := rssItem{
		RssItem: feeds.RssItem{
			Title:       v.title,
			Description: htmlText.Replace(v.summary),
			Guid:        &feeds.RssGuid{Id: v.id, IsPermaLink: strconv.FormatBool(v.permalink)},
		},
		Link: v.url,
	}
	if v.content != "" {
		it.Content = &feeds.RssContent{Content: v.content}
	}
	if !v.published.IsZero() {
		it.PubDate = v.published.Format(time.RFC1123Z)
	}
	for _, p := range v.authors {
		it.Creators = append(it.Creators, p.name)
	}
	// A section's page is the site URL plus its slug, so the site is the
	// sections' domain; tags have none.
	for _, s := range v.sections {
		it.Categories = append(it.Categories, rssCategory{Domain: e.c.base + "/", Name: s})
	}
	for _, t := range v.tags {
		it.Categories = append(it.Categories, rssCategory{Name: t})
	}
	if im := v.image; im != nil {
		// length="0" is the RSS Board's advice for an unknown length;
		// gorilla drops the enclosure instead.
		it.Enclosure = &feeds.RssEnclosure{Url: im.url, Length: strconv.FormatInt(im.length, 10), Type: im.mime}
		it.Media = &mediaContent{URL: im.url, Type: im.mime, FileSize: im.length, Medium: "image"}
		if im.credit != "" {
			it.Media.Credit = &mediaText{Text: im.credit}
		}
		if im.caption != "" {
			it.Media.Description = &mediaText{Type: "plain", Text: im.caption}
		}
	}
	if o := v.origin; o != nil && o.feedOK {
		it.Source = &rssSource{URL: o.feedURL, Title: o.title}
	}
	return e.encodeXML(&it)
}
