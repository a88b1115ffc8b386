// Package archivefixture makes the grown archive the "cost that stays
// flat" benchmarks run against: a given number of stored items from
// external sources, spread over 50 sections, with the configuration that
// serves them. The in-process benchmarks (internal/publish, internal/app)
// and the process-level one (cmd/flatbench) share it, so that every
// figure is measured on the same data.
package archivefixture

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/store"
)

// Sizes are the archive sizes the benchmarks compare: the cost at the
// largest must stay close to the cost at the smallest (issue 11).
var Sizes = []int{1_000, 10_000, 100_000}

// Plan is the shape of the archive. Only Items varies between the
// benchmarks' cases; the rest stays fixed so that what grows is the
// archive alone.
type Plan struct {
	Items    int // stored items in all
	Sections int // configured sections besides "latest"
	Sources  int // each feeds one section; items are dealt round-robin
	Limit    int // items in each section's current document
	BodySize int // bytes of HTML in each item's content, about
	// Every is the time between two consecutive items: the archive
	// reaches back Items*Every.
	Every time.Duration
}

// New is the plan of the benchmarks with n stored items: 50 sections of
// 50 items, 100 sources, one item every hour, about 2 KB of text each.
func New(n int) Plan {
	return Plan{Items: n, Sections: 50, Sources: 100, Limit: 50, BodySize: 2000, Every: time.Hour}
}

// Newest is when the newest item was published.
var Newest = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// SourceID is source s's id.
func SourceID(s int) string { return fmt.Sprintf("wire%03d", s) }

// Section is the slug of the section source s feeds.
func (p Plan) Section(s int) string { return fmt.Sprintf("desk%02d", s%p.Sections) }

// SourceURL is source s's feed URL. Nothing answers there: the states
// Populate writes say no source is due for an hour.
func SourceURL(s int) string { return fmt.Sprintf("http://127.0.0.1:9/wire/%03d.xml", s) }

// perSource is the most items one source holds, its max_items.
func (p Plan) perSource() int { return (p.Items + p.Sources - 1) / p.Sources }

// SourceItems is what the store holds for source s: every k-th item of
// the archive, k the number of sources, newest first.
func (p Plan) SourceItems(s int) []item.Item {
	var out []item.Item
	for k := s; k < p.Items; k += p.Sources {
		out = append(out, p.Item(k))
	}
	return out
}

// Item is item k of the archive, 0 the newest. Its text is generated,
// varied enough that compression does not flatter it.
func (p Plan) Item(k int) item.Item {
	s := k % p.Sources
	at := Newest.Add(-time.Duration(k) * p.Every)
	url := fmt.Sprintf("https://wire%03d.example/%d/story-%d", s, at.Year(), k)
	return item.Item{
		ID:          url,
		URL:         url,
		Title:       fmt.Sprintf("%s %s in %s, dispatch %d", pick(k, nouns), pick(k/7, verbs), pick(k/3, places), k),
		Summary:     fmt.Sprintf("What the %s said about the %s %s on day %d.", pick(k/5, nouns), pick(k, places), pick(k/11, nouns), k),
		ContentHTML: body(k, p.BodySize),
		Authors:     []item.Person{{Name: "Desk " + pick(k/13, places)}},
		Sections:    []string{p.Section(s)},
		Tags:        []string{pick(k, nouns), pick(k/17, places)},
		Published:   at,
		Updated:     at,
		Origin: &item.Origin{
			SourceID: SourceID(s),
			Title:    fmt.Sprintf("Wire %03d", s),
			FeedURL:  fmt.Sprintf("https://wire%03d.example/feed.xml", s),
			HomeURL:  fmt.Sprintf("https://wire%03d.example/", s),
		},
	}
}

var (
	nouns  = []string{"harbour", "council", "ferry", "orchard", "tribunal", "refinery", "archive", "lighthouse", "market", "reservoir", "quarry", "observatory", "vineyard"}
	verbs  = []string{"reopens", "stalls", "expands", "votes", "floods", "recovers", "closes", "relocates", "audits"}
	places = []string{"Aldmere", "Brisk Bay", "Corvale", "Dunmarsh", "Eastholt", "Fenwick", "Grayport", "Hollin", "Ivyreach", "Jarrow Flats", "Kestle"}
)

func pick(k int, words []string) string { return words[k%len(words)] }

