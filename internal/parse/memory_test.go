package parse

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/feedtest"
)

// heapObjects is the heap the process holds in objects, live or not yet
// collected: what the process needs from the system for them.
const heapObjects = "/memory/classes/heap/objects:bytes"

// peakHeap runs f and returns the most heap seen above what was in use
// before, sampled every 100µs.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: heapObjects}}
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return max(peak.Load(), base) - base
}

// shape is a document made of one unit repeated: the worst documents found
// for each way gofeed spends memory.
type shape struct{ name, head, unit, tail string }

const dcHead = `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>`

var worstShapes = []shape{
	{"RSS items holding a Dublin Core element", dcHead, "<item><dc:creator/></item>", "</channel></rss>"},
	{"empty RSS items", dcHead, "<item/>", "</channel></rss>"},
	{"empty Atom entries", `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>`, "<entry/>", "</feed>"},
	{"empty JSON Feed items", `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{}`, ",{}", "]}"},
	{"extension elements 250 deep", rssHead, strings.Repeat("<a:b>", 250) + strings.Repeat("</a:b>", 250), rssTail},
	{"extension attributes", rssHead + "<a:b ", `a:c="" `, "/>" + rssTail},
}

// doc is the shape with n units.
func (s shape) doc(n int) []byte {
	return []byte(s.head + strings.Repeat(s.unit, n) + s.tail)
}

// sized is the largest document of the shape whose estimated cost is at
// most cost, and no larger than limit bytes.
func (s shape) sized(t testing.TB, cost int64, limit int) []byte {
	t.Helper()
	nodes := func(n int) int64 {
		k, err := measure(s.doc(n), 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		return int64(k)
	}
	base := int64(len(s.head)+len(s.tail))*byteCost + nodes(0)*nodeCost
	per := int64(len(s.unit))*byteCost + (nodes(1)-nodes(0))*nodeCost
	n := int((cost - base) / per)
	n = min(n, (limit-len(s.head)-len(s.tail))/len(s.unit))
	return s.doc(n)
}

// parseBounded does what the poller does with a body: admit it, parse it
// and sanitize every item's content, then release its share.
func parseBounded(ctx context.Context, b *Bounds, body []byte) error {
	release, err := b.Admit(ctx, body)
	if err != nil {
		return err
	}
	defer release()
	f, err := Parse(body, Options{SourceID: "s", URL: "https://up.example/feed", Now: t0})
	if err != nil {
		return err
	}
	for i := range f.Entries {
		f.Entries[i].Item.ContentHTML = f.Entries[i].Content.HTML()
	}
	runtime.KeepAlive(f)
	return nil
}

// twoAtOnce parses two bodies concurrently and returns the peak heap.
func twoAtOnce(t testing.TB, b *Bounds, x, y []byte) uint64 {
	return peakHeap(func() {
		var wg sync.WaitGroup
		for _, body := range [][]byte{x, y} {
			wg.Go(func() {
				if err := parseBounded(context.Background(), b, body); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	})
}

// No two upstreams take the process past fetch.parse_memory: two of the
// worst documents that fit the budget, parsed at once, peak below it,
// whether each takes half the budget (and both run) or all of it (and
// one waits).
func TestParseMemoryWithinBudget(t *testing.T) {
	if testing.Short() || slowdown > 1 {
		t.Skip("parses hundreds of megabytes; its figures mean nothing under the race detector")
	}
	f := config.Defaults().Fetch
	for _, s := range worstShapes {
		for _, share := range []int64{2, 1} {
			t.Run(fmt.Sprintf("%s, 1/%d of the budget each", s.name, share), func(t *testing.T) {
				b := NewBounds(f.MaxDepth, f.ParseMemory)
				doc := s.sized(t, f.ParseMemory/share, int(f.MaxBodyBytes))
				if peak := twoAtOnce(t, b, doc, doc); peak >= uint64(f.ParseMemory) {
					t.Errorf("two documents of %d bytes peaked at %d MiB, over the %d MiB budget", len(doc), peak>>20, f.ParseMemory>>20)
				} else {
					t.Logf("two documents of %d KiB: peak %d MiB of %d", len(doc)>>10, peak>>20, f.ParseMemory>>20)
				}
			})
		}
	}
	// A news feed as large as the body limit allows fits the budget.
	big := feedtest.RSS(2000, 2000, "p", true)
	if len(big) > int(f.MaxBodyBytes) {
		t.Fatalf("the news feed has %d bytes, over the body limit", len(big))
	}
	if err := parseBounded(context.Background(), NewBounds(f.MaxDepth, f.ParseMemory), big); err != nil {
		t.Errorf("a %d-byte news feed: %v", len(big), err)
	}
}

// BenchmarkParseMemory parses two of the worst documents at once, each
// filling the body limit, without bounds and with the default ones, and
// reports the peak heap. The deep document is the one of issue 10: over
// 900,000 nested extension elements in 10 MiB.
func BenchmarkParseMemory(b *testing.B) {
	f := config.Defaults().Fetch
	limit := int(f.MaxBodyBytes)
	docs := map[string][]byte{
		"deep":        nested((limit - len(rssHead) - len(rssTail) - 1) / len("<a:b></a:b>")),
		"empty items": worstShapes[1].sized(b, 1<<40, limit),
	}
	for name, doc := range docs {
		b.Run(name+"/unbounded", func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				peak = max(peak, peakHeap(func() {
					var wg sync.WaitGroup
					for range 2 {
						wg.Go(func() { Parse(doc, Options{SourceID: "s", URL: "https://up.example/feed", Now: t0}) })
					}
					wg.Wait()
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
		b.Run(name+"/bounded", func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				bounds := NewBounds(f.MaxDepth, f.ParseMemory)
				peak = max(peak, peakHeap(func() {
					var wg sync.WaitGroup
					for range 2 {
						wg.Go(func() { parseBounded(context.Background(), bounds, doc) }) // refused
					}
					wg.Wait()
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
	// The worst documents the default bounds admit, two at once.
	for _, s := range worstShapes {
		doc := s.sized(b, f.ParseMemory, limit)
		b.Run("admitted/"+s.name, func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				peak = max(peak, twoAtOnce(b, NewBounds(f.MaxDepth, f.ParseMemory), doc, doc))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(f.ParseMemory)/(1<<20), "budget-MiB")
		})
	}
}
