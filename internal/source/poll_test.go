package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/store"
)

func TestConditionalGet(t *testing.T) {
	h := newHarness(t)
	body := fixture(t, "rss2.xml")
	const etag, lastMod = `"abc123"`, "Tue, 13 Oct 2026 08:00:00 GMT"
	h.srv.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Write(body)
	})
	h.start(fastFetch(), h.src("wire", "/feed"))

	h.mustPoll("wire")
	first := h.items("wire")
	if len(first) != 3 {
		t.Fatalf("first poll stored %d items", len(first))
	}
	if hdr := h.srv.lastHeader("/feed"); hdr.Get("If-None-Match") != "" || hdr.Get("If-Modified-Since") != "" {
		t.Errorf("first poll sent validators: %v", hdr)
	}
	replaces, changes := h.st.replaces(), h.changes()

	h.clock.Advance(time.Hour)
	h.mustPoll("wire")
	hdr := h.srv.lastHeader("/feed")
	if hdr.Get("If-None-Match") != etag || hdr.Get("If-Modified-Since") != lastMod {
		t.Errorf("second poll validators: If-None-Match %q, If-Modified-Since %q", hdr.Get("If-None-Match"), hdr.Get("If-Modified-Since"))
	}
	st := h.state("wire")
	if st.Status != store.StatusOK || st.HTTPStatus != 304 || st.Items != 3 {
		t.Errorf("state after 304: status %s, http %d, items %d", st.Status, st.HTTPStatus, st.Items)
	}
	if got := st.History[len(st.History)-1].Outcome; got != "not_modified" {
		t.Errorf("outcome = %s", got)
	}
	if st.ETag != etag || st.LastModified != lastMod {
		t.Errorf("validators lost on 304: %q %q", st.ETag, st.LastModified)
	}
	if h.st.replaces() != replaces || h.changes() != changes {
		t.Errorf("a 304 rewrote items or reported a change")
	}
	if got := h.items("wire"); !sameItems(got, first) {
		t.Errorf("items changed across a 304")
	}
}

func TestUnchangedBodySkipsParsing(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/feed", "application/rss+xml", fixture(t, "rss2.xml"))
	h.start(fastFetch(), h.src("wire", "/feed"))
	h.mustPoll("wire")
	hash := h.state("wire").BodyHash
	if len(hash) != 64 {
		t.Fatalf("body hash %q", hash)
	}
	replaces := h.st.replaces()
	h.clock.Advance(time.Hour)
	h.mustPoll("wire")
	st := h.state("wire")
	if got := st.History[len(st.History)-1].Outcome; got != "unchanged" {
		t.Errorf("outcome = %s, want unchanged", got)
	}
	if h.st.replaces() != replaces || h.changes() != 1 {
		t.Errorf("unchanged body stored again (%d replaces) or reported (%d changes)", h.st.replaces()-replaces, h.changes())
	}
	if st.LastSuccess != h.clock.Now() {
		t.Errorf("last success %v not updated", st.LastSuccess)
	}
}

// TestMovedTo checks that where permanent redirects led is recorded for
// operators, and that the feed is read from there meanwhile.
func TestMovedTo(t *testing.T) {
	h := newHarness(t)
	redirect := func(to string, code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, code) }
	}
	h.srv.handle("/old", redirect("/new", http.StatusMovedPermanently))
	h.srv.handle("/temp", redirect("/new", http.StatusFound))
	h.srv.serve("/new", "application/rss+xml", fixture(t, "rss2.xml"))
	h.start(fastFetch(), h.src("old", "/old"), h.src("temp", "/temp"))
	for _, tt := range []struct{ id, movedTo string }{
		{"old", h.srv.URL + "/new"},
		{"temp", ""},
	} {
		t.Run(tt.id, func(t *testing.T) {
			h.mustPoll(tt.id)
			st := h.state(tt.id)
			if st.MovedTo != tt.movedTo {
				t.Errorf("moved_to %q, want %q", st.MovedTo, tt.movedTo)
			}
			if n := len(h.items(tt.id)); n != 3 || st.Status != store.StatusOK {
				t.Errorf("%d items, status %s", n, st.Status)
			}
		})
	}
}

