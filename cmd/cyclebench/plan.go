package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// plan is the shape of the fixture: how many sources, spread over how
// many loopback addresses and sections, each feed carrying perFeed
// items. The pure parts of the benchmark (the configuration, the items
// each generation serves, what each section must show once a cycle is
// done) derive from it alone, so they can be checked without a network.
type plan struct {
	Sources  int
	Hosts    int // loopback addresses 127.0.0.2 onwards
	Sections int
	PerFeed  int // items per feed, and max_items: each 200 replaces them all
	Limit    int // items in each section's current document
	BodySize int // bytes of HTML in each item's description, about
}

func defaultPlan() plan {
	return plan{Sources: 1000, Hosts: 100, Sections: 10, PerFeed: 20, Limit: 50, BodySize: 3500}
}

// host is the loopback address serving source s.
func (p plan) host(s int) string { return fmt.Sprintf("127.0.0.%d", 2+s%p.Hosts) }

// section is the slug of the one configured section source s feeds.
func (p plan) section(s int) string { return fmt.Sprintf("desk%02d", s%p.Sections) }

// sourceID is source s's id in the configuration.
func sourceID(s int) string { return fmt.Sprintf("wire%04d", s) }

// itemPath is the path of item j of source s in generation g: its link,
// under the source's own address, is how a section's feed shows it.
func itemPath(s, g, j int) string { return fmt.Sprintf("/s/%d/g%d/i%d", s, g, j) }

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// published is item j of source s in generation g's date. Each generation
// is a day newer than the last, so its items push all older ones out;
// within the day the items of every source interleave (a bijection of
// s*PerFeed+j onto distinct seconds), so a section's newest items come
// from many sources, not from whichever was polled last.
func (p plan) published(s, g, j int) time.Time {
	n := p.Sources * p.PerFeed
	k := (s*p.PerFeed + j) * 7919 % n // 7919 is prime, so coprime to n unless n is a multiple of it
	return epoch.Add(time.Duration(g)*24*time.Hour + time.Duration(k)*(86400*time.Second/time.Duration(n)))
}

// expected lists the paths of the items section slug shows in generation
// g, newest first: its current document once every source is polled.
// "latest" carries every source.
func (p plan) expected(slug string, g int) []string {
	type it struct {
		path string
		at   time.Time
	}
	var all []it
	for s := range p.Sources {
		if slug != "latest" && p.section(s) != slug {
			continue
		}
		for j := range p.PerFeed {
			all = append(all, it{itemPath(s, g, j), p.published(s, g, j)})
		}
	}
	slices.SortFunc(all, func(a, b it) int { return b.at.Compare(a.at) })
	out := make([]string, 0, p.Limit)
	for _, x := range all[:min(p.Limit, len(all))] {
		out = append(out, x.path)
	}
	return out
}

// slugs are the sections whose documents the benchmark watches.
func (p plan) slugs() []string {
	out := []string{"latest"}
	for k := range p.Sections {
		out = append(out, fmt.Sprintf("desk%02d", k))
	}
	return out
}

// endpoints say where the instance under test listens and what it reads.
type endpoints struct {
	Listen, OpsListen string
	RedisURL          string // empty: the memory store
	ContentDir        string
	URL               func(s int) string // source s's feed URL
}

// config is the instance's config.toml: every source due at start (no
// state yet), then not again for an hour, so that only the cycles the
// benchmark asks for (POST /api/v1/poll) run; 64 fetch workers, as
// Miniflux was tuned with on the same fixture; loopback sources allowed.
func (p plan) config(e endpoints) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[site]\ntitle = \"Cycle bench\"\nbase_url = \"http://%s\"\n\n", e.Listen)
	fmt.Fprintf(&b, "[server]\nlisten = %q\nops_listen = %q\n\n", e.Listen, e.OpsListen)
	// The default store timeout (500 ms) counts the store as down at the
	// first stall; on a shared 2-core machine a busy moment stalls Redis
	// that long, and a poll would fail and not be retried for an hour.
	// The benchmark measures a cycle's cost, not that bound.
	fmt.Fprintf(&b, "[store]\ntimeout = \"5s\"\n")
	if e.RedisURL != "" {
		fmt.Fprintf(&b, "redis_url = %q\n", e.RedisURL)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "[content]\ndir = %q\n\n", e.ContentDir)
	b.WriteString("[fetch]\nworkers = 64\nper_host = 2\nallow_private = true\n\n")
	fmt.Fprintf(&b, "[[section]]\nslug = \"latest\"\ntitle = \"Latest\"\nlimit = %d\n\n", p.Limit)
	for k := range p.Sections {
		fmt.Fprintf(&b, "[[section]]\nslug = \"desk%02d\"\ntitle = \"Desk %02d\"\nlimit = %d\n\n", k, k, p.Limit)
	}
	for s := range p.Sources {
		fmt.Fprintf(&b, "[[source]]\nid = %q\nurl = %q\ninterval = \"1h\"\nsections = [%q]\nmax_items = %d\n\n",
			sourceID(s), e.URL(s), p.section(s), p.PerFeed)
	}
	return b.String()
}

// median of xs (the mean of the middle two for an even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
