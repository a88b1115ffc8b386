package source

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/store"
)

type rssEntry struct {
	guid, title, date, desc string
	cats                    []string
}

// rssDoc writes a small RSS 2.0 feed; an empty date leaves pubDate out.
func rssDoc(entries ...rssEntry) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test Wire</title><link>https://test.example/</link><description>d</description>`)
	for _, e := range entries {
		fmt.Fprintf(&b, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><link>https://test.example/%s</link>",
			html.EscapeString(e.guid), html.EscapeString(e.title), e.guid)
		if e.date != "" {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", e.date)
		}
		for _, c := range e.cats {
			fmt.Fprintf(&b, "<category>%s</category>", html.EscapeString(c))
		}
		fmt.Fprintf(&b, "<description>%s</description></item>", html.EscapeString(e.desc))
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

func day(d int) string {
	return time.Date(2026, 10, d, 9, 0, 0, 0, time.UTC).Format(time.RFC1123Z)
}

func TestDedupWithinSource(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/feed", "application/rss+xml", rssDoc(
		rssEntry{guid: "a", title: "First A", date: day(3)},
		rssEntry{guid: "b", title: "B", date: day(2)},
		rssEntry{guid: "a", title: "Second A", date: day(4)},
	))
	h.start(fastFetch(), h.src("t", "/feed"))
	h.mustPoll("t")
	got := h.items("t")
	if !slices.Equal(ids(got), []string{"t/a", "t/b"}) {
		t.Fatalf("ids %v", ids(got))
	}
	if got[0].Title != "First A" {
		t.Errorf("kept %q, want the first occurrence", got[0].Title)
	}
}

func TestIncludeExclude(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/feed", "application/rss+xml", rssDoc(
		rssEntry{guid: "1", title: "New sanctions on shipping", date: day(5)},
		rssEntry{guid: "2", title: "Election results", desc: "Includes sanctions debate", date: day(4)},
		rssEntry{guid: "3", title: "Cup final", cats: []string{"Sanctions"}, date: day(3)},
		rssEntry{guid: "4", title: "Sanctions and sport", desc: "football", date: day(2)},
		rssEntry{guid: "5", title: "Weather", date: day(1)},
	))
	src := h.src("t", "/feed")
	src.IncludeRE = []*regexp.Regexp{regexp.MustCompile(`(?i)sanctions`), regexp.MustCompile(`^Weather$`)}
	src.ExcludeRE = []*regexp.Regexp{regexp.MustCompile(`(?i)football`)}
	h.start(fastFetch(), src)
	h.mustPoll("t")
	if got := ids(h.items("t")); !slices.Equal(got, []string{"t/1", "t/2", "t/3"}) {
		t.Errorf("ids %v", got)
	}
	// ^Weather$ is matched against title, summary and tags joined by
	// newlines, and does not match a line: only a whole-text match.
}

func TestFutureDateClamped(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/feed", "application/rss+xml", rssDoc(
		rssEntry{guid: "f", title: "From the future", date: "Mon, 01 Jan 2035 00:00:00 GMT"},
	))
	h.start(fastFetch(), h.src("t", "/feed"))
	h.mustPoll("t")
	if got := h.items("t")[0].Published; !got.Equal(t0) {
		t.Errorf("published %v, want the fetch time %v", got, t0)
	}
	h.clock.Advance(time.Hour)
	h.srv.serve("/feed", "application/rss+xml", rssDoc(
		rssEntry{guid: "f", title: "From the future", date: "Mon, 01 Jan 2035 00:00:00 GMT"},
		rssEntry{guid: "g", title: "Today", date: day(14)},
	))
	h.mustPoll("t")
	for _, it := range h.items("t") {
		if it.ID == "t/f" && (!it.Published.Equal(t0) || !it.Updated.Equal(t0)) {
			t.Errorf("clamped date moved to %v / %v on the next poll", it.Published, it.Updated)
		}
	}
}

