package source

import (
	"context"
	"time"

	"syndicate/internal/charset"
	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/parse"
	"syndicate/internal/redact"
)

// parsed is a feed turned into the source's items, before retention.
type parsed struct {
	feed   *parse.Feed
	origin item.Origin
	items  []item.Item
	// allDated reports whether every item carried its own date: only then
	// can the feed's items be ordered by date rather than as listed.
	allDated bool
	// deleted holds the ids of the items the feed says were deleted.
	deleted map[string]bool
}

// process is the way from body bytes to clean items: charset, parsing and
// normalizing within bounds, the source's filters, then sanitizing, the
// dearest step, for the items that stay. feedURL is the URL the body came
// from (after redirects); prev holds the items stored for the source by
// id, so that undated items keep the time first seen.
func process(ctx context.Context, bounds *parse.Bounds, body []byte, contentType, feedURL string, src *config.Source, now time.Time, prev map[string]*item.Item) (*parsed, error) {
	b, err := charset.ToUTF8(body, contentType)
	if err != nil {
		return nil, err
	}
	// The parse and the items made from it are what the bounds weigh.
	release, err := bounds.Admit(ctx, b)
	if err != nil {
		return nil, err
	}
	defer release()
	// Relative links resolve against the feed's URL without its
	// credentials, which would otherwise be copied into every link.
	f, err := parse.Parse(b, parse.Options{SourceID: src.ID, URL: redact.Public(feedURL), Now: now, Prev: prev})
	if err != nil {
		return nil, err
	}
	out := &parsed{feed: f, origin: origin(src, f.ID, f.Title, f.Home, f.Self), allDated: true}
	out.deleted = make(map[string]bool, len(f.Deleted))
	for _, id := range f.Deleted {
		out.deleted[id] = true
	}
	out.items = make([]item.Item, 0, len(f.Entries))
	for _, e := range f.Entries {
		it := e.Item
		if !keep(src, &it) || src.Withdraws(it.ID, it.URL) || out.deleted[it.ID] {
			continue
		}
		it.ContentHTML = e.Content.HTML()
		if src.Kind == config.KindArticles {
			it.Categories = it.Tags
			firstParty(&it, prev[it.ID], now)
		}
		file(src, &it)
		o := out.origin
		it.Origin = &o
		out.allDated = out.allDated && e.Dated
		out.items = append(out.items, it)
	}
	return out, nil
}

// origin attributes a source's items: to the configured title if there is
// one, else to the feed's own; and to the feed's public URL, public_url if
// set, else the self link the feed declares, else the URL fetched without
// its credentials or query. The fetch URL itself is never published.
func origin(src *config.Source, feedID, feedTitle, home, self string) item.Origin {
	o := item.Origin{
		SourceID:   src.ID,
		FirstParty: src.Kind == config.KindArticles,
		FeedID:     published(feedID, src.URL),
		Title:      src.Title,
		FeedURL:    src.PublicURL,
		HomeURL:    published(home, src.URL),
	}
	if o.Title == "" {
		o.Title = feedTitle
	}
	if o.FeedURL == "" {
		o.FeedURL = published(self, src.URL)
	}
	if o.FeedURL == "" {
		o.FeedURL = redact.Public(src.URL)
	}
	return o
}

// published is what of s, a URL or id the feed declares, may be
// published: a feed may echo the URL it was fetched with, credentials
// and all, as its self link or id.
func published(s, fetchURL string) string {
	if redact.Text(s, fetchURL) != s {
		return redact.Public(s)
	}
	return redact.Publishable(s)
}
