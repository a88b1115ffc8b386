package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/discover"
	"syndicate/internal/fetch"
	"syndicate/internal/item"
	"syndicate/internal/redact"
)

// discoverFeeds prints every feed the page at pageURL advertises, one a
// line: format, URL, media type and title, the one a source on that page
// would poll marked with "*".
func discoverFeeds(ctx context.Context, pageURL string, out io.Writer) error {
	if !item.AbsoluteHTTP(pageURL) {
		return fmt.Errorf("syndicate discover: %q is not an absolute http(s) URL", redact.URL(pageURL))
	}
	f := config.Defaults().Fetch
	// The operator's own request, from the operator's own machine: an
	// intranet CMS is as welcome as a public site.
	client := fetch.New(f, "Syndicate/"+Version()+" (discover)")
	ctx, cancel := context.WithTimeout(ctx, f.Timeout.Duration)
	defer cancel()
	res, err := client.Get(ctx, fetch.Request{URL: pageURL, AllowPrivate: true}, time.Now())
	if err != nil {
		return fmt.Errorf("syndicate discover: %s: %w", redact.URL(pageURL), err)
	}
	if res.Status != 200 {
		return fmt.Errorf("syndicate discover: %s: http: %d", redact.URL(pageURL), res.Status)
	}
	if !discover.LooksLikeHTML(res.ContentType, res.Body) {
		fmt.Fprintf(out, "%s is not an HTML page (%s): point the source at it as it is\n", redact.URL(res.FinalURL), res.ContentType)
		return nil
	}
	base, err := url.Parse(res.FinalURL)
	if err != nil {
		return fmt.Errorf("syndicate discover: %w", err)
	}
	feeds := discover.Feeds(res.Body, base)
	if len(feeds) == 0 {
		return fmt.Errorf("syndicate discover: %s advertises no feed", redact.URL(res.FinalURL))
	}
	best, _ := discover.Best(feeds)
	for _, fd := range feeds {
		mark := " "
		if fd.URL == best.URL {
			mark = "*"
		}
		title := fd.Title
		if title == "" {
			title = "(untitled)"
		}
		fmt.Fprintf(out, "%s %-4s %s\t%s\t%s\n", mark, fd.Format, redact.URL(fd.URL), fd.Type, title)
	}
	fmt.Fprintf(out, "* is the feed a source with url = %q polls\n", redact.URL(pageURL))
	return nil
}