func TestMissingDateStable(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/feed", "application/rss+xml", rssDoc(
		rssEntry{guid: "u1", title: "Undated one"},
		rssEntry{guid: "u2", title: "Undated two"},
	))
	h.start(fastFetch(), h.src("t", "/feed"))
	h.mustPoll("t")
	first := h.items("t")
	if !slices.Equal(ids(first), []string{"t/u1", "t/u2"}) {
		t.Fatalf("undated items lost the feed's order: %v", ids(first))
	}
	h.clock.Advance(3 * time.Hour)
	h.srv.serve("/feed", "application/rss+xml", rssDoc(
		rssEntry{guid: "u0", title: "Undated newcomer"},
		rssEntry{guid: "u1", title: "Undated one"},
		rssEntry{guid: "u2", title: "Undated two"},
	))
	h.mustPoll("t")
	second := h.items("t")
	if !slices.Equal(ids(second), []string{"t/u0", "t/u1", "t/u2"}) {
		t.Fatalf("ids %v", ids(second))
	}
	for i, id := range []string{"t/u1", "t/u2"} {
		if !second[i+1].Published.Equal(first[i].Published) {
			t.Errorf("%s: published moved from %v to %v", id, first[i].Published, second[i+1].Published)
		}
	}
	if !second[0].Published.Equal(h.clock.Now()) {
		t.Errorf("newcomer published %v, want the time first seen", second[0].Published)
	}
}

func TestRetention(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/feed", "application/rss+xml", rssDoc(
		rssEntry{guid: "3", title: "three", date: day(3)},
		rssEntry{guid: "2", title: "two", date: day(2)},
		rssEntry{guid: "1", title: "one", date: day(1)},
	))
	src := h.src("t", "/feed")
	src.MaxItems = 3
	h.start(fastFetch(), src)
	h.mustPoll("t")
	if got := ids(h.items("t")); !slices.Equal(got, []string{"t/3", "t/2", "t/1"}) {
		t.Fatalf("ids %v", got)
	}
	// 3 left the feed: it stays until pushed out; 4 and 5 push out 1 and 2.
	h.srv.serve("/feed", "application/rss+xml", rssDoc(
		rssEntry{guid: "5", title: "five", date: day(5)},
		rssEntry{guid: "4", title: "four", date: day(4)},
		rssEntry{guid: "2", title: "two", date: day(2)},
	))
	h.mustPoll("t")
	if got := ids(h.items("t")); !slices.Equal(got, []string{"t/5", "t/4", "t/3"}) {
		t.Errorf("ids %v, want newest first, capped at 3", got)
	}
	st := h.state("t")
	if st.Items != 3 || st.History[len(st.History)-1].NewItems != 2 || !st.LastNewItem.Equal(t0) {
		t.Errorf("state: %d items, %d new, last new item %v", st.Items, st.History[len(st.History)-1].NewItems, st.LastNewItem)
	}
}

func TestRetentionUndatedBeyondMax(t *testing.T) {
	// With undated items the feed's order decides; items beyond max_items
	// must not flip in and out on every poll.
	h := newHarness(t)
	var entries []rssEntry
	for i := range 5 {
		entries = append(entries, rssEntry{guid: fmt.Sprint(i), title: fmt.Sprint("n", i)})
	}
	h.srv.serve("/feed", "application/rss+xml", rssDoc(entries...))
	src := h.src("t", "/feed")
	src.MaxItems = 3
	h.start(fastFetch(), src)
	h.mustPoll("t")
	want := []string{"t/0", "t/1", "t/2"}
	if got := ids(h.items("t")); !slices.Equal(got, want) {
		t.Fatalf("ids %v", got)
	}
	h.clock.Advance(time.Hour)
	h.srv.serve("/feed", "application/rss+xml", rssDoc(append(entries, rssEntry{guid: "x", title: "tail"})...))
	h.mustPoll("t")
	if got := ids(h.items("t")); !slices.Equal(got, want) {
		t.Errorf("after another poll ids %v, want %v", got, want)
	}
}

