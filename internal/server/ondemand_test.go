package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/document"
	"syndicate/internal/render"
)

// renderer renders "/tag/{x}/rss.xml" for any x, counting renders per
// path; gate, when set, holds every render until it is closed.
type renderer struct {
	mu    sync.Mutex
	count map[string]int
	size  int
	gate  chan struct{}
}

func (r *renderer) render(path string) (document.Document, bool) {
	if !strings.HasPrefix(path, "/tag/") || !strings.HasSuffix(path, "/rss.xml") {
		return document.Document{}, false
	}
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	r.count[path]++
	n := r.count[path]
	r.mu.Unlock()
	// Each render of a path differs, so that a test sees which one it got.
	body := fmt.Sprintf("<rss>%s render %d %s</rss>", path, n, strings.Repeat("x", r.size))
	return render.NewDocument([]byte(body), "application/rss+xml; charset=utf-8", modified), true
}

func (r *renderer) renders(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[path]
}

func onDemandServer(t *testing.T, limit int, mode string) (*Server, *renderer, *httptest.Server) {
	t.Helper()
	r := &renderer{count: map[string]int{}}
	s := New(Options{CacheMaxAge: time.Minute, Render: r.render, OnDemandBytes: limit})
	s.Update(map[string]document.Document{"/asia/rss.xml": render.NewDocument([]byte("<rss>asia</rss>"), "application/rss+xml; charset=utf-8", modified)})
	return s, r, startServer(t, s, mode, nil)
}

// held reports the entries kept and their bytes.
func (c *onDemand) held() (n, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m.Range(func(any, any) bool { n++; return true })
	return n, c.bytes
}

func TestOnDemand(t *testing.T) { inModes(t, testOnDemand) }

func testOnDemand(t *testing.T, mode string) {
	s, r, ts := onDemandServer(t, 1<<20, mode)
	const path = "/tag/iran/rss.xml"

	first := do(t, "GET", ts.URL+path, nil)
	b := body(t, first)
	if first.StatusCode != 200 || !strings.Contains(string(b), "render 1") {
		t.Fatalf("first request: %d %q", first.StatusCode, b)
	}
	etag := first.Header.Get("ETag")
	for _, h := range []map[string]string{nil, {"Accept-Encoding": "gzip"}, {"If-None-Match": etag}} {
		resp := do(t, "GET", ts.URL+path, h)
		if resp.StatusCode != 200 && resp.StatusCode != 304 {
			t.Errorf("%v: status %d", h, resp.StatusCode)
		}
	}
	if got := do(t, "GET", ts.URL+path, map[string]string{"If-None-Match": etag}).StatusCode; got != 304 {
		t.Errorf("revalidation of a document rendered on demand: %d, want 304", got)
	}
	if gz := do(t, "GET", ts.URL+path, map[string]string{"Accept-Encoding": "gzip"}); gz.Header.Get("Content-Encoding") != "gzip" {
		t.Error("a document rendered on demand is not served gzipped")
	}
	if br := do(t, "GET", ts.URL+path, map[string]string{"Accept-Encoding": "gzip, br"}); br.Header.Get("Content-Encoding") != "br" {
		t.Error("a document rendered on demand is not served in brotli")
	}
	if n := r.renders(path); n != 1 {
		t.Errorf("rendered %d times for seven requests, want once", n)
	}
	if got := do(t, "GET", ts.URL+"/asia/rss.xml", nil).StatusCode; got != 200 {
		t.Errorf("a document given by Update: %d", got)
	}

	if got := do(t, "GET", ts.URL+"/tag/iran/nothing.xml", nil).StatusCode; got != 404 {
		t.Errorf("a path Render refuses: %d, want 404", got)
	}
	if n, _ := s.onDemand.held(); n != 1 {
		t.Errorf("%d documents kept, want 1: a refusal is not kept", n)
	}
	if got := do(t, "POST", ts.URL+path, nil).StatusCode; got != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", got)
	}
	if resp := do(t, "GET", ts.URL+"/asia/archive/2026-10", nil); resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/asia/archive/2026-10/" {
		t.Errorf("GET /asia/archive/2026-10: %d to %q, want a redirect to the folder", resp.StatusCode, resp.Header.Get("Location"))
	}

	s.Forget([]string{path, "/tag/never-rendered/rss.xml"})
	if b := body(t, do(t, "GET", ts.URL+path, nil)); !strings.Contains(string(b), "render 2") {
		t.Errorf("after Forget: %q, want a new render", b)
	}
	if n, bytes := s.onDemand.held(); n != 1 || bytes <= 0 {
		t.Errorf("after Forget and a new render: %d documents, %d bytes", n, bytes)
	}
	// Every copy counts against the bound.
	v, _ := s.onDemand.m.Load(path)
	doc := v.(*kept).e.doc
	if _, bytes := s.onDemand.held(); doc.Brotli == nil || bytes != len(doc.Body)+len(doc.Gzip)+len(doc.Brotli) {
		t.Errorf("kept %d bytes for a document of %d, gzip %d, brotli %d", bytes, len(doc.Body), len(doc.Gzip), len(doc.Brotli))
	}
}

