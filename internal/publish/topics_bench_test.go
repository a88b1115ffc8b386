package publish

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/render"
	"syndicate/internal/section"
	"syndicate/internal/server"
	"syndicate/internal/store"
)

// BenchmarkTopics starts a publication of 100,000 articles twice, once
// with 10 tags and once with 10,000, each in a process of its own so that
// resident memory is the process's, and reports the second against the
// first: start-up (the first publish, which renders what is rendered
// ahead) and resident memory after it, and the part of start-up that
// depends on tags (grouping them, the least of three runs). Start-up is
// reported in CPU time as well as wall time: the two processes run one
// after the other, and on a shared machine wall time measures the
// neighbours as much as the work.
//
// With 10,000 tags it also reports requests through the server: the
// median of cold tag-feed requests, for tags picked at random and for
// tags with a full current document, and a warm tag-feed request against
// a warm section-feed request, alternated in rounds (the median round).
// Last, the choice to render tag documents on demand: what rendering
// every tag's current documents ahead would add to start-up, projected
// from a random sample of 500 tags.
//
// Articles are 1-2 KB of HTML with one image, two of 200 writers and
// three tags each, one every 50 minutes back from October 2026 (so over
// nine and a half years), in one of four sections; tags are drawn from a
// Zipf distribution, as a publication's are, so a few are on thousands
// of articles and most on a handful.
func BenchmarkTopics(b *testing.B) {
	if testing.Short() {
		b.Skip("starts two processes of 100,000 articles each")
	}
	for b.Loop() {
		few, many := topicsChild(b, 10), topicsChild(b, 10000)
		b.ReportMetric(few.StartupCPUMS, "startup-cpu-ms-10tags")
		b.ReportMetric(many.StartupCPUMS, "startup-cpu-ms-10ktags")
		b.ReportMetric(many.StartupCPUMS/few.StartupCPUMS, "startup-cpu-ratio")
		b.ReportMetric(many.StartupMS/few.StartupMS, "startup-wall-ratio")
		b.ReportMetric(float64(few.RSS)/(1<<20), "rss-MB-10tags")
		b.ReportMetric(float64(many.RSS)/(1<<20), "rss-MB-10ktags")
		b.ReportMetric(float64(many.RSS)/float64(few.RSS), "rss-ratio")
		b.ReportMetric(float64(many.PeakRSS)/float64(few.PeakRSS), "peak-rss-ratio")
		b.ReportMetric(many.TopicsCPUMS/few.TopicsCPUMS, "topics-cpu-ratio")
		b.ReportMetric(many.TopicsCPUMS, "topics-cpu-ms-10ktags")
		b.ReportMetric(many.ColdMS, "cold-ms-median")
		b.ReportMetric(many.ColdFullMS, "cold-full-ms-median")
		b.ReportMetric(many.WarmTagNS, "warm-tag-ns")
		b.ReportMetric(many.WarmSectionNS, "warm-section-ns")
		b.ReportMetric(many.WarmRatio, "warm-ratio")
		b.ReportMetric(many.WarmAllocs, "warm-tag-allocs")
		b.ReportMetric(many.EagerCPUMS, "eager-cpu-ms-10ktags")
		b.ReportMetric(many.EagerCPUMS/many.StartupCPUMS, "eager-over-startup")
	}
}

// topicsResult is what a child reports on its one line of output.
type topicsResult struct {
	StartupMS, StartupCPUMS, TopicsCPUMS float64
	RSS, PeakRSS                         int64
	ColdMS, ColdFullMS                   float64
	WarmTagNS, WarmSectionNS, WarmAllocs float64
	WarmRatio                            float64
	EagerCPUMS                           float64
}

const topicsEnv = "SYNDICATE_BENCH_TOPICS"

func topicsChild(b *testing.B, tags int) topicsResult {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTopicsChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), topicsEnv+"="+strconv.Itoa(tags))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child with %d tags: %v\n%s\n%s", tags, err, out, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "topics-result "); ok {
			var r topicsResult
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				b.Fatal(err)
			}
			return r
		}
	}
	b.Fatalf("child with %d tags reported nothing:\n%s", tags, out)
	return topicsResult{}
}