func atomDoc(updated, content string) []byte {
	return []byte(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Edits</title><id>tag:edits.example,2026:feed</id>
<updated>` + updated + `</updated><link href="https://edits.example/"/>
<entry><title>Evolving story</title><id>tag:edits.example,2026:story</id><link href="https://edits.example/story"/>
<published>2026-10-14T08:00:00Z</published><updated>` + updated + `</updated>
<content type="html">` + html.EscapeString(content) + `</content></entry></feed>`)
}

func TestEditedItemKeepsID(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/atom", "application/atom+xml", atomDoc("2026-10-14T08:00:00Z", "<p>First version.</p>"))
	h.start(fastFetch(), h.src("e", "/atom"))
	h.mustPoll("e")
	before := h.items("e")
	h.srv.serve("/atom", "application/atom+xml", atomDoc("2026-10-14T12:30:00Z", "<p>Corrected version.</p>"))
	h.clock.Advance(time.Hour)
	h.mustPoll("e")
	after := h.items("e")
	if len(before) != 1 || len(after) != 1 {
		t.Fatalf("items %d then %d", len(before), len(after))
	}
	a := after[0]
	if a.ID != before[0].ID || a.ID != "tag:edits.example,2026:story" {
		t.Errorf("id changed: %q -> %q", before[0].ID, a.ID)
	}
	if !a.Updated.Equal(date("2026-10-14T12:30:00Z")) || !a.Published.Equal(before[0].Published) {
		t.Errorf("published %v updated %v", a.Published, a.Updated)
	}
	if a.ContentHTML != "<p>Corrected version.</p>" {
		t.Errorf("content %q", a.ContentHTML)
	}
	if h.changes() != 2 {
		t.Errorf("OnChange called %d times, want 2", h.changes())
	}
	if n := h.state("e").History[1].NewItems; n != 0 {
		t.Errorf("an edit counted as %d new items", n)
	}
}

func TestHistoryCapped(t *testing.T) {
	h := newHarness(t)
	h.srv.handle("/feed", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	h.start(fastFetch(), h.src("t", "/feed"))
	for range 60 {
		h.poll("t")
	}
	if n := len(h.state("t").History); n != 50 {
		t.Errorf("history holds %d polls", n)
	}
}

func TestRestartAppliesChangedConfig(t *testing.T) {
	h := newHarness(t)
	body := fixture(t, "rss2.xml")
	h.srv.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	})
	src := h.src("wire", "/feed")
	h.start(fastFetch(), src)
	h.mustPoll("wire")

	// A restart with other sections, a title and an exclude filter: the
	// upstream only says 304, yet the stored items must follow the config.
	src.Sections = []string{"gulf"}
	src.Title = "Wire (Gulf)"
	src.ExcludeRE = []*regexp.Regexp{regexp.MustCompile(`(?i)escorts`)}
	h.start(fastFetch(), src)
	h.mustPoll("wire")
	if got := h.state("wire").History[1].Outcome; got != "not_modified" {
		t.Fatalf("outcome %s", got)
	}
	items := h.items("wire")
	if len(items) != 2 {
		t.Fatalf("%d items after the exclude filter", len(items))
	}
	for _, it := range items {
		if !slices.Equal(it.Sections, []string{"gulf"}) || it.Origin.Title != "Wire (Gulf)" {
			t.Errorf("%s: sections %v, origin title %q", it.ID, it.Sections, it.Origin.Title)
		}
	}
	if h.changes() != 2 {
		t.Errorf("OnChange called %d times", h.changes())
	}
	h.mustPoll("wire")
	if h.changes() != 2 {
		t.Errorf("a later 304 reported a change")
	}
}

func TestStoreLostItemsRefetches(t *testing.T) {
	h := newHarness(t)
	h.srv.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(fixture(t, "rss2.xml"))
	})
	h.start(fastFetch(), h.src("wire", "/feed"))
	h.mustPoll("wire")
	h.st.ReplaceItems(context.Background(), "wire", nil)
	h.start(fastFetch(), h.src("wire", "/feed"))
	h.mustPoll("wire")
	if n := len(h.items("wire")); n != 3 {
		t.Errorf("%d items after a restart with an emptied store", n)
	}
}

func TestCycleAndBounds(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	inFlight, maxInFlight := map[string]int{}, map[string]int{}
	total, maxTotal := 0, 0
	body := fixture(t, "rss2.xml")
	h.srv.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight[r.Host]++
		total++
		maxInFlight[r.Host] = max(maxInFlight[r.Host], inFlight[r.Host])
		maxTotal = max(maxTotal, total)
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight[r.Host]--
		total--
		mu.Unlock()
		w.Write(body)
	})
	port := h.srv.URL[strings.LastIndexByte(h.srv.URL, ':'):]
	var srcs []config.Source
	for i := range 12 {
		s := h.src(fmt.Sprintf("s%d", i), "/feed")
		if i%2 == 1 {
			s.URL = "http://localhost" + port + "/feed"
		}
		srcs = append(srcs, s)
	}
	f := fastFetch()
	f.Workers, f.PerHost = 3, 2
	h.start(f, srcs...)
	if err := h.p.Cycle(t.Context()); err != nil {
		t.Fatal(err)
	}
	if h.srv.hitCount("/feed") != 12 {
		t.Errorf("%d fetches, want 12", h.srv.hitCount("/feed"))
	}
	if maxTotal > 3 || maxTotal < 2 {
		t.Errorf("max %d fetches at once, want at most 3 (workers)", maxTotal)
	}
	for host, n := range maxInFlight {
		if n > 2 {
			t.Errorf("%s: %d fetches at once, want at most 2 (per host)", host, n)
		}
	}
	if h.changes() != 12 {
		t.Errorf("OnChange called %d times", h.changes())
	}
}

func TestRun(t *testing.T) {
	srv := newFeedServer(t)
	srv.serve("/a", "application/rss+xml", rssDoc(rssEntry{guid: "a", title: "A", date: day(1)}))
	srv.handle("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	st := newTestStore()
	mk := func(id, path string) config.Source {
		return config.Source{ID: id, URL: srv.URL + path, Interval: config.Duration{Duration: time.Second}, Sections: []string{"world"}, MaxItems: config.DefaultMaxItems}
	}
	var mu sync.Mutex
	changed := map[string]int{}
	p := NewPoller(Options{
		Sources: []config.Source{mk("a", "/a"), mk("gone", "/gone")},
		Fetch:   fastFetch(), Store: st, States: st,
		OnChange: func(id string) { mu.Lock(); changed[id]++; mu.Unlock() },
	})
	ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3500*time.Millisecond {
		t.Errorf("Run returned %v after its context ended", took-2500*time.Millisecond)
	}
	if n := srv.hitCount("/a"); n < 2 || n > 4 {
		t.Errorf("a fetched %d times in 2.5s at a 1s interval", n)
	}
	if n := srv.hitCount("/gone"); n != 1 {
		t.Errorf("gone source fetched %d times", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if changed["a"] != 1 || changed["gone"] != 0 {
		t.Errorf("changes %v", changed)
	}
	s, _ := st.SourceState(context.Background(), "a")
	if s.Status != store.StatusOK || len(s.History) < 2 {
		t.Errorf("state %s, %d polls", s.Status, len(s.History))
	}
}

func TestPollOnceUnknownSource(t *testing.T) {
	h := newHarness(t)
	h.start(fastFetch())
	if err := h.poll("nope"); err == nil || !strings.Contains(err.Error(), `unknown source "nope"`) {
		t.Errorf("err = %v", err)
	}
}

// TestChangedBodySameItems: a body that changed around the same items
// (a rebuilt feed) stores nothing, and an edit of one item is stored,
// both decided against the stored heads, not the whole items.
func TestChangedBodySameItems(t *testing.T) {
	h := newHarness(t)
	entries := []rssEntry{
		{guid: "2", title: "two", date: day(2), desc: "Port talks resume."},
		{guid: "1", title: "one", date: day(1), desc: "Grain corridor reopens."},
	}
	h.srv.serve("/feed", "application/rss+xml", rssDoc(entries...))
	h.start(fastFetch(), h.src("t", "/feed"))
	h.mustPoll("t")
	replaces := h.st.replaces()

	h.clock.Advance(time.Hour)
	h.srv.serve("/feed", "application/rss+xml", append(rssDoc(entries...), "<!-- rebuilt -->"...))
	h.mustPoll("t")
	if h.st.replaces() != replaces || h.changes() != 1 {
		t.Errorf("same items in a new body stored again (%d replaces) or reported (%d changes)", h.st.replaces()-replaces, h.changes())
	}

	h.clock.Advance(time.Hour)
	entries[1].desc = "Grain corridor reopens after inspection."
	h.srv.serve("/feed", "application/rss+xml", rssDoc(entries...))
	h.mustPoll("t")
	if h.st.replaces() != replaces+1 || h.changes() != 2 {
		t.Fatalf("an edit made %d replaces and %d changes, want 1 and 2", h.st.replaces()-replaces, h.changes())
	}
	if got := h.items("t")[1].Summary; got != "Grain corridor reopens after inspection." {
		t.Errorf("stored summary %q", got)
	}
}

func TestMayKeep(t *testing.T) {
	at := func(id string, d int) item.Item {
		tm := time.Date(2026, 10, d, 9, 0, 0, 0, time.UTC)
		return item.Item{ID: id, Published: tm, Updated: tm}
	}
	tests := []struct {
		name          string
		fresh, stored []item.Item
		max           int
		want          []string
	}{
		{"every item replaced", []item.Item{at("d", 4), at("c", 3)}, []item.Item{at("b", 2), at("a", 1)}, 2, nil},
		{"room for the old ones", []item.Item{at("d", 4), at("c", 3)}, []item.Item{at("b", 2), at("a", 1)}, 3, []string{"b", "a"}},
		{"one still in the feed", []item.Item{at("c", 3), at("b", 2)}, []item.Item{at("b", 2), at("a", 1)}, 3, []string{"a"}},
		{"newer than the feed's", []item.Item{at("b", 2), at("a", 1)}, []item.Item{at("c", 3)}, 2, []string{"c"}},
		{"nothing stored", []item.Item{at("a", 1)}, nil, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, it := range mayKeep(tt.fresh, tt.stored, tt.max) {
				got = append(got, it.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("mayKeep = %v, want %v", got, tt.want)
			}
		})
	}
}

// Many sources due at once start their polls as slots free, not all at
// once: every poll waiting for a slot would be a goroutine, with the stack
// its store call grew.
func TestDuePollsStartAsSlotsFree(t *testing.T) {
	for _, mode := range []string{"cycle", "run"} {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t)
			body := fixture(t, "rss2.xml")
			var mu sync.Mutex
			before, peak := runtime.NumGoroutine(), 0
			h.srv.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				peak = max(peak, runtime.NumGoroutine()-before)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
				w.Write(body)
			})
			const sources = 60
			var srcs []config.Source
			for i := range sources {
				srcs = append(srcs, h.src(fmt.Sprintf("s%d", i), "/feed"))
			}
			h.start(fastFetch(), srcs...) // one host, two polls at a time
			switch mode {
			case "cycle":
				if err := h.p.Cycle(t.Context()); err != nil {
					t.Fatal(err)
				}
			case "run":
				ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
				defer cancel()
				go func() {
					for h.changes() < sources && ctx.Err() == nil {
						time.Sleep(5 * time.Millisecond)
					}
					cancel()
				}()
				if err := h.p.Run(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := h.srv.hitCount("/feed"); n != sources {
				t.Fatalf("%d fetches, want %d", n, sources)
			}
			mu.Lock()
			defer mu.Unlock()
			if peak > 20 {
				t.Errorf("%d goroutines more than before the polls at their peak, want a few: two polls at a time, and their connections", peak)
			}
		})
	}
}