func TestGone(t *testing.T) {
	h := newHarness(t)
	h.srv.handle("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	h.srv.serve("/alive", "application/rss+xml", fixture(t, "rss2.xml"))
	gone := h.src("gone", "/gone")
	h.start(fastFetch(), gone)
	h.poll("gone")
	st := h.state("gone")
	if st.Status != store.StatusGone || st.HTTPStatus != 410 {
		t.Fatalf("state %s %d", st.Status, st.HTTPStatus)
	}
	ctx := t.Context()
	h.clock.Advance(24 * time.Hour)
	if err := h.p.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.srv.hitCount("/gone"); n != 1 {
		t.Errorf("gone source fetched %d times", n)
	}

	// A new URL in the config is a new feed: polled again, state reset.
	gone.URL = h.srv.URL + "/alive"
	h.start(fastFetch(), gone)
	if err := h.p.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	st = h.state("gone")
	if st.Status != store.StatusOK || st.URL != gone.URL || len(st.History) != 1 {
		t.Errorf("after URL change: status %s, url %s, %d polls in history", st.Status, st.URL, len(st.History))
	}
}

func TestRetryAfter(t *testing.T) {
	h := newHarness(t)
	h.srv.handle("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	when := t0.Add(2 * time.Hour)
	h.srv.handle("/down", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", when.Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	busy, down := h.src("busy", "/busy"), h.src("down", "/down")
	busy.Interval.Duration, down.Interval.Duration = time.Second, time.Second
	h.start(fastFetch(), busy, down)

	h.poll("busy")
	st := h.state("busy")
	if st.NextFetch.Before(t0.Add(120 * time.Second)) {
		t.Errorf("429: next fetch %v, before Retry-After", st.NextFetch.Sub(t0))
	}
	if st.LastError != "http: 429 Too Many Requests" || st.Status != store.StatusError || st.HTTPStatus != 429 {
		t.Errorf("429: %s %d %q", st.Status, st.HTTPStatus, st.LastError)
	}

	h.poll("down")
	st = h.state("down")
	if st.NextFetch.Before(when) || st.NextFetch.After(when.Add(time.Minute)) {
		t.Errorf("503: next fetch %v, want %v", st.NextFetch, when)
	}
	if st.LastError != "http: 503 Service Unavailable" {
		t.Errorf("503: %q", st.LastError)
	}
}

func TestBackoff(t *testing.T) {
	capD := time.Hour
	prev := time.Duration(0)
	for n := 1; n <= 12; n++ {
		d := afterError(time.Minute, n, 0, capD)
		if d > capD {
			t.Errorf("error %d: %v beyond the cap", n, d)
		}
		if n <= 6 && d <= prev {
			t.Errorf("error %d: %v did not grow from %v", n, d, prev)
		}
		if n >= 8 && d < capD*9/10 {
			t.Errorf("error %d: %v, want near the cap", n, d)
		}
		prev = d
	}
	if d := afterError(time.Minute, 1000, 0, capD); d > capD || d < capD*9/10 {
		t.Errorf("huge error count: %v", d)
	}
	if d := afterError(time.Minute, 1, 10*time.Minute, capD); d != 10*time.Minute {
		t.Errorf("retry-after floor: %v", d)
	}
	if d := afterError(time.Minute, 1, 10*time.Hour, capD); d != capD {
		t.Errorf("retry-after above the cap: %v", d)
	}

	// Through the poller: errors pile up, backoff grows, success resets.
	h := newHarness(t)
	var failing atomic.Bool
	failing.Store(true)
	h.srv.handle("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		w.Write(fixture(t, "rss2.xml"))
	})
	src := h.src("flaky", "/flaky")
	src.Interval.Duration = time.Minute
	f := fastFetch()
	f.BackoffCap.Duration = 10 * time.Minute
	h.start(f, src)
	var waits []time.Duration
	for range 8 {
		h.poll("flaky")
		st := h.state("flaky")
		waits = append(waits, st.NextFetch.Sub(h.clock.Now()))
		if st.LastError != "http: 500 Internal Server Error" {
			t.Fatalf("last error %q", st.LastError)
		}
		h.clock.Advance(time.Minute)
	}
	if st := h.state("flaky"); st.ConsecutiveErrors != 8 {
		t.Errorf("consecutive errors %d", st.ConsecutiveErrors)
	}
	for i, w := range waits {
		if w > 10*time.Minute || (i > 0 && i < 4 && w <= waits[i-1]) {
			t.Errorf("waits %v", waits)
			break
		}
	}
	failing.Store(false)
	h.mustPoll("flaky")
	if st := h.state("flaky"); st.ConsecutiveErrors != 0 || st.LastError != "" || st.Status != store.StatusOK {
		t.Errorf("after success: %d errors, %q, %s", st.ConsecutiveErrors, st.LastError, st.Status)
	}
}

// TestErrorClasses checks that a failure at each stage is recorded as
// "class: message" on one line, and returned naming the source.
func TestErrorClasses(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/html", "text/html", fixture(t, "html-page.html"))
	h.srv.serve("/klingon", "application/rss+xml; charset=x-klingon", []byte("<rss>\xe9</rss>"))
	h.srv.serve("/big", "application/rss+xml", bytes.Repeat([]byte("x"), 2<<20))
	h.srv.handle("/404", http.NotFound)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/feed"
	l.Close()
	sources := []config.Source{h.src("html", "/html"), h.src("klingon", "/klingon"), h.src("big", "/big"), h.src("notfound", "/404")}
	closed := h.src("closed", "/")
	closed.URL = refused
	nodns := h.src("nodns", "/")
	nodns.URL = "http://feeds.nonexistent.invalid/rss"
	h.start(fastFetch(), append(sources, closed, nodns)...)
	for _, tt := range []struct{ id, want string }{
		{"html", "discover: " + h.srv.URL + "/html is an HTML page that advertises no feed"},
		{"klingon", `charset: unsupported charset "x-klingon"`},
		{"big", "too_large: body exceeds 1048576 bytes"},
		{"notfound", "http: 404 Not Found"},
		{"closed", "connect: connection refused"},
		{"nodns", "dns: "},
	} {
		t.Run(tt.id, func(t *testing.T) {
			err := h.poll(tt.id)
			if err == nil || !strings.HasPrefix(err.Error(), "source: "+tt.id+": ") {
				t.Errorf("err %v does not name the source", err)
			}
			st := h.state(tt.id)
			if !strings.HasPrefix(st.LastError, tt.want) || strings.Contains(st.LastError, "\n") {
				t.Errorf("last error %q, want %q…", st.LastError, tt.want)
			}
			if st.Status != store.StatusError || st.ConsecutiveErrors != 1 {
				t.Errorf("%s, %d errors", st.Status, st.ConsecutiveErrors)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	for _, tt := range []struct{ name, in, want string }{
		{"lines joined", "parse: XML syntax error\n  on line 3", "parse: XML syntax error on line 3"},
		{"cut at a character", long, strings.Repeat("é", 150) + "…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := oneLine(tt.in); got != tt.want {
				t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestScheduleAfterSuccess(t *testing.T) {
	h := newHarness(t)
	body := fixture(t, "rss2.xml") // ttl 30
	h.srv.serve("/ttl", "application/rss+xml", body)
	h.srv.handle("/maxage", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=7200")
		w.Write(body)
	})
	h.srv.handle("/atom", func(w http.ResponseWriter, r *http.Request) { w.Write(fixture(t, "atom10.xml")) })
	f := fastFetch()
	f.BackoffCap.Duration = 90 * time.Minute
	h.start(f, h.src("ttl", "/ttl"), h.src("maxage", "/maxage"), h.src("atom", "/atom"))
	for _, tt := range []struct {
		id       string
		min, max time.Duration
	}{
		{"ttl", 30 * time.Minute, 32 * time.Minute},
		{"maxage", 90 * time.Minute, 90 * time.Minute}, // clamped to the cap
		{"atom", 15 * time.Minute, 16 * time.Minute},
	} {
		h.mustPoll(tt.id)
		d := h.state(tt.id).NextFetch.Sub(h.clock.Now())
		if d < tt.min || d > tt.max {
			t.Errorf("%s: next fetch in %v, want %v..%v", tt.id, d, tt.min, tt.max)
		}
	}
}

func TestRequestHeaders(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/feed", "application/rss+xml", fixture(t, "rss2.xml"))
	h.start(fastFetch(), h.src("a", "/feed"))
	h.mustPoll("a")
	hdr := h.srv.lastHeader("/feed")
	if got := hdr.Get("User-Agent"); got != "Syndicate/test (+https://news.example)" {
		t.Errorf("User-Agent %q", got)
	}
	f := fastFetch()
	f.UserAgent = "CustomBot/2"
	h.start(f, h.src("a", "/feed"))
	h.mustPoll("a")
	if got := h.srv.lastHeader("/feed").Get("User-Agent"); got != "CustomBot/2" {
		t.Errorf("configured User-Agent ignored: %q", got)
	}
	if got := UserAgent("1.4.0", "https://news.example"); got != "Syndicate/1.4.0 (+https://news.example)" {
		t.Errorf("UserAgent() = %q", got)
	}
}

// The feed's ttl is kept in the shared state: a later poll answered 304,
// by a restarted poller or another instance of a fleet, still honours it.
func TestTTLSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	body := fixture(t, "rss2.xml") // ttl 30
	h.srv.handle("/ttl", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	})
	src := h.src("ttl", "/ttl")
	h.start(fastFetch(), src)
	h.mustPoll("ttl")
	if got := h.state("ttl").TTL; got != 30*time.Minute {
		t.Fatalf("state ttl = %v, want 30m", got)
	}

	h.start(fastFetch(), src) // a new poller on the same store
	h.mustPoll("ttl")
	st := h.state("ttl")
	if st.HTTPStatus != http.StatusNotModified {
		t.Fatalf("second poll answered %d, want 304", st.HTTPStatus)
	}
	if d := st.NextFetch.Sub(h.clock.Now()); d < 30*time.Minute {
		t.Errorf("after a 304 on a fresh poller, next fetch in %v, want at least the feed's ttl of 30m", d)
	}
}

// TestWarningsInState: a JSON Feed whose items carry "tags" as a string
// publishes every item, and the source's health counts the problems of
// the last body parsed; a 304 keeps the count, a clean body clears it.
func TestWarningsInState(t *testing.T) {
	h := newHarness(t)
	var body []byte
	h.srv.handle("/feed.json", func(w http.ResponseWriter, r *http.Request) {
		etag := fmt.Sprintf(`"%d"`, len(body))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write(body)
	})
	feed := func(tags string) []byte {
		var items []string
		for i := range 84 {
			items = append(items, fmt.Sprintf(`{"id": "%d", "title": "Item %d", "content_text": "x", "tags": %s, "date_published": "2026-10-%02dT08:00:00Z"}`, i, i, tags, 1+i%14))
		}
		return []byte(`{"version": "https://jsonfeed.org/version/1.1", "title": "Lenient", "items": [` + strings.Join(items, ",") + "]}")
	}
	body = feed(`"a,b"`)
	h.start(fastFetch(), h.src("lenient", "/feed.json"))
	h.mustPoll("lenient")
	st := h.state("lenient")
	if st.Items != 84 || st.Status != store.StatusOK || st.Warnings != 84 {
		t.Fatalf("items %d, status %s, warnings %d; want 84 items, ok, 84 warnings", st.Items, st.Status, st.Warnings)
	}
	if got := h.items("lenient")[0].Tags; !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("tags %q, want the string split", got)
	}
	h.clock.Advance(time.Hour)
	h.mustPoll("lenient") // 304
	if st := h.state("lenient"); st.HTTPStatus != http.StatusNotModified || st.Warnings != 84 {
		t.Errorf("after a 304: status %d, warnings %d; want the count kept", st.HTTPStatus, st.Warnings)
	}
	body = feed(`["a", "b"]`)
	h.clock.Advance(time.Hour)
	h.mustPoll("lenient")
	if st := h.state("lenient"); st.Warnings != 0 {
		t.Errorf("after a clean body: warnings %d", st.Warnings)
	}
}

// TestUndatedDatesSurviveRestart: undated items keep the time they were
// first seen when a new poller (a restart, or another instance on the
// same store) parses the feed again, and an item that arrives later gets a
// time of its own.
func TestUndatedDatesSurviveRestart(t *testing.T) {
	h := newHarness(t)
	items := []string{"c", "b", "a"}
	h.srv.handle("/undated", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<rss version="2.0"><channel><title>Undated</title>`)
		for _, id := range items {
			fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>Item %s</title><description>Text %s</description></item>`, id, id, id)
		}
		b.WriteString(`</channel></rss>`)
		w.Write([]byte(b.String()))
	})
	src := h.src("undated", "/undated")
	h.start(fastFetch(), src)
	h.mustPoll("undated")
	first := map[string]time.Time{}
	for _, it := range h.items("undated") {
		first[it.ID] = it.Published
	}
	want := map[string]time.Time{"undated/c": t0, "undated/b": t0.Add(-time.Second), "undated/a": t0.Add(-2 * time.Second)}
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("first seen %v, want %v", first, want)
	}

	// "d" arrives second in the feed a second later: first seen at t0+1s
	// less its position is t0, which is c's, as are the next two seconds.
	items = []string{"c", "d", "b", "a"}
	h.clock.Advance(time.Second)
	h.start(fastFetch(), src) // a new poller on the same store
	h.mustPoll("undated")
	got := map[string]time.Time{}
	for _, it := range h.items("undated") {
		got[it.ID] = it.Published
	}
	want["undated/d"] = t0.Add(-3 * time.Second)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after a restart %v, want %v", got, want)
	}
}

