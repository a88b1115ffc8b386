package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/feedtest"
)

// BenchmarkPipeline is body bytes to normalized, sanitized items: charset
// check, gofeed's RSS parser and translator, normalizing, filters,
// sanitizing. No network, no hashing, no store.
func BenchmarkPipeline(b *testing.B) {
	for _, media := range []bool{false, true} {
		b.Run(fmt.Sprintf("media=%v", media), func(b *testing.B) {
			body := feedtest.RSS(49, 50, "p", media)
			src := &config.Source{ID: "bench", URL: "https://news.example/feed", Sections: []string{"world"}, MaxItems: 200}
			now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := process(b.Context(), testBounds(), body, "application/rss+xml; charset=utf-8", src.URL, src, now, nil)
				if err != nil || len(p.items) != 50 {
					b.Fatalf("process: %v", err)
				}
			}
		})
	}
}

// BenchmarkPoll is one source's poll of a busy 200 KB feed that gained an
// item since the last poll: a gzipped loopback fetch, charset, parsing,
// normalizing, sanitizing, merging and storing in Memory. It is the path
// every parsing trick must be judged on.
func BenchmarkPoll(b *testing.B) {
	const windows = 64
	var packed [windows][]byte
	for k := range windows {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(feedtest.RSS(1000+k, 50, "poll", false))
		zw.Close()
		packed[k] = buf.Bytes()
	}
	var k atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(packed[k.Load()%windows])
	}))
	defer srv.Close()
	st := newTestStore()
	src := config.Source{ID: "bench", URL: srv.URL + "/feed", Interval: config.Duration{Duration: time.Minute}, Sections: []string{"world"}, MaxItems: 100}
	p := NewPoller(Options{Sources: []config.Source{src}, Fetch: config.Defaults().Fetch, Store: st, States: st})
	ctx := context.Background()
	for b.Loop() {
		k.Add(1)
		if err := p.PollOnce(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	if st.replaces() == 0 {
		b.Fatal("nothing stored")
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
	feeds := [2][]byte{feedtest.RSS(19, 20, "a", false), feedtest.RSS(19, 20, "b", false)}
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
	fetch := config.Defaults().Fetch
	fetch.PerHost = 32 // every source is on the one loopback host

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
		if err := p.Cycle(ctx); err != nil {
			b.Fatal(err)
		}
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
	b.ReportMetric(float64(base)/(1<<20), "base-heap-MiB")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}
