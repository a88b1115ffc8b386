package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"syndicate/internal/document"
	"testing"
	"time"

	"syndicate/internal/render"
)

// benchObserve is the counting hook BenchmarkHotPath measures; the
// audience package's collector, set by export_test.go's SetBenchObserve
// from a test of the external package (audience imports server).
var benchObserve func(Hit)

// discard is a ResponseWriter that keeps nothing, so the benchmark measures
// the handler, not a recorder's buffering.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkHotPath measures a cached GET answered in-process, as identity,
// gzip and 304, and as identity of a document rendered on demand and
// kept (on-demand-warm); BenchmarkHotPath/baseline is http.ServeContent
// on the same bytes, the standard library's way to serve a file from
// memory.
//
// Each case runs again as "+counting" with the audience collector as the
// counting hook (Options.Observe), as serve runs it: the ratio of the two
// is what counting costs a request. With a seen client it is three
// hashes and an atomic load; measured on 2 shared cores, see the report
// of issue 15.
func BenchmarkHotPath(b *testing.B) {
	doc := render.NewDocument([]byte(strings.Repeat("<item>some feed text</item>\n", 4000)), "application/rss+xml; charset=utf-8", time.Now())
	plain := New(Options{CacheMaxAge: time.Minute, OnDemandBytes: 1 << 20, Render: func(string) (document.Document, bool) { return doc, true }})
	plain.Update(map[string]document.Document{"/asia/rss.xml": doc})
	servers := []struct {
		suffix string
		s      *Server
	}{{"", plain}}
	if benchObserve != nil {
		counting := New(Options{CacheMaxAge: time.Minute, OnDemandBytes: 1 << 20, Render: func(string) (document.Document, bool) { return doc, true }, Observe: benchObserve})
		counting.Update(map[string]document.Document{"/asia/rss.xml": doc})
		servers = append(servers, struct {
			suffix string
			s      *Server
		}{"+counting", counting})
	}
	// What a feed reader sends besides the conditions.
	reader := func(h http.Header) http.Header {
		h.Set("User-Agent", "NetNewsWire (RSS Reader; https://netnewswire.com/)")
		h.Set("Accept", "application/rss+xml, application/atom+xml, */*")
		return h
	}
	cases := []struct {
		name, path string
		header     http.Header
	}{
		{"identity", "/asia/rss.xml", reader(http.Header{})},
		{"gzip", "/asia/rss.xml", reader(http.Header{"Accept-Encoding": {"gzip, deflate, br"}})},
		{"304", "/asia/rss.xml", reader(http.Header{"If-None-Match": {doc.ETag}})},
		{"on-demand-warm", "/tag/iran/rss.xml", reader(http.Header{})},
	}
	for _, c := range cases {
		for _, srv := range servers {
			s := srv.s
			b.Run(c.name+srv.suffix, func(b *testing.B) {
				req := httptest.NewRequest("GET", c.path, nil)
				req.Header = c.header
				w := &discard{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					s.ServeHTTP(w, req)
				}
			})
		}
	}
	b.Run("baseline-servecontent", func(b *testing.B) {
		req := httptest.NewRequest("GET", "/asia/rss.xml", nil)
		w := &discard{h: http.Header{}}
		r := strings.NewReader(string(doc.Body))
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			r.Seek(0, 0)
			http.ServeContent(w, req, "rss.xml", doc.LastModified, r)
		}
	})
}
