package ops_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syndicate/internal/document"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/metrics"
	"syndicate/internal/ops"
	"syndicate/internal/render"
	"syndicate/internal/server"
	"syndicate/internal/store"
)

// now is the clock of every test: fixed, so that "stale" and "3 minutes
// ago" do not depend on when the tests run.
var now = time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)

var (
	wire = config.Source{
		ID: "wire", URL: "https://wire.example/feed.xml", Title: "Wire Service",
		Interval: config.Duration{Duration: 15 * time.Minute}, Sections: []string{"asia"},
		StaleAfter: config.Duration{Duration: 7 * 24 * time.Hour},
	}
	// partner has no title, so the upstream's applies, and config's
	// default stale_after.
	partner = config.Source{
		ID: "partner", URL: "https://partner.example/rss", Sections: []string{"asia", "latest"},
		Interval:   config.Duration{Duration: time.Hour},
		StaleAfter: config.Duration{Duration: config.DefaultStaleAfter},
	}
)

// okState is a healthy source: polled every 15 minutes, with one failure
// among its last 12 polls.
func okState(src config.Source) store.SourceState {
	st := store.SourceState{
		ID: src.ID, URL: src.URL, Status: store.StatusOK, HTTPStatus: 200,
		LastFetch: now.Add(-3 * time.Minute), LastSuccess: now.Add(-3 * time.Minute),
		NextFetch: now.Add(12 * time.Minute), Items: 42, DurationMS: 180,
		LastNewItem: now.Add(-2 * time.Hour), FeedTitle: "Upstream " + src.ID,
	}
	for i := range 12 {
		p := store.Poll{At: now.Add(time.Duration(i-12)*15*time.Minute - 3*time.Minute), Outcome: "not_modified", HTTPStatus: 304, DurationMS: int64(100 + 10*i)}
		if i == 5 {
			p = store.Poll{At: p.At, Outcome: "error", HTTPStatus: 502, DurationMS: 900}
		}
		if i == 9 {
			p.Outcome, p.HTTPStatus, p.NewItems = "ok", 200, 3
		}
		st.History = append(st.History, p)
	}
	return st
}

// failingState has failed its last 4 polls since a success an hour ago.
func failingState(src config.Source) store.SourceState {
	st := okState(src)
	st.Status, st.HTTPStatus = store.StatusError, 503
	st.LastSuccess = now.Add(-time.Hour)
	st.LastFetch = now.Add(-2 * time.Minute)
	st.ConsecutiveErrors = 4
	st.LastError = `upstream answered 503 <script>alert("x")</script>`
	for i := range 4 {
		st.History = append(st.History, store.Poll{At: now.Add(time.Duration(i-4) * 10 * time.Minute), Outcome: "error", HTTPStatus: 503, DurationMS: 40})
	}
	return st
}

type env struct {
	*httptest.Server
	Metrics *metrics.Metrics
	Ready   *atomic.Bool
	Site    render.Site
}

// start serves the operator routes, registered on a real server.Server so
// that any clash with the document routes panics here, as it would in
// production. d's zero fields get working defaults.
func start(t *testing.T, d ops.Deps) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	e := &env{Server: srv, Ready: &atomic.Bool{}}
	e.Ready.Store(true)
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	e.Metrics = d.Metrics
	if d.Store == nil {
		d.Store = store.NewMemory()
	}
	if d.Ready == nil {
		d.Ready = e.Ready.Load
	}
	if d.Sections == nil {
		d.Sections = sections
	}
	if d.Now == nil {
		d.Now = func() time.Time { return now }
	}
	d.Site = render.Site{Title: "The Dispatch", BaseURL: "http://" + srv.Listener.Addr().String(), Language: "en"}
	e.Site = d.Site
	s := server.New(server.Options{})
	s.Update(map[string]document.Document{render.StylesheetPath: render.Stylesheet()})
	ops.Register(s.Handle, d)
	srv.Config.Handler = s
	srv.Start()
	t.Cleanup(srv.Close)
	return e
}

// statesOf serves states as Deps.States does from an in-memory copy.
func statesOf(states ...store.SourceState) func(context.Context) ([]store.SourceState, error) {
	return func(context.Context) ([]store.SourceState, error) { return states, nil }
}

func failingStates(context.Context) ([]store.SourceState, error) {
	return nil, errors.New("store: redis: connection refused")
}

func sections() []ops.SectionInfo {
	return []ops.SectionInfo{
		{Slug: "latest", Title: "Latest", Items: 50, Newest: now.Add(-time.Hour), RenderedAt: now.Add(-time.Minute), RenderDuration: 1500 * time.Microsecond,
			Formats: map[string]ops.FormatInfo{
				"rss.xml":   {Bytes: 48000, GzipBytes: 9000, ETag: `"rss1"`},
				"atom.xml":  {Bytes: 52000, GzipBytes: 9500, ETag: `"atom1"`},
				"feed.json": {Bytes: 45000, GzipBytes: 8800, ETag: `"json1"`},
			}},
		{Slug: "asia", Title: "Asia"}, // never rendered
	}
}

type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

func get(t *testing.T, url string) response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

// getJSON fetches url, checks the headers every JSON answer carries, and
// decodes the body generically, so that tests see nulls as nulls.
func getJSON(t *testing.T, url string, wantCode int) map[string]any {
	t.Helper()
	r := get(t, url)
	if r.Code != wantCode {
		t.Errorf("GET %s: %d, want %d\n%s", url, r.Code, wantCode, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", url, ct)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET %s: Cache-Control %q", url, cc)
	}
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, r.Body)
	}
	return v
}
