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
	nsITunes  = "http://www.itunes.com/dtds/podcast-1.0.dtd"

	rssDocs = "https://www.rssboard.org/rss-specification"
)

type rssDoc struct {
	feeds.RssFeedXml
	DCNamespace      string      `xml:"xmlns:dc,attr"`
	AtomNamespace    string      `xml:"xmlns:atom,attr"`
	MediaNamespace   string      `xml:"xmlns:media,attr"`
	ITunesNamespace  string      `xml:"xmlns:itunes,attr"`
	HistoryNamespace string      `xml:"xmlns:fh,attr,omitempty"`
	Channel          *rssChannel // shadows gorilla's *RssFeed
}

type rssChannel struct {
	feeds.RssFeed
	Links   []atomLink   `xml:"atom:link"`
	Archive *archiveMark `xml:"fh:archive"`
	*itunesChannel
}

// itunesChannel is what podcast apps, and the validator's iTunes rules,
// ask of a channel whose items carry iTunes tags.
type itunesChannel struct {
	Author   string          `xml:"itunes:author"`
	Explicit string          `xml:"itunes:explicit"`
	Category *itunesCategory `xml:"itunes:category"`
	Image    *itunesImage    `xml:"itunes:image"`
	Owner    *itunesOwner    `xml:"itunes:owner"`
}

type itunesCategory struct {
	Text string `xml:"text,attr"`
}

type itunesImage struct {
	Href string `xml:"href,attr"`
}

type itunesOwner struct {
	Name  string `xml:"itunes:name"`
	Email string `xml:"itunes:email"`
}

// atomLink is atom:link inside RSS: the self link, and the archive's
// links as RFC 5005 (appendix B) has RSS carry them. It must precede the
// items, which it does because items are appended after the channel's
// head.
type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	feeds.RssItem
	Link        string         `xml:"link,omitempty"`        // gorilla writes an empty <link> for no URL
	Description string         `xml:"description,omitempty"` // and an empty <description> for no text
	Creators    []string       `xml:"dc:creator"`
	Categories  []rssCategory  `xml:"category"`
	Media       []mediaContent `xml:"media:content"`
	Source      *rssSource     `xml:"source"`
	// The episode's iTunes tags.
	Duration string       `xml:"itunes:duration,omitempty"`
	Image    *itunesImage `xml:"itunes:image"`
	Episode  int64        `xml:"itunes:episode,omitempty"`
	Explicit string       `xml:"itunes:explicit,omitempty"`
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
	Medium      string     `xml:"medium,attr,omitempty"`
	Duration    int64      `xml:"duration,attr,omitempty"`
	Title       *mediaText `xml:"media:title"`
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
		DCNamespace:     nsDC,
		AtomNamespace:   nsAtom,
		MediaNamespace:  nsMedia,
		ITunesNamespace: nsITunes,
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
			itunesChannel: c.itunesChannel(),
		},
	}
	doc.Channel.Archive, doc.HistoryNamespace = c.archiveMark()
	for _, l := range c.links(FormatRSS) {
		doc.Channel.Links = append(doc.Channel.Links, atomLink{Href: l.href, Rel: l.rel, Type: "application/rss+xml"})
	}
	for _, hub := range c.hubs {
		doc.Channel.Links = append(doc.Channel.Links, atomLink{Href: hub, Rel: "hub"})
	}
	return marshalHead(&doc, true)
}

// itunesChannel is the channel's iTunes tags when some item of the
// section is a podcast episode, nil otherwise.
func (c *channel) itunesChannel() *itunesChannel {
	if !c.episodes {
		return nil
	}
	p := c.podcast
	ch := &itunesChannel{
		Author:   c.siteTitle,
		Explicit: strconv.FormatBool(p.Explicit),
	}
	if p.Category != "" {
		ch.Category = &itunesCategory{Text: p.Category}
	}
	if p.Image != "" {
		ch.Image = &itunesImage{Href: p.Image}
	}
	if p.Email != "" {
		ch.Owner = &itunesOwner{Name: c.siteTitle, Email: p.Email}
	}
	return ch
}

func (e *itemEncoder) rss(v *view) ([]byte, error) {
	it := rssItem{
		RssItem: feeds.RssItem{
			Title: v.title,
			Guid:  &feeds.RssGuid{Id: v.id, IsPermaLink: strconv.FormatBool(v.permalink)},
		},
		Link:        v.url,
		Description: htmlText.Replace(v.summary),
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
	rssMedia(&it, v)
	if ep := v.episode; ep != nil {
		if ep.duration > 0 {
			it.Duration = strconv.FormatInt(ep.duration, 10)
		}
		if ep.image != "" {
			it.Image = &itunesImage{Href: ep.image}
		}
		it.Episode, it.Explicit = ep.number, ep.explicit
	}
	if o := v.origin; o != nil && o.feedOK {
		it.Source = &rssSource{URL: o.feedURL, Title: o.title}
	}
	return e.encodeXML(&it)
}

// rssMedia fills RSS's one enclosure and Media RSS's many: the enclosure
// is the item's first audio or video, else its image as before, else its
// first other file; every other file, and the image with its credit and
// caption, goes into media:content.
func rssMedia(it *rssItem, v *view) {
	primary := v.primary()
	switch {
	case primary != nil:
		it.Enclosure = rssEnclosure(primary.url, primary.length, primary.mime)
	case v.image != nil:
		it.Enclosure = rssEnclosure(v.image.url, v.image.length, v.image.mime)
	case len(v.enclosures) > 0:
		primary = &v.enclosures[0]
		it.Enclosure = rssEnclosure(primary.url, primary.length, primary.mime)
	}
	if im := v.image; im != nil {
		m := mediaContent{URL: im.url, Type: im.mime, FileSize: im.length, Medium: "image"}
		if im.credit != "" {
			m.Credit = &mediaText{Text: im.credit}
		}
		if im.caption != "" {
			m.Description = &mediaText{Type: "plain", Text: im.caption}
		}
		it.Media = append(it.Media, m)
	}
	for i := range v.enclosures {
		e := &v.enclosures[i]
		if e == primary {
			continue
		}
		m := mediaContent{URL: e.url, Type: e.mime, FileSize: e.length, Medium: e.medium, Duration: e.duration}
		if e.title != "" {
			m.Title = &mediaText{Type: "plain", Text: e.title}
		}
		it.Media = append(it.Media, m)
	}
}

// rssEnclosure writes length="0" for an unknown length, as the RSS Board
// advises; gorilla drops the enclosure instead.
func rssEnclosure(url string, length int64, mime string) *feeds.RssEnclosure {
	return &feeds.RssEnclosure{Url: url, Length: strconv.FormatInt(length, 10), Type: mime}
}
