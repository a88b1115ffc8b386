package config

import (
	"fmt"
	"regexp"
	"time"

	"syndicate/internal/item"
	"syndicate/internal/redact"
)

// Source kinds: an external feed, aggregated with attribution, or the
// publication's own CMS, whose items are the site's articles.
const (
	KindExternal = "external"
	KindArticles = "articles"
)

// Source is one [[source]] table: an external feed merged into sections,
// or (Kind "articles") the publication's own feed, routed by category.
type Source struct {
	ID         string   `toml:"id"`
	Kind       string   `toml:"kind"` // KindExternal (the default) or KindArticles
	URL        string   `toml:"url"`
	Title      string   `toml:"title"` // overrides the upstream feed's title in attribution
	Interval   Duration `toml:"interval"`
	Sections   []string `toml:"sections"`
	MaxItems   int      `toml:"max_items"`
	Include    []string `toml:"include"`
	Exclude    []string `toml:"exclude"`
	StaleAfter Duration `toml:"stale_after"`
	// PublicURL, when set, is the URL attribution names in published
	// feeds and pages instead of the feed's self link or URL: URL is what
	// Syndicate fetches, and may carry credentials, so it is never
	// published as written.
	PublicURL string `toml:"public_url"`
	// AllowPrivate lets this source connect to loopback, private and other
	// non-public addresses, like [fetch] allow_private for one source.
	AllowPrivate bool `toml:"allow_private"`

	// Route maps a first-party source's category names to section slugs
	// ([source.route]); names match whatever their case and spacing.
	Route map[string]string `toml:"route"`
	// DefaultSections are where a first-party item goes when none of its
	// categories routes anywhere (besides latest, where every item goes).
	DefaultSections []string `toml:"default_sections"`
	// Withdrawn lists items an operator took down: each entry is an
	// item's id as the feed gives it (RSS guid, Atom id, JSON Feed id),
	// the id Syndicate publishes it under, or its link. Such an item is
	// left out of every feed, page and archive, and dropped from the store.
	Withdrawn []string `toml:"withdrawn"`

	// RouteKeys is Route keyed by RouteKey.
	RouteKeys map[string]string `toml:"-"`
	// WithdrawnKeys holds Withdrawn as Withdraws looks it up: ids as
	// written and as the feed gives them, links in canonical form.
	WithdrawnKeys map[string]bool `toml:"-"`
	// IncludeRE and ExcludeRE are Include and Exclude compiled.
	IncludeRE []*regexp.Regexp `toml:"-"`
	ExcludeRE []*regexp.Regexp `toml:"-"`
}

// Fetch bounds every request to an upstream feed.
type Fetch struct {
	ConnectTimeout Duration `toml:"connect_timeout"`
	Timeout        Duration `toml:"timeout"`
	MaxBodyBytes   int64    `toml:"max_body_bytes"`
	MaxRedirects   int      `toml:"max_redirects"`
	UserAgent      string   `toml:"user_agent"` // empty: the poller's own, naming Syndicate, its version and base_url
	PerHost        int      `toml:"per_host"`
	Workers        int      `toml:"workers"`
	BackoffCap     Duration `toml:"backoff_cap"`
	// AllowPrivate lets every source connect to non-public addresses. By
	// default a source configured on a name connects to public addresses
	// only, redirects included; one configured on an IP address or
	// localhost connects to exactly that address.
	AllowPrivate bool `toml:"allow_private"`
	// MaxDepth is how deeply a feed document may nest elements (or JSON
	// values); a deeper one is refused before it is parsed.
	MaxDepth int `toml:"max_depth"`
	// ParseMemory bounds the memory that the parses running at once may
	// take together, in bytes, as estimated from each document before it
	// is parsed: a parse waits for room, and a document that would need
	// more than all of it is refused.
	ParseMemory int64 `toml:"parse_memory"`
}

// minInterval keeps a slip such as "5ms" from hammering an upstream, while
// allowing the short intervals of tests and demonstrations.
const minInterval = time.Second

func (c *Config) validateSources(fail failFunc) error {
	f := c.Fetch
	switch {
	case f.ConnectTimeout.Duration <= 0:
		return fail("fetch", 0, "connect_timeout", "fetch.connect_timeout must be positive")
	case f.Timeout.Duration <= 0:
		return fail("fetch", 0, "timeout", "fetch.timeout must be positive")
	case f.MaxBodyBytes <= 0:
		return fail("fetch", 0, "max_body_bytes", "fetch.max_body_bytes must be positive")
	case f.MaxRedirects < 0:
		return fail("fetch", 0, "max_redirects", "fetch.max_redirects is negative")
	case f.PerHost < 1:
		return fail("fetch", 0, "per_host", "fetch.per_host must be at least 1")
	case f.Workers < 1:
		return fail("fetch", 0, "workers", "fetch.workers must be at least 1")
	case f.BackoffCap.Duration < time.Second:
		return fail("fetch", 0, "backoff_cap", "fetch.backoff_cap must be at least 1s")
	case f.MaxDepth < 8:
		return fail("fetch", 0, "max_depth", "fetch.max_depth must be at least 8 (a feed nests 3 to 5 levels)")
	case f.ParseMemory < 1<<20:
		return fail("fetch", 0, "parse_memory", "fetch.parse_memory must be at least 1048576 (1 MiB)")
	}
	sections := c.SectionSlugs()
	seen := map[string]int{}
	for i := range c.Sources {
		s := &c.Sources[i]
		if !slugPattern.MatchString(s.ID) {
			return fail("source", i, "id", "source id %q: use lower-case letters, digits and dashes", s.ID)
		}
		if first, dup := seen[s.ID]; dup {
			return fail("source", i, "id", "duplicate source %q (first defined in source %d)", s.ID, first+1)
		}
		seen[s.ID] = i
		if !item.AbsoluteHTTP(s.URL) {
			return fail("source", i, "url", "source %q: url %q is not an absolute http(s) URL", s.ID, redact.URL(s.URL))
		}
		if s.PublicURL != "" && !item.AbsoluteHTTP(s.PublicURL) {
			return fail("source", i, "public_url", "source %q: public_url %q is not an absolute http(s) URL", s.ID, redact.URL(s.PublicURL))
		}
		if s.PublicURL != "" && redact.URL(s.PublicURL) != s.PublicURL {
			return fail("source", i, "public_url", "source %q: public_url %q carries credentials; it is published as written", s.ID, redact.URL(s.PublicURL))
		}
		if s.Interval.Duration < minInterval {
			return fail("source", i, "interval", "source %q: interval %v is below the minimum of %v", s.ID, s.Interval.Duration, minInterval)
		}
		if err := c.validateKind(s, i, sections, fail); err != nil {
			return err
		}
		if s.MaxItems < 0 {
			return fail("source", i, "max_items", "source %q: max_items is negative", s.ID)
		}
		if s.StaleAfter.Duration < 0 {
			return fail("source", i, "stale_after", "source %q: stale_after is negative", s.ID)
		}
		var err error
		if s.IncludeRE, err = compileAll(s.Include); err != nil {
			return fail("source", i, "include", "source %q: include: %v", s.ID, err)
		}
		if s.ExcludeRE, err = compileAll(s.Exclude); err != nil {
			return fail("source", i, "exclude", "source %q: exclude: %v", s.ID, err)
		}
	}
	return nil
}

func compileAll(patterns []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(patterns))
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("bad regular expression %q: %v", p, err)
		}
		out = append(out, re)
	}
	return out, nil
}