// TestTopicsChild is BenchmarkTopics's child process; run alone it skips.
func TestTopicsChild(t *testing.T) {
	tags, err := strconv.Atoi(os.Getenv(topicsEnv))
	if err != nil {
		t.Skip("BenchmarkTopics runs this in a process of its own")
	}
	items := topicsArticles(100000, tags)
	var r topicsResult
	runtime.GC()

	p := New(Options{
		Site: testSite, Sections: topicsSections, TopicLimit: config.DefaultLimit, StoreTimeout: testStoreTimeout,
		Store: store.NewMemory(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	srv := server.New(server.Options{CacheMaxAge: time.Minute, Render: p.Render, OnDemandBytes: config.Defaults().Server.RenderCacheBytes})
	p.OnPublish(srv.Update)
	p.OnStale(srv.Forget)
	start, cpu := time.Now(), cpuTime()
	if err := p.Publish(context.Background(), items, nil); err != nil {
		t.Fatal(err)
	}
	r.StartupMS, r.StartupCPUMS = ms(time.Since(start)), ms(cpuTime()-cpu)
	runtime.GC()
	debug.FreeOSMemory()
	r.RSS, r.PeakRSS = residentMemory(t)

	// The least of three: a neighbour's burst only ever adds.
	var topics *section.Topics
	for i := range 3 {
		cpu = cpuTime()
		topics = section.NewTopics(items, config.DefaultLimit)
		if d := ms(cpuTime() - cpu); i == 0 || d < r.TopicsCPUMS {
			r.TopicsCPUMS = d
		}
	}

	// Cold requests: tags drawn at random, and tags with a full current
	// document, each requested once in one format.
	rng := rand.New(rand.NewPCG(3, 4))
	var all, full []*section.Feed
	all = topics.Tags
	for _, f := range all {
		if len(f.Items) > config.DefaultLimit {
			full = append(full, f)
		}
	}
	cold := func(feeds []*section.Feed, n int, format string) float64 {
		var times []time.Duration
		for _, i := range rng.Perm(len(feeds))[:min(n, len(feeds))] {
			path := section.Doc{Key: feeds[i].Key}.Dir() + format
			start := time.Now()
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			times = append(times, time.Since(start))
			if w.Code != 200 {
				t.Fatalf("GET %s: %d", path, w.Code)
			}
		}
		slices.Sort(times)
		return ms(times[len(times)/2])
	}
	r.ColdMS = cold(all, 200, render.FormatAtom)
	r.ColdFullMS = cold(full, 200, render.FormatRSS)

	// Warm requests, alternated in rounds so that a busy machine slows
	// both alike; the median round stands for them.
	tagPath := section.Doc{Key: full[0].Key}.Dir() + render.FormatAtom
	sectionPath := "/asia/" + render.FormatAtom
	warm := func(path string, n int) time.Duration {
		req := httptest.NewRequest("GET", path, nil)
		w := &discard{h: http.Header{}}
		start := time.Now()
		for range n {
			clear(w.h)
			srv.ServeHTTP(w, req)
		}
		return time.Since(start)
	}
	warm(tagPath, 1)
	const rounds, perRound = 41, 10000
	var tagTimes, sectionTimes, ratios []float64
	for range rounds {
		tag, sec := warm(tagPath, perRound), warm(sectionPath, perRound)
		tagTimes = append(tagTimes, float64(tag.Nanoseconds())/perRound)
		sectionTimes = append(sectionTimes, float64(sec.Nanoseconds())/perRound)
		ratios = append(ratios, float64(tag)/float64(sec))
	}
	median := func(xs []float64) float64 { slices.Sort(xs); return xs[len(xs)/2] }
	r.WarmTagNS, r.WarmSectionNS, r.WarmRatio = median(tagTimes), median(sectionTimes), median(ratios)
	req, w := httptest.NewRequest("GET", tagPath, nil), &discard{h: http.Header{}}
	r.WarmAllocs = testing.AllocsPerRun(1000, func() { clear(w.h); srv.ServeHTTP(w, req) })

	// What rendering ahead would cost: every tag's current feeds and
	// page, projected from a sample of 500 tags drawn at random.
	sample := rng.Perm(len(all))[:min(500, len(all))]
	cpu = cpuTime()
	for _, i := range sample {
		dir := section.Doc{Key: all[i].Key}.Dir()
		for _, file := range append([]string{""}, render.FeedFormats...) {
			if _, ok := p.Render(dir + file); !ok {
				t.Fatalf("render %s", dir+file)
			}
		}
	}
	r.EagerCPUMS = ms(cpuTime()-cpu) * float64(len(all)) / float64(len(sample))

	line, _ := json.Marshal(r)
	fmt.Printf("topics-result %s\n", line)
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cpuTime is the CPU time the process has used, on every thread.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// residentMemory reads the process's resident set and its peak.
func residentMemory(t *testing.T) (rss, peak int64) {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak
}

var topicsSections = []config.Section{
	{Slug: "latest", Title: "Latest", Limit: 50},
	{Slug: "middle-east", Title: "Middle East", Limit: 50},
	{Slug: "washington", Title: "Washington", Limit: 50},
	{Slug: "asia", Title: "Asia", Limit: 50},
	{Slug: "analysis", Title: "Analysis", Limit: 50},
}

// topicsArticles makes n articles tagged from a vocabulary of tags names.
func topicsArticles(n, tags int) []item.Item {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(tags-1))
	words := strings.Fields("port tanker strait sanction reactor ballot pipeline treaty summit tariff border militia grain drone cable chip")
	sentence := func(k int) string {
		var s strings.Builder
		for i := range k {
			if i > 0 {
				s.WriteByte(' ')
			}
			s.WriteString(words[rng.IntN(len(words))])
		}
		return s.String()
	}
	newest := time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC)
	items := make([]item.Item, n)
	for i := range items {
		t := newest.Add(-time.Duration(i) * 50 * time.Minute)
		id := fmt.Sprintf("story-%d", i)
		var body strings.Builder
		for range 4 + rng.IntN(4) {
			fmt.Fprintf(&body, "<p>%s, <a href=\"https://news.example/x/%d\">%s</a>.</p>\n", sentence(24), rng.IntN(1000), sentence(4))
		}
		tagSet := map[string]bool{}
		var itemTags []string
		for len(itemTags) < min(3, tags) {
			name := fmt.Sprintf("Topic %d", zipf.Uint64())
			if !tagSet[name] {
				tagSet[name] = true
				itemTags = append(itemTags, name)
			}
		}
		items[i] = item.Item{
			ID: "tag:news.example,2026-01-01:article/" + id, URL: "https://news.example/articles/" + id + "/",
			Title: sentence(8), Summary: sentence(20), ContentHTML: body.String(),
			Authors:  []item.Person{{Name: fmt.Sprintf("Writer %d", rng.IntN(200))}, {Name: fmt.Sprintf("Writer %d", rng.IntN(200))}},
			Sections: []string{topicsSections[1+i%4].Slug}, Tags: itemTags,
			Image:     &item.Image{URL: "https://news.example/media/" + id + ".jpg", Type: "image/jpeg", Length: 100000},
			Published: t, Updated: t,
		}
	}
	return items
}