// A document beyond the parse bounds fails its source's poll with a
// message naming the bound, and no other source's.
func TestPollRefusesUnboundedDocuments(t *testing.T) {
	h := newHarness(t)
	deep := `<?xml version="1.0"?><rss version="2.0" xmlns:a="http://a.example/"><channel><title>t</title><item><title>x</title>` +
		strings.Repeat("<a:b>", 300) + strings.Repeat("</a:b>", 300) + `</item></channel></rss>`
	wide := `<rss version="2.0"><channel><title>t</title>` + strings.Repeat("<item/>", 100_000) + `</channel></rss>`
	h.srv.serve("/deep.xml", "application/rss+xml", []byte(deep))
	h.srv.serve("/wide.xml", "application/rss+xml", []byte(wide))
	h.srv.serve("/ok.xml", "application/rss+xml", fixture(t, "rss2.xml"))
	f := fastFetch()
	f.ParseMemory = 64 << 20
	h.start(f, h.src("deep", "/deep.xml"), h.src("wide", "/wide.xml"), h.src("ok", "/ok.xml"))
	for id, want := range map[string]string{
		"deep": "parse: nested deeper than 256 levels (fetch.max_depth)",
		"wide": "more than fetch.parse_memory (64 MiB)",
	} {
		if err := h.poll(id); err == nil {
			t.Errorf("%s: poll succeeded", id)
		}
		if st := h.state(id); st.Status != store.StatusError || !strings.Contains(st.LastError, want) {
			t.Errorf("%s: %s %q, want an error with %q", id, st.Status, st.LastError, want)
		}
	}
	h.mustPoll("ok")
}

