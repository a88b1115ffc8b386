package source

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/discover"
	"syndicate/internal/fetch"
	"syndicate/internal/redact"
	"syndicate/internal/store"
)

// fetchFeed GETs the source's feed: the feed its url led to by
// autodiscovery, once found, else its url. A url that answers with an
// HTML page is followed, in the same poll, to the feed the page
// advertises, Atom first, then JSON Feed, then RSS (discover.Best), which
// st then remembers. A discovered feed that is no longer there (404, 410,
// or a page in its place) is forgotten, so that the next poll asks the
// page again.
func (p *Poller) fetchFeed(ctx context.Context, src *config.Source, st *store.SourceState, etag, lastMod string, now time.Time, body *bodyTurn) (*fetch.Response, error) {
	target := src.URL
	if st.DiscoveredURL != "" {
		target = st.DiscoveredURL
	}
	res, err := p.fetcher.Get(ctx, fetch.Request{URL: target, ETag: etag, LastModified: lastMod, AllowPrivate: src.AllowPrivate, BeforeBody: body.wait}, now)
	if target != src.URL {
		var fe *fetch.Error
		if errors.As(err, &fe) && fe.Status == 404 || err == nil && res.Status == 410 ||
			err == nil && res.Status == 200 && discover.LooksLikeHTML(res.ContentType, res.Body) {
			st.DiscoveredURL, st.DiscoveredFrom = "", ""
			st.ETag, st.LastModified, st.BodyHash = "", "", ""
			return res, fmt.Errorf("discover: the feed found at %s is gone; asking the page again next poll", redact.URL(target))
		}
		return res, err
	}
	if err != nil || res.Status != 200 || !discover.LooksLikeHTML(res.ContentType, res.Body) {
		return res, err
	}
	base, err := url.Parse(res.FinalURL)
	if err != nil {
		return res, fmt.Errorf("discover: %w", err)
	}
	feed, ok := discover.Best(discover.Feeds(res.Body, base))
	if !ok {
		return res, fmt.Errorf("discover: %s is an HTML page that advertises no feed", redact.URL(res.FinalURL))
	}
	page := res.FinalURL
	res, err = p.fetcher.Get(ctx, fetch.Request{URL: feed.URL, AllowPrivate: src.AllowPrivate, BeforeBody: body.wait}, now)
	if err != nil {
		return res, err
	}
	if res.Status == 200 && discover.LooksLikeHTML(res.ContentType, res.Body) {
		return res, fmt.Errorf("discover: %s, advertised by %s, is an HTML page too", redact.URL(feed.URL), redact.URL(page))
	}
	st.DiscoveredURL, st.DiscoveredFrom = feed.URL, page
	p.log.Info("feed discovered", "source", src.ID, "page", redact.URL(page), "feed", redact.URL(feed.URL), "format", feed.Format)
	return res, nil
}

// Categories fetches src's feed once, as a poll would (following
// autodiscovery), and returns the categories its items carry, in the
// order first seen, storing nothing: what `syndicate check` compares with
// a first-party source's routes.
func Categories(ctx context.Context, f config.Fetch, userAgent string, src *config.Source) ([]string, error) {
	p := NewPoller(Options{Sources: []config.Source{*src}, Fetch: f, UserAgent: userAgent})
	now := p.now()
	var st store.SourceState
	body := &bodyTurn{bodies: p.bodies}
	defer body.done()
	res, err := p.fetchFeed(ctx, src, &st, "", "", now, body)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", src.ID, err)
	}
	if res.Status != 200 {
		return nil, fmt.Errorf("source: %s: http: %d", src.ID, res.Status)
	}
	parsed, err := process(ctx, p.bounds, res.Body, res.ContentType, res.FinalURL, src, now, nil)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", src.ID, err)
	}
	var out []string
	seen := map[string]bool{}
	for _, it := range parsed.items {
		for _, c := range it.Categories {
			if k := config.RouteKey(c); !seen[k] {
				seen[k] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}
