package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"syndicate/internal/archivefixture"
	"syndicate/internal/content"
	"syndicate/internal/redistest"
)

// discard is a ResponseWriter that keeps nothing, so that the request
// benchmark measures the handler, not a recorder's buffering.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// ReadFrom is what net/http's response writer has too: a body kept in an
// in-memory file is copied without a 32 KB buffer of its own per request,
// whose garbage made the request's cost grow with the heap, so with the
// archive (7 to 31 µs at 100,000 items against 5.5 µs at 1,000).
func (d *discard) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }

// BenchmarkFlat measures, on a store already holding 1,000, 10,000 and
// 100,000 items of 100 sources over 50 sections (archivefixture), with
// the memory store and with Redis:
//   - startup: an instance built on the populated store until it is
//     ready (App.Start returns once the first publish is done, which is
//     when /readyz turns 200), and the heap it then keeps (live-MiB);
//   - request: the cached latest feed answered with gzip: 50 items at
//     every size, where a section holds 20 at 1,000 items, and its
//     smaller document made requests at 1,000 items look cheaper;
//   - edit: one site article edited and published again.
//
// Rendering one section is BenchmarkFlatRender in internal/publish; the
// process-level start-up time and resident memory are `make flatbench`.
func BenchmarkFlat(b *testing.B) {
	for _, kind := range []string{"memory", "redis"} {
		for _, n := range archivefixture.Sizes {
			b.Run(fmt.Sprintf("store=%s/items=%d", kind, n), func(b *testing.B) { benchFlat(b, kind, n) })
		}
	}
}

// liveHeap is the heap in use after a full collection, in bytes.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func benchFlat(b *testing.B, kind string, n int) {
	if testing.Short() && n > 10_000 {
		b.Skip("100,000 items take a minute to set up; skipped under -short")
	}
	plan := archivefixture.New(n)
	dir := b.TempDir()
	feeds := filepath.Join(dir, "feeds")
	if err := os.MkdirAll(feeds, 0o755); err != nil {
		b.Fatal(err)
	}
	article := filepath.Join(feeds, "harbour-notes.md")
	if err := os.WriteFile(article, []byte(archivefixture.Article(0)), 0o644); err != nil {
		b.Fatal(err)
	}
	e := archivefixture.Endpoints{BaseURL: "http://flat.example", ContentDir: feeds, ContentPoll: "1h"}
	if kind == "redis" {
		e.RedisURL, e.Prefix = redistest.Start(b), redistest.Prefix(b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	cfg, st, err := plan.Open(ctx, e, filepath.Join(dir, "config.toml"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := func(ctx context.Context) *App {
		a := newApp(cfg, log, st)
		if _, err := a.Start(ctx); err != nil {
			b.Fatal(err)
		}
		return a
	}

	b.Run("startup", func(b *testing.B) {
		b.ReportAllocs()
		var live uint64
		for b.Loop() {
			ctx, stop := context.WithCancel(ctx)
			a := start(ctx)
			b.StopTimer()
			live = liveHeap()
			runtime.KeepAlive(a)
			stop()
			b.StartTimer()
		}
		// What an instance keeps once started: its documents and the
		// items' heads, not the archive's text.
		b.ReportMetric(float64(live)/(1<<20), "live-MiB")
	})

	a := start(ctx)
	b.Run("request", func(b *testing.B) {
		req := httptest.NewRequest("GET", "/latest/rss.xml", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		w := &discard{h: http.Header{}}
		a.Handler().ServeHTTP(w, req)
		if w.h.Get("Content-Encoding") != "gzip" {
			b.Fatalf("no gzip copy served: %v", w.h)
		}
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			a.Handler().ServeHTTP(w, req)
		}
	})
	b.Run("edit", func(b *testing.B) {
		b.ReportAllocs()
		rev := 0
		for b.Loop() {
			rev++
			if err := os.WriteFile(article, []byte(archivefixture.Article(rev)), 0o644); err != nil {
				b.Fatal(err)
			}
			items, problems := content.Load(a.content)
			if len(problems) > 0 || len(items) != 1 {
				b.Fatalf("article not loaded: %v", problems)
			}
			if err := a.publish(ctx, items, problems); err != nil {
				b.Fatal(err)
			}
		}
	})
}
