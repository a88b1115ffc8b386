package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"syndicate/internal/config"
)

// The generated configuration is one config.Load accepts, with every
// source where the plan puts it.
func TestConfigLoads(t *testing.T) {
	p := defaultPlan()
	dir := t.TempDir()
	for _, redis := range []string{"", "redis://127.0.0.1:6399/0"} {
		text := p.config(endpoints{
			Listen: "127.0.0.1:18080", OpsListen: "127.0.0.1:18081", RedisURL: redis,
			ContentDir: filepath.Join(dir, "feeds"),
			URL:        func(s int) string { return "http://" + p.host(s) + ":9000/s/1/feed.xml" },
		})
		cfg, err := config.Parse(filepath.Join(dir, "config.toml"), []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Sources) != p.Sources || len(cfg.Sections) != p.Sections+1 {
			t.Fatalf("%d sources, %d sections; want %d, %d", len(cfg.Sources), len(cfg.Sections), p.Sources, p.Sections+1)
		}
		if cfg.Store.UsesRedis() != (redis != "") {
			t.Errorf("redis %q: UsesRedis %v", redis, cfg.Store.UsesRedis())
		}
		if cfg.Store.Timeout.Duration != 5*time.Second {
			t.Errorf("store timeout %v, want 5s", cfg.Store.Timeout.Duration)
		}
		if cfg.Fetch.Workers != 64 || !cfg.Fetch.AllowPrivate {
			t.Errorf("fetch %+v: want 64 workers, private addresses allowed", cfg.Fetch)
		}
		s := cfg.Sources[123]
		if s.MaxItems != p.PerFeed || s.Interval.Duration != time.Hour || !slices.Equal(s.Sections, []string{"desk03"}) {
			t.Errorf("source 123: %+v", s)
		}
	}
}

// Every item of a generation has its own date, every generation is newer
// than the last, and the sources spread over the hosts one in Hosts.
func TestPlanShape(t *testing.T) {
	p := defaultPlan()
	seen := map[time.Time]bool{}
	for s := range p.Sources {
		for j := range p.PerFeed {
			at := p.published(s, 1, j)
			if seen[at] {
				t.Fatalf("two items at %v", at)
			}
			seen[at] = true
			if !at.After(p.published((s+1)%p.Sources, 0, j)) {
				t.Fatalf("generation 1's item %d/%d is not newer than generation 0's", s, j)
			}
		}
	}
	if p.host(0) != "127.0.0.2" || p.host(99) != "127.0.0.101" || p.host(100) != "127.0.0.2" {
		t.Errorf("hosts %s %s %s", p.host(0), p.host(99), p.host(100))
	}
}

// A section's expected items are its newest Limit, newest first, from its
// own sources only, and drawn from many of them.
func TestExpected(t *testing.T) {
	p := defaultPlan()
	for _, tc := range []struct {
		slug    string
		sources int // at least this many distinct sources among the items
	}{{"latest", 30}, {"desk07", 20}} {
		t.Run(tc.slug, func(t *testing.T) {
			got := p.expected(tc.slug, 2)
			if len(got) != p.Limit {
				t.Fatalf("%d items, want %d", len(got), p.Limit)
			}
			from := map[int]bool{}
			var last time.Time
			for i, path := range got {
				var s, g, j int
				if _, err := fmt.Sscanf(path, "/s/%d/g%d/i%d", &s, &g, &j); err != nil {
					t.Fatal(err)
				}
				if g != 2 || (tc.slug != "latest" && p.section(s) != tc.slug) {
					t.Fatalf("item %s does not belong", path)
				}
				at := p.published(s, g, j)
				if i > 0 && !at.Before(last) {
					t.Fatalf("item %s is not older than the one before", path)
				}
				last, from[s] = at, true
			}
			if len(from) < tc.sources {
				t.Errorf("items from %d sources, want at least %d", len(from), tc.sources)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseRenderCounts(t *testing.T) {
	text := `# TYPE syndicate_render_duration_seconds histogram
syndicate_render_duration_seconds_bucket{section="latest",le="0.001"} 0
syndicate_render_duration_seconds_sum{section="latest"} 1.5
syndicate_render_duration_seconds_count{section="latest"} 12
syndicate_render_duration_seconds_count{section="desk01"} 3
syndicate_source_fetch_total{result="ok",source="wire0001"} 7
`
	got := parseRenderCounts(text)
	if len(got) != 2 || got["latest"] != 12 || got["desk01"] != 3 {
		t.Errorf("parseRenderCounts = %v", got)
	}
}
