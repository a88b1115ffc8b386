package source

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"syndicate/internal/config"
)

// benchWords is filler prose for generated articles.
var benchWords = strings.Fields(`the ministers met in the capital on tuesday to discuss
the draft accord on maritime security while delegations from the gulf states pressed
for guarantees on shipping lanes insurance premiums and naval escorts analysts said the
talks could stall over sanctions relief and the sequencing of inspections but officials
on both sides described the atmosphere as constructive and businesslike`)

func benchSentence(seed, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(benchWords[(seed*7+i*13)%len(benchWords)])
	}
	return b.String()
}

// benchArticle is an HTML body of about 3.5 KB: paragraphs with links,
// an image, a figure, a list, and every third article an inline script,
// a tracking pixel and an onclick for the sanitizer to remove.
func benchArticle(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><img src="/media/%d/lead.jpg" alt="%s" width="1200" height="675"><figcaption>%s</figcaption></figure>`,
		n, benchSentence(n, 6), benchSentence(n+1, 12))
	for p := range 6 {
		fmt.Fprintf(&b, `<p>%s <a href="https://news.example/world/%d-%d">%s</a> %s, <em>%s</em>.</p>`,
			benchSentence(n+p, 40), n, p, benchSentence(n+p+2, 4), benchSentence(n+p+3, 30), benchSentence(n+p+4, 5))
	}
	fmt.Fprintf(&b, `<ul><li>%s</li><li>%s</li><li><a href="/related/%d">%s</a></li></ul>`,
		benchSentence(n, 10), benchSentence(n+5, 10), n, benchSentence(n+6, 6))
	fmt.Fprintf(&b, `<blockquote cite="https://news.example/q/%d"><p>%s</p></blockquote>`, n, benchSentence(n+9, 25))
	if n%3 == 0 {
		fmt.Fprintf(&b, `<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"article":%d});</script>`, n)
		fmt.Fprintf(&b, `<img src="https://tracker.example/pixel.gif?a=%d" width="1" height="1" onload="track(this)">`, n)
		b.WriteString(`<p onclick="share()">Share this article</p>`)
	}
	return b.String()
}

// benchFeed is an RSS 2.0 feed of n items with ~3.5 KB bodies: about
// 200 KB for 50 items, the size of a busy news feed. Like most WordPress
// feeds it has its images inline only.
func benchFeed(n int, salt string) []byte { return benchFeedWith(n, salt, false) }

// benchFeedWith can also declare each item's lead image with media:content,
// as wire services do; gofeed then skips its HTML scan for an image.
func benchFeedWith(n int, salt string, media bool) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>Bench Wire: World</title>
<link>https://news.example/world</link>
<description>World news from the bench wire</description>
<language>en</language>
<ttl>15</ttl>
`)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&b, `<item>
<title>%s %s</title>
<link>https://news.example/world/2026/03/story-%d</link>
<guid isPermaLink="false">bench-%s-%d</guid>
<pubDate>%s</pubDate>
<dc:creator>Correspondent %d</dc:creator>
<category>World</category><category>Diplomacy</category>
<description>%s</description>%s
<content:encoded><![CDATA[%s]]></content:encoded>
</item>
`, strings.ToUpper(benchSentence(i, 1)), benchSentence(i+1, 8), i, salt, i,
			base.Add(-time.Duration(i)*time.Hour).Format(time.RFC1123Z), i%7,
			strings.ReplaceAll(strings.ReplaceAll("<p>"+benchSentence(i+2, 30)+" &amp; more</p>", "<", "&lt;"), ">", "&gt;"),
			mediaContent(media, i), benchArticle(i))
	}
	b.WriteString("</channel>\n</rss>\n")
	return b.Bytes()
}

func mediaContent(media bool, i int) string {
	if !media {
		return ""
	}
	return fmt.Sprintf("\n<media:content url=\"https://news.example/media/%d/lead.jpg\" type=\"image/jpeg\" medium=\"image\" fileSize=\"%d\"/>", i, 100000+i)
}

