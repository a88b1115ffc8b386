package render

import (
	"github.com/gorilla/feeds"
)

// JSON Feed 1.1, valid against its JSON Schema.
//
// The types below embed gorilla/feeds' and shadow fields where it falls
// short: its attachment size is "size" (1.1 says size_in_bytes), its
// content_html is omitted when empty although an item needs content, and
// its banner image key is misspelt "banner_" (left unset here, as are the
// deprecated singular "author" fields). authors, language, feed_url, tags
// and attachments, which gorilla never fills, are filled here.

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

type jsonFeed struct {
	feeds.JSONFeed
	// Items shadows gorilla's: the head is encoded with an empty list and
	// the item fragments are spliced in.
	Items []struct{} `json:"items"`
}

func (c *channel) jsonHead() ([]byte, error) {
	doc := jsonFeed{
		JSONFeed: feeds.JSONFeed{
			Version:     jsonFeedVersion,
			Title:       c.title,
			Language:    c.lang,
			HomePageUrl: c.page,
			// feed_url names the feed, so archive documents give the
			// current one's; next_url pages on to older items.
			FeedUrl:     c.current + FormatJSON,
			Description: c.description,
			Authors:     []*feeds.JSONAuthor{{Name: c.author.name, Url: c.author.url}},
		},
		Items: []struct{}{},
	}
	if prev := c.sec.Archive.Prev; prev != "" {
		doc.NextUrl = c.monthDir(prev) + FormatJSON
	}
	for _, hub := range c.hubs {
		doc.Hubs = append(doc.Hubs, &feeds.JSONHub{Type: "WebSub", Url: hub})
	}
	return marshalHead(&doc, false)
}

type jsonItem struct {
	feeds.JSONItem
	ContentHTML string           `json:"content_html"`
	Attachments []jsonAttachment `json:"attachments,omitempty"`
	Syndicate   *jsonSource      `json:"_syndicate,omitempty"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Title    string `json:"title,omitempty"`
	Size     int64  `json:"size_in_bytes,omitempty"`
	Duration int64  `json:"duration_in_seconds,omitempty"`
}

// jsonSource is the extension object naming an aggregated item's origin.
type jsonSource struct {
	SourceID    string `json:"source_id"`
	SourceTitle string `json:"source_title"`
	SourceURL   string `json:"source_url"`
}

func (e *itemEncoder) json(v *view) ([]byte, error) {
	it := jsonItem{
		JSONItem: feeds.JSONItem{
			Id:           v.id,
			Url:          v.url,
			Title:        v.title,
			Summary:      v.summary,
			ModifiedDate: &v.updated,
		},
		ContentHTML: v.content,
	}
	if !v.published.IsZero() {
		it.PublishedDate = &v.published
	}
	for _, p := range v.authors {
		a := &feeds.JSONAuthor{Name: p.name, Url: p.url}
		// JSON Feed has no email field; a mailto: URL is its way to one.
		if a.Url == "" && p.email != "" {
			a.Url = "mailto:" + p.email
		}
		it.Authors = append(it.Authors, a)
	}
	it.Tags = jsonTags(v)
	if im := v.image; im != nil {
		it.Image = im.url
		it.Attachments = []jsonAttachment{{URL: im.url, MIMEType: im.mime, Title: im.caption, Size: im.length}}
	}
	for _, e := range v.enclosures {
		it.Attachments = append(it.Attachments, jsonAttachment{URL: e.url, MIMEType: e.mime, Title: e.title, Size: e.length, Duration: e.duration})
	}
	if o := v.origin; o != nil {
		it.Syndicate = &jsonSource{SourceID: o.sourceID, SourceTitle: o.title, SourceURL: o.feedURL}
	}
	return e.encodeJSON(&it)
}

// jsonTags lists sections then tags, each once: JSON Feed has no domain to
// tell a section from a tag of the same name.
func jsonTags(v *view) []string {
	tags := make([]string, 0, len(v.sections)+len(v.tags))
	seen := make(map[string]bool, cap(tags))
	for _, list := range [][]string{v.sections, v.tags} {
		for _, t := range list {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	if len(tags) == 0 {
		return nil
	}
	return tags
}
