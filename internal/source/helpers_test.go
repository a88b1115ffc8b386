package source

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/parse"
	"syndicate/internal/store"
)

// t0 is the fake "now" of most tests: after every fixture's dates.
var t0 = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture reads an upstream feed from parse's fixtures.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "parse", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feedServer is a loopback HTTP server with a handler per path, counting
// hits and keeping the last request's headers.
type feedServer struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	hits   map[string]int
	last   map[string]http.Header
}

func newFeedServer(t testing.TB) *feedServer {
	s := &feedServer{routes: map[string]http.HandlerFunc{}, hits: map[string]int{}, last: map[string]http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		h := s.routes[r.URL.Path]
		s.hits[r.URL.Path]++
		s.last[r.URL.Path] = r.Header.Clone()
		s.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *feedServer) handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	s.routes[path] = h
	s.mu.Unlock()
}

// serve answers path with body, as a server with no validators would.
func (s *feedServer) serve(path, contentType string, body []byte) {
	s.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})
}

func (s *feedServer) hitCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *feedServer) lastHeader(path string) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last[path]
}

// harness is a poller over a feedServer, a store and a fake clock.
type harness struct {
	t     *testing.T
	srv   *feedServer
	st    *testStore
	clock *clock
	p     *Poller

	mu      sync.Mutex
	changed []string
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, srv: newFeedServer(t), st: newTestStore(), clock: &clock{t: t0}}
}

// src is a source reading path on the harness server.
func (h *harness) src(id, path string) config.Source {
	return config.Source{
		ID: id, URL: h.srv.URL + path,
		Interval: config.Duration{Duration: 15 * time.Minute},
		Sections: []string{"world"}, MaxItems: 200,
	}
}

func (h *harness) start(f config.Fetch, sources ...config.Source) *Poller {
	h.p = NewPoller(Options{
		Sources: sources, Fetch: f, Store: h.st, States: h.st,
		UserAgent: "Syndicate/test (+https://news.example)",
		Now:       h.clock.Now,
		OnChange: func(id string) {
			h.mu.Lock()
			h.changed = append(h.changed, id)
			h.mu.Unlock()
		},
	})
	return h.p
}

func (h *harness) changes() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.changed)
}

func (h *harness) poll(id string) error {
	h.t.Helper()
	return h.p.PollOnce(context.Background(), id)
}

func (h *harness) mustPoll(id string) {
	h.t.Helper()
	if err := h.poll(id); err != nil {
		h.t.Fatalf("poll %s: %v", id, err)
	}
}

func (h *harness) state(id string) store.SourceState {
	h.t.Helper()
	st, err := h.st.SourceState(context.Background(), id)
	if err != nil {
		h.t.Fatalf("state %s: %v", id, err)
	}
	return st
}

// items are the stored items of id, newest first.
func (h *harness) items(id string) []item.Item {
	h.t.Helper()
	its, err := h.st.Items(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	item.SortNewest(its)
	return its
}

func ids(items []item.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func asJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// fastFetch is the default fetch configuration with the short timeouts
// and small limits of tests.
func fastFetch() config.Fetch {
	f := config.Defaults().Fetch
	f.ConnectTimeout.Duration = 2 * time.Second
	f.Timeout.Duration = 5 * time.Second
	f.MaxBodyBytes = 1 << 20
	f.PerHost = 2
	f.Workers = 4
	return f
}

// testBounds are the default parse bounds.
func testBounds() *parse.Bounds {
	f := config.Defaults().Fetch
	return parse.NewBounds(f.MaxDepth, f.ParseMemory)
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}
