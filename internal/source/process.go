package source

import (
	"slices"
	"time"

	"syndicate/internal/charset"
	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/parse"
)

// parsed is a feed turned into the source's items, before retention.
type parsed struct {
	feed   *parse.Feed
	origin item.Origin
	items  []item.Item
	// allDated reports whether every item carried its own date: only then
	// can the feed's items be ordered by date rather than as listed.
	allDated bool
}

// process is the way from body bytes to clean items: charset, parsing and
// normalizing, the source's filters, then sanitizing, the dearest step,
// for the items that stay. feedURL is the URL the body came from (after
// redirects); prev holds the items stored for the source by id, so that
// undated items keep the time first seen.
func process(body []byte, contentType, feedURL string, src *config.Source, now time.Time, prev map[string]*item.Item) (*parsed, error) {
	b, err := charset.ToUTF8(body, contentType)
	if err != nil {
		return nil, err
	}
	f, err := parse.Parse(b, parse.Options{SourceID: src.ID, URL: feedURL, Now: now, Prev: prev})
	if err != nil {
		return nil, err
	}
	out := &parsed{feed: f, origin: origin(src, f.ID, f.Title, f.Home), allDated: true}
	out.items = make([]item.Item, 0, len(f.Entries))
	for _, e := range f.Entries {
		it := e.Item
		if !keep(src, &it) {
			continue
		}
		it.ContentHTML = e.Content.HTML()
		it.Sections = slices.Clone(src.Sections)
		o := out.origin
		it.Origin = &o
		out.allDated = out.allDated && e.Dated
		out.items = append(out.items, it)
	}
	return out, nil
}

// origin attributes a source's items: to the configured title if there is
// one, else to the feed's own.
func origin(src *config.Source, feedID, feedTitle, home string) item.Origin {
	o := item.Origin{SourceID: src.ID, FeedID: feedID, Title: src.Title, FeedURL: src.URL, HomeURL: home}
	if o.Title == "" {
		o.Title = feedTitle
	}
	return o
}