var benchVariants = []struct {
	name  string
	media bool
}{{"inline-images", false}, {"media-content", true}}

// BenchmarkPipeline is body bytes to normalized, sanitized items: charset
// check, CDATA lifting, gofeed's RSS parser and translator, normalizing,
// sanitizing, filters. No network, no hashing, no store.
func BenchmarkPipeline(b *testing.B) {
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			body := benchFeedWith(50, "p", v.media)
			src := &config.Source{ID: "bench", URL: "https://news.example/feed", Sections: []string{"world"}, MaxItems: 200}
			now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := process(body, "application/rss+xml; charset=utf-8", src.URL, src, now, nil)
				if err != nil || len(p.items) != 50 {
					b.Fatalf("process: %v", err)
				}
			}
		})
	}
}

// BenchmarkGofeedDefault is gofeed's default Parse alone on the same bytes.
func BenchmarkGofeedDefault(b *testing.B) {
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			body := benchFeedWith(50, "p", v.media)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil || len(f.Items) != 50 {
					b.Fatalf("parse: %v", err)
				}
			}
		})
	}
}

// BenchmarkCycle1000 times one polling cycle over 1,000 sources served by
// one loopback server, after a first cycle has primed the validators:
// half the sources then answer 304, the other half serve a changed
// 20-item feed that must be parsed, merged and stored.
//
// One loopback host stands in for 1,000 hosts, so PerHost is raised to
// Workers: the per-host bound would otherwise serialize the whole cycle
// in a way no real deployment would see.
func BenchmarkCycle1000(b *testing.B) {
	const nSources = 1000
	var round atomic.Int64
	feeds := [2][]byte{benchFeed(20, "a"), benchFeed(20, "b")}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/feed/%d", &n)
		etag := `"v1"`
		if n%2 == 1 {
			// Odd sources change on every cycle.
			etag = fmt.Sprintf(`"r%d"`, round.Load())
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(feeds[round.Load()%2])
	}))
	defer srv.Close()

	sources := make([]config.Source, nSources)
	for i := range sources {
		sources[i] = config.Source{
			ID: fmt.Sprintf("s%04d", i), URL: fmt.Sprintf("%s/feed/%d", srv.URL, i),
			Interval: config.Duration{Duration: time.Minute}, Sections: []string{"world"}, MaxItems: 50,
		}
	}
	fetch := config.Fetch{Workers: 32, PerHost: 32, Timeout: config.Duration{Duration: 30 * time.Second}}

	var peak atomic.Uint64
	sample := func(stop <-chan struct{}, wg *sync.WaitGroup) {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			for {
				old := peak.Load()
				if ms.HeapInuse <= old || peak.CompareAndSwap(old, ms.HeapInuse) {
					break
				}
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}

	ctx := context.Background()
	var base uint64
	var cpu time.Duration
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		st := newTestStore()
		changes := atomic.Int64{}
		p := NewPoller(Options{Sources: sources, Fetch: fetch, Store: st, States: st,
			OnChange: func(string) { changes.Add(1) }})
		round.Add(1)
		if err := p.Cycle(ctx); err != nil {
			b.Fatal(err)
		}
		round.Add(1)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base = ms.HeapInuse
		peak.Store(0)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go sample(stop, &wg)
		changes.Store(0)
		b.StartTimer()
		c0 := cpuTime()
		if err := p.Cycle(ctx); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		b.StopTimer()
		close(stop)
		wg.Wait()
		if got := changes.Load(); got != nSources/2 {
			b.Fatalf("second cycle changed %d sources, want %d", got, nSources/2)
		}
		its, _ := st.Items(ctx, "s0001")
		if len(its) != 40 {
			b.Fatalf("s0001 holds %d items, want 40", len(its))
		}
	}
	// Most of the heap is the items the store holds: 1,000 sources of 20
	// to 40 items with 3.5 KB bodies. base is that after the first cycle.
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(base)/(1<<20), "base-heap-MiB")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}