// A poll waiting for parse memory when the poller stops records nothing:
// its upstream did not fail.
func TestPollStoppedWaitingForParseMemory(t *testing.T) {
	h := newHarness(t)
	body := fixture(t, "rss2.xml")
	served := make(chan struct{})
	h.srv.handle("/ok.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
		close(served)
	})
	f := fastFetch()
	f.ParseMemory = 1 << 20
	var recorded atomic.Int64
	p := NewPoller(Options{
		Sources: []config.Source{h.src("ok", "/ok.xml")}, Fetch: f, Store: h.st, States: h.st,
		Now: h.clock.Now, OnPoll: func(store.SourceState, store.Poll) { recorded.Add(1) },
	})
	// Another parse holds nearly all the memory.
	release, err := p.bounds.Admit(t.Context(), []byte("<rss>"+strings.Repeat("x", 80<<10)+"</rss>"))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.PollOnce(ctx, "ok") }()
	<-served
	time.Sleep(100 * time.Millisecond) // for the body to arrive and the poll to wait
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("poll stopped while waiting: %v", err)
	}
	if n := recorded.Load(); n != 0 {
		t.Errorf("a poll stopped by shutdown was recorded %d times", n)
	}
}

// Body slots: a poll that reads a body holds one until its body gets a
// processing slot; past the slots a poll waits, but never past bodyWait,
// and not past its context.
func TestBodyTurns(t *testing.T) {
	bodies := make(chan struct{}, 2)
	first, second, third := &bodyTurn{bodies: bodies}, &bodyTurn{bodies: bodies}, &bodyTurn{bodies: bodies}
	for _, turn := range []*bodyTurn{first, second, first} { // a second fetch of one poll holds one slot
		if err := turn.wait(t.Context()); err != nil || !turn.held {
			t.Fatalf("wait with a slot free: held %v, %v", turn.held, err)
		}
	}
	if len(bodies) != 2 {
		t.Fatalf("%d slots held, want 2", len(bodies))
	}

	freed := make(chan error, 1)
	go func() { freed <- third.wait(t.Context()) }()
	select {
	case <-freed:
		t.Fatal("a third body was read with both slots held")
	case <-time.After(50 * time.Millisecond):
	}
	first.done()
	first.done() // handing back twice frees one slot
	if err := <-freed; err != nil || !third.held || len(bodies) != 2 {
		t.Fatalf("after a slot was handed back: held %v, %d held, %v", third.held, len(bodies), err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := (&bodyTurn{bodies: bodies}).wait(ctx); err == nil {
		t.Error("wait on a canceled context returned no error")
	}
	start := time.Now()
	late := &bodyTurn{bodies: bodies}
	if err := late.wait(t.Context()); err != nil || late.held || time.Since(start) < bodyWait {
		t.Errorf("with no slot freed: held %v after %v, %v; want the body read unheld after %v", late.held, time.Since(start), err, bodyWait)
	}
	late.done()
	if len(bodies) != 2 {
		t.Errorf("handing back a slot not held freed one: %d held", len(bodies))
	}
}
