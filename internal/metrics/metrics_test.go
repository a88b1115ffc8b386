package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"syndicate/internal/document"
	"syndicate/internal/store"
)

func TestScrape(t *testing.T) {
	m := New()
	success := time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC)
	m.ObservePoll(store.SourceState{ID: "wire", Items: 40, LastSuccess: success},
		store.Poll{Outcome: "ok", DurationMS: 250})
	m.ObservePoll(store.SourceState{ID: "wire", Items: 42, LastSuccess: success.Add(time.Hour)},
		store.Poll{Outcome: "not_modified", DurationMS: 50})
	m.ObservePoll(store.SourceState{ID: "think-tank", ConsecutiveErrors: 3, LastError: "503 Service Unavailable"},
		store.Poll{Outcome: "error", DurationMS: 1500})
	// An outcome outside the fixed set must not create a new series.
	m.ObservePoll(store.SourceState{ID: "think-tank", ConsecutiveErrors: 4},
		store.Poll{Outcome: "surprise", DurationMS: 10})
	m.ObserveRender("asia", 3*time.Millisecond)
	m.ObserveRender("asia", 5*time.Millisecond)
	m.StoreError("put_document")
	m.SetStoreUp(true)
	m.SetStoreUp(false)
	rss := m.FeedRequestCounter("asia", "rss.xml", 200)
	rss.Inc()
	rss.Inc()
	m.FeedRequestCounter("asia", "rss.xml", 304).Inc()
	if m.FeedRequestCounter("asia", "rss.xml", 200) != rss {
		t.Error("FeedRequestCounter returned a different counter for the same labels")
	}

	sealed := document.Document{Body: make([]byte, document.FileMin)}.Seal()

	families := scrape(t, m.Handler())
	if got := families["syndicate_document_file_bytes"].GetMetric()[0].GetGauge().GetValue(); runtime.GOOS == "linux" && got < document.FileMin {
		t.Errorf("syndicate_document_file_bytes = %v with a sealed document of %d bytes held", got, document.FileMin)
	}
	runtime.KeepAlive(sealed)

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"syndicate_source_fetch_total", map[string]string{"source": "wire", "result": "ok"}, 1},
		{"syndicate_source_fetch_total", map[string]string{"source": "wire", "result": "not_modified"}, 1},
		{"syndicate_source_fetch_total", map[string]string{"source": "wire", "result": "error"}, 0},
		{"syndicate_source_fetch_total", map[string]string{"source": "wire", "result": "gone"}, 0},
		{"syndicate_source_fetch_total", map[string]string{"source": "think-tank", "result": "error"}, 2},
		{"syndicate_source_items", map[string]string{"source": "wire"}, 42},
		{"syndicate_source_consecutive_errors", map[string]string{"source": "think-tank"}, 4},
		{"syndicate_source_last_success_timestamp_seconds", map[string]string{"source": "wire"}, float64(success.Add(time.Hour).Unix())},
		{"syndicate_feed_requests_total", map[string]string{"section": "asia", "format": "rss.xml", "code": "200"}, 2},
		{"syndicate_feed_requests_total", map[string]string{"section": "asia", "format": "rss.xml", "code": "304"}, 1},
		{"syndicate_store_errors_total", map[string]string{"op": "put_document"}, 1},
		{"syndicate_store_up", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := value(families[tt.name], tt.labels)
			if !ok {
				t.Fatalf("no %s%v in the scrape", tt.name, tt.labels)
			}
			if got != tt.want {
				t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
			}
		})
	}

	t.Run("histograms", func(t *testing.T) {
		fetch := find(families["syndicate_source_fetch_duration_seconds"], map[string]string{"source": "wire"})
		if fetch == nil || fetch.GetHistogram().GetSampleCount() != 2 || math.Abs(fetch.GetHistogram().GetSampleSum()-0.3) > 1e-9 {
			t.Errorf("fetch duration of wire: %v, want 2 samples summing to 0.3s", fetch)
		}
		// Buckets are cumulative and their bounds inclusive: 50ms and
		// 250ms fall in le=0.05 and le=0.25.
		for _, b := range []struct {
			bound float64
			want  uint64
		}{{.05, 1}, {.1, 1}, {.25, 2}, {30, 2}} {
			if got := bucketCount(fetch, b.bound); got != b.want {
				t.Errorf("wire's fetch duration le=%v: %d, want %d", b.bound, got, b.want)
			}
		}
		render := find(families["syndicate_render_duration_seconds"], map[string]string{"section": "asia"})
		if render == nil || render.GetHistogram().GetSampleCount() != 2 {
			t.Errorf("render duration of asia: %v, want 2 samples", render)
		}
	})
	t.Run("bounded labels", func(t *testing.T) {
		for _, mt := range families["syndicate_source_fetch_total"].GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == "surprise" {
					t.Error("an unknown poll outcome became a label value")
				}
			}
		}
		if len(families["syndicate_source_fetch_total"].GetMetric()) != 10 {
			t.Errorf("%d fetch series, want 5 results × 2 sources", len(families["syndicate_source_fetch_total"].GetMetric()))
		}
	})
	t.Run("no success yet", func(t *testing.T) {
		if _, ok := value(families["syndicate_source_last_success_timestamp_seconds"], map[string]string{"source": "think-tank"}); ok {
			t.Error("a source that never succeeded has a last success timestamp")
		}
	})
	t.Run("runtime", func(t *testing.T) {
		for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_start_time_seconds"} {
			if families[name] == nil {
				t.Errorf("%s missing from the scrape", name)
			}
		}
	})
}

