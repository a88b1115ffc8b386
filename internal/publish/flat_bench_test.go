package publish

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/archivefixture"
	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/redistest"
	"syndicate/internal/render"
	"syndicate/internal/section"
	"syndicate/internal/store"
)

// BenchmarkFlatRender renders one section's current documents ("latest",
// 50 items: its page and its three feeds with their gzip and brotli
// copies, stored in the store) as a publish does, on Publishers that have
// published a store holding 1,000, 10,000 and 100,000 items of 100
// sources over 50 sections (archivefixture), with the memory store and
// with Redis. Each iteration renders once at every size, so that the
// ratios it reports (x10k and x100k against 1,000 items, the median of
// the iterations' ratios) compare work done moments apart on this noisy
// machine; ms-<size> is the median time at each size. The cost must not
// grow with the archive (issue 11). Item fragments are cached by render,
// as in every publish after the first.
func BenchmarkFlatRender(b *testing.B) {
	for _, kind := range []string{"memory", "redis"} {
		b.Run("store="+kind, func(b *testing.B) {
			sizes := archivefixture.Sizes
			if testing.Short() {
				sizes = sizes[:2]
			}
			renders := make([]func(), len(sizes))
			for i, n := range sizes {
				renders[i] = flatRender(b, flatPublisher(b, kind, n))
			}
			times := make([][]float64, len(sizes))
			b.ReportAllocs()
			for b.Loop() {
				for i, render := range renders {
					start := time.Now()
					render()
					times[i] = append(times[i], float64(time.Since(start)))
				}
			}
			for i, n := range sizes {
				b.ReportMetric(median(times[i])/1e6, fmt.Sprintf("ms-%d", n))
				if i > 0 {
					ratios := make([]float64, len(times[i]))
					for k := range ratios {
						ratios[k] = times[i][k] / times[0][k]
					}
					b.ReportMetric(median(ratios), fmt.Sprintf("x%dk", n/1000))
				}
			}
		})
	}
}

// flatRender returns a render of p's "latest" section as a publish does it.
func flatRender(b *testing.B, p *Publisher) func() {
	od := p.onDemand.Load()
	f := od.index.Feed(section.Key{Kind: section.KindSection, Slug: "latest"})
	docs := map[string]document.Document{}
	ctx := context.Background()
	return func() {
		sec, _ := feedSection(f, "")
		sec.Items, _ = p.hydrated(ctx, sec.Items, p.full, nil)
		sec.Months = pageMonths(f)
		if err := p.renderSection(ctx, docs, od.nav, sec); err != nil {
			b.Fatal(err)
		}
		if docs["/latest/feed.json"].Len(document.PartBody) == 0 {
			b.Fatal("nothing rendered")
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

// flatPublisher is a Publisher that has published a store holding
// archivefixture.New(n).
func flatPublisher(b *testing.B, kind string, n int) *Publisher {
	plan := archivefixture.New(n)
	dir := b.TempDir()
	e := archivefixture.Endpoints{BaseURL: "http://flat.example", ContentDir: dir}
	if kind == "redis" {
		e.RedisURL, e.Prefix = redistest.Start(b), redistest.Prefix(b)
	}
	ctx := context.Background()
	cfg, st, err := plan.Open(ctx, e, filepath.Join(dir, "config.toml"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	limits := map[string]int{}
	var sources []string
	for _, src := range cfg.Sources {
		limits[src.ID] = src.MaxItems
		sources = append(sources, src.ID)
	}
	p := New(Options{
		Site: render.Site{Title: cfg.Site.Title, BaseURL: cfg.Site.BaseURL, Language: cfg.Site.Language, TTL: cfg.Server.CacheMaxAge.Duration,
			TagAuthority: cfg.Site.TagAuthority, TagDate: cfg.Site.TagDate},
		Sections: cfg.Sections, TopicLimit: cfg.Content.TopicLimit, Sources: sources,
		Store: st, StoreTimeout: cfg.Store.Timeout.Duration, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := p.ReloadSources(ctx, limits); err != nil {
		b.Fatal(err)
	}
	if err := p.Publish(ctx, nil, nil); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkArticlePages publishes 10,000 site articles for the first time
// (start-up) as the Publisher does, article pages rendered on demand,
// against baseline-ahead: the same publish plus every article page
// rendered, as publishing did before. It reports the heap kept after
// each (live-MiB). See articlePages.
func BenchmarkArticlePages(b *testing.B) {
	const n = 10_000
	items := make([]item.Item, n)
	for k := range items {
		items[k] = article(fmt.Sprintf("a%05d", k), fmt.Sprintf("Article %d", k), 1+k%28, testSections[1+k%(len(testSections)-1)].Slug)
		items[k].ContentHTML = strings.Repeat("<p>Paragraph of an article, long enough to matter.</p>", 25)
	}
	for _, ahead := range []bool{false, true} {
		name := "on-demand"
		if ahead {
			name = "baseline-ahead"
		}
		b.Run(name, func(b *testing.B) {
			var live uint64
			for b.Loop() {
				p := New(Options{Site: testSite, Sections: testSections, Store: store.NewMemory(), StoreTimeout: testStoreTimeout,
					Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if err := p.Publish(context.Background(), items, nil); err != nil {
					b.Fatal(err)
				}
				pages := map[string]document.Document{}
				if ahead {
					od := p.onDemand.Load()
					for path, it := range od.articles {
						doc, err := render.ArticlePage(od.site, od.nav, it)
						if err != nil {
							b.Fatal(err)
						}
						pages[path] = doc
					}
				}
				b.StopTimer()
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				live = m.HeapAlloc
				runtime.KeepAlive(p)
				runtime.KeepAlive(pages)
				b.StartTimer()
			}
			b.ReportMetric(float64(live)/(1<<20), "live-MiB")
		})
	}
}