// body is about size bytes of paragraphs, different for every k.
func body(k, size int) string {
	var b strings.Builder
	for n := 0; b.Len() < size; n++ {
		fmt.Fprintf(&b, "<p>In %s the %s %s after %d days; the %s of %s counted %d objections and %d letters.</p>",
			pick(k+n, places), pick(k*3+n, nouns), pick(k+2*n, verbs), (k*7+n)%97, pick(k+n*5, nouns), pick(k*2+n, places), (k+n*13)%1000, (k*31+n)%211)
	}
	return b.String()
}

// Open writes the instance's config.toml for e to path, loads it, opens
// the store it names and fills it with the archive (Populate). The caller
// closes the store.
func (p Plan) Open(ctx context.Context, e Endpoints, path string) (*config.Config, store.Store, error) {
	if err := os.WriteFile(path, []byte(p.Config(e)), 0o644); err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(cfg.Store)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Populate(ctx, st); err != nil {
		st.Close()
		return nil, nil, err
	}
	return cfg, st, nil
}

// Populate writes every source's items into st, and a state per source
// that says it was fetched a moment ago and is not due for an hour, so an
// instance started on st polls nothing while it is measured.
func (p Plan) Populate(ctx context.Context, st store.Store) error {
	now := time.Now().UTC()
	for s := range p.Sources {
		items := p.SourceItems(s)
		if err := st.ReplaceItems(ctx, SourceID(s), items); err != nil {
			return fmt.Errorf("archivefixture: populate %s: %w", SourceID(s), err)
		}
		state := store.SourceState{
			ID: SourceID(s), URL: SourceURL(s), Status: store.StatusOK, HTTPStatus: 200,
			LastFetch: now, LastSuccess: now, NextFetch: now.Add(time.Hour), Items: len(items),
		}
		if err := st.PutSourceState(ctx, SourceID(s), state); err != nil {
			return fmt.Errorf("archivefixture: populate state of %s: %w", SourceID(s), err)
		}
	}
	return nil
}

// Endpoints say where an instance listens and what it reads.
type Endpoints struct {
	BaseURL    string // the site's base URL
	Listen     string // server.listen; empty leaves the default
	OpsListen  string // server.ops_listen; empty: none
	RedisURL   string // empty: the memory store
	Prefix     string // store.prefix; empty leaves the default
	ContentDir string
	// ContentPoll is content.poll_interval; empty leaves the default.
	ContentPoll string
}

// Config is an instance's config.toml for the archive: "latest" and the
// plan's sections, each with Limit items, and its sources, polled hourly.
func (p Plan) Config(e Endpoints) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[site]\ntitle = \"Flat bench\"\nbase_url = %q\n\n", e.BaseURL)
	if e.Listen != "" || e.OpsListen != "" {
		b.WriteString("[server]\n")
		if e.Listen != "" {
			fmt.Fprintf(&b, "listen = %q\n", e.Listen)
		}
		if e.OpsListen != "" {
			fmt.Fprintf(&b, "ops_listen = %q\n", e.OpsListen)
		}
		b.WriteString("\n")
	}
	if e.RedisURL != "" {
		fmt.Fprintf(&b, "[store]\nredis_url = %q\n", e.RedisURL)
		if e.Prefix != "" {
			fmt.Fprintf(&b, "prefix = %q\n", e.Prefix)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "[content]\ndir = %q\n", e.ContentDir)
	if e.ContentPoll != "" {
		fmt.Fprintf(&b, "poll_interval = %q\n", e.ContentPoll)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "[[section]]\nslug = \"latest\"\ntitle = \"Latest\"\nlimit = %d\n\n", p.Limit)
	for k := range p.Sections {
		fmt.Fprintf(&b, "[[section]]\nslug = \"desk%02d\"\ntitle = \"Desk %02d\"\nlimit = %d\n\n", k, k, p.Limit)
	}
	for s := range p.Sources {
		fmt.Fprintf(&b, "[[source]]\nid = %q\nurl = %q\ninterval = \"1h\"\nsections = [%q]\nmax_items = %d\n\n",
			SourceID(s), SourceURL(s), p.Section(s), p.perSource())
	}
	return b.String()
}

// Article is a site article (Markdown) filed under the first section,
// for the edit benchmark: revision changes its text, not its identity.
func Article(revision int) string {
	return fmt.Sprintf("+++\nid = \"harbour-notes\"\ntitle = \"Harbour notes\"\nstandfirst = \"What changed at the harbour.\"\npublished = 2026-11-30T13:00:00Z\nsections = [\"desk00\"]\n\n[[authors]]\nname = \"Flat Desk\"\n+++\n\nRevision %d of the harbour notes.\n", revision)
}