// TestSourceSeriesAreCompact holds the per-source series to a few hundred
// bytes a source: a fleet polls thousands, and client_golang's vectors
// took 3.7 kB a source.
func TestSourceSeriesAreCompact(t *testing.T) {
	const sources = 1000
	ids := make([]string, sources)
	for i := range ids {
		ids[i] = fmt.Sprintf("source-%04d", i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := New()
	for _, id := range ids {
		for _, outcome := range store.Outcomes {
			m.ObservePoll(store.SourceState{ID: id, Items: 20, LastSuccess: time.Now()},
				store.Poll{Outcome: outcome, DurationMS: 120})
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSource := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / sources
	t.Logf("%d bytes of heap per source", perSource)
	if perSource > 1000 {
		t.Errorf("%d bytes of heap per source, want under 1000", perSource)
	}
	runtime.KeepAlive(m)
}

// TestRegistriesAreSeparate guards against the global registry: two
// instances in one process (as in the multi-instance tests) must not
// panic on duplicate registration nor share counts.
func TestRegistriesAreSeparate(t *testing.T) {
	a, b := New(), New()
	a.StoreError("ping")
	families := scrape(t, b.Handler())
	if _, ok := value(families["syndicate_store_errors_total"], map[string]string{"op": "ping"}); ok {
		t.Error("an error counted in one Metrics shows in another")
	}
}

func TestFeedRequestCounterDoesNotAllocate(t *testing.T) {
	c := New().FeedRequestCounter("latest", "atom.xml", 200)
	if n := testing.AllocsPerRun(100, func() { c.Inc() }); n != 0 {
		t.Errorf("Inc allocates %v times", n)
	}
}

func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: %s\n%s", resp.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	return families
}

func find(f *dto.MetricFamily, labels map[string]string) *dto.Metric {
	for _, m := range f.GetMetric() {
		match := len(m.GetLabel()) == len(labels)
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if match {
			return m
		}
	}
	return nil
}

func value(f *dto.MetricFamily, labels map[string]string) (float64, bool) {
	m := find(f, labels)
	switch {
	case m == nil:
		return 0, false
	case m.Counter != nil:
		return m.GetCounter().GetValue(), true
	case m.Gauge != nil:
		return m.GetGauge().GetValue(), true
	}
	return 0, false
}

// bucketCount is the cumulative count of histogram m's bucket with the
// upper bound le.
func bucketCount(m *dto.Metric, le float64) uint64 {
	for _, b := range m.GetHistogram().GetBucket() {
		if b.GetUpperBound() == le {
			return b.GetCumulativeCount()
		}
	}
	return 0
}