// TestOnDemandRendersOnce: requests that miss together wait for one
// render.
func TestOnDemandRendersOnce(t *testing.T) {
	s, r, _ := onDemandServer(t, 1<<20, "net/http")
	r.gate = make(chan struct{})
	const path = "/tag/iran/rss.xml"
	var wg sync.WaitGroup
	var served atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			if w.Code == 200 {
				served.Add(1)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them queue; fewer waiting only makes the test weaker
	close(r.gate)
	wg.Wait()
	if served.Load() != 8 || r.renders(path) != 1 {
		t.Errorf("%d of 8 served, %d renders; want 8 and 1", served.Load(), r.renders(path))
	}
}

// TestOnDemandForgetDuringRender: a render that began before Forget may
// show what Forget was about; it is served but not kept, and whoever asks
// after Forget renders anew rather than wait for it.
func TestOnDemandForgetDuringRender(t *testing.T) {
	s, r, _ := onDemandServer(t, 1<<20, "net/http")
	r.gate = make(chan struct{})
	const path = "/tag/iran/rss.xml"
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}()
	for { // wait until the render is in flight
		s.onDemand.mu.Lock()
		n := len(s.onDemand.inflight)
		s.onDemand.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	s.Forget([]string{path})
	after := make(chan struct{})
	go func() {
		defer close(after)
		s.Document(path)
	}()
	for { // wait until the second render is in flight too
		s.onDemand.mu.Lock()
		n := len(s.onDemand.inflight)
		s.onDemand.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(r.gate)
	<-done
	<-after
	if n := r.renders(path); n != 2 {
		t.Errorf("%d renders, want 2: a request after Forget waited for the render begun before", n)
	}
	if n, _ := s.onDemand.held(); n != 1 {
		t.Errorf("%d documents kept, want the one rendered after Forget", n)
	}
}

// TestOnDemandBounded: the cache stays within its bytes, and a document
// requested all along outlives those requested once.
func TestOnDemandBounded(t *testing.T) {
	const limit = 64 << 10
	s, r, _ := onDemandServer(t, limit, "net/http")
	r.size = 4 << 10 // each document about 4 KB plus its gzip copy
	get := func(i int) {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/tag/t%d/rss.xml", i), nil))
	}
	const hot = 0
	for i := range 200 {
		get(i)
		get(hot) // requested all along
		if _, bytes := s.onDemand.held(); bytes > limit {
			t.Fatalf("after %d documents the cache holds %d bytes, over its %d", i+1, bytes, limit)
		}
	}
	if n := r.renders("/tag/t0/rss.xml"); n != 1 {
		t.Errorf("the document requested all along was rendered %d times; the least recently requested should go first", n)
	}
	if n, _ := s.onDemand.held(); n < 4 {
		t.Errorf("only %d documents kept within %d bytes", n, limit)
	}
}

// A document rendered on demand gets the Link headers Options.Links gives
// it, as one Update gave does, and Document returns what a request would
// get, rendering it on a miss.
func TestOnDemandLinksAndDocument(t *testing.T) {
	r := &renderer{count: map[string]int{}}
	s := New(Options{CacheMaxAge: time.Minute, Render: r.render, OnDemandBytes: 1 << 20,
		Links: func(path string, doc document.Document) []string {
			return []string{`<https://news.example/websub>; rel="hub"`, "<https://news.example" + path + `>; rel="self"`}
		}})
	ts := httptest.NewServer(s)
	defer ts.Close()

	const path = "/tag/iran/rss.xml"
	doc, ok := s.Document(path)
	if !ok || !strings.Contains(string(doc.Body), "render 1") {
		t.Fatalf("Document(%s) = %q, %v", path, doc.Body, ok)
	}
	resp := do(t, "GET", ts.URL+path, nil)
	if got := body(t, resp); string(got) != string(doc.Body) || r.renders(path) != 1 {
		t.Errorf("the request got %q after %d renders, want Document's bytes, rendered once", got, r.renders(path))
	}
	want := []string{`<https://news.example/websub>; rel="hub"`, `<https://news.example/tag/iran/rss.xml>; rel="self"`}
	if got := resp.Header.Values("Link"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Link = %q, want %q", got, want)
	}
	if _, ok := s.Document("/tag/iran/nothing.xml"); ok {
		t.Error("Document found a path Render refuses")
	}
}

// A tag's or an author's page without its slash redirects, permanently,
// to the folder, as its links give it; query kept.
func TestTopicFolderRedirect(t *testing.T) { inModes(t, testTopicFolderRedirect) }

func testTopicFolderRedirect(t *testing.T, mode string) {
	_, _, ts := onDemandServer(t, 1<<20, mode)
	for _, tt := range []struct{ path, want string }{
		{"/tag/iran", "/tag/iran/"},
		{"/author/leila-haddad", "/author/leila-haddad/"},
		{"/tag/iran?page=2", "/tag/iran/?page=2"},
		{"/tag/caf%C3%A9", "/tag/caf%C3%A9/"},
	} {
		resp := do(t, "GET", ts.URL+tt.path, nil)
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != tt.want {
			t.Errorf("GET %s: %d to %q, want 301 to %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.want)
		}
	}
	if got := do(t, "POST", ts.URL+"/tag/iran", nil).StatusCode; got != http.StatusMethodNotAllowed {
		t.Errorf("POST /tag/iran: %d, want 405", got)
	}
}
