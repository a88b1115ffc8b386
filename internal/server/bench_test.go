package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"syndicate/internal/document"
	"testing"
	"time"

	"syndicate/internal/render"
)

// benchObserver is the counting hook BenchmarkHotPath measures; the
// audience package's collector, set by export_test.go's SetBenchObserve
// from a test of the external package (audience imports server).
var benchObserver Observer

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
// counting hook (Options.Observe), as serve runs it, and both together as
// "paired/", whose ratio metric is what counting costs a request: for a
// client already noted this hour, one short hash and an atomic load (see
// BenchmarkObserve).
func BenchmarkHotPath(b *testing.B) {
	doc := render.NewDocument([]byte(strings.Repeat("<item>some feed text</item>\n", 4000)), "application/rss+xml; charset=utf-8", time.Now())
	plain := New(Options{CacheMaxAge: time.Minute, OnDemandBytes: 1 << 20, Render: func(string) (document.Document, bool) { return doc, true }})
	plain.Update(map[string]document.Document{"/asia/rss.xml": doc})
	servers := []struct {
		suffix string
		s      *Server
	}{{"", plain}}
	if benchObserver != nil {
		counting := New(Options{CacheMaxAge: time.Minute, OnDemandBytes: 1 << 20, Render: func(string) (document.Document, bool) { return doc, true }, Observer: benchObserver})
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
	// paired runs each case on both servers in alternating blocks of
	// requests and reports the median of the blocks' ratios, so that
	// whatever else the machine does (preemption, other processes) falls
	// on few blocks and on both alike: counting's cost on a busy machine,
	// where separate runs vary by more than it.
	if len(servers) == 2 {
		for _, c := range cases {
			b.Run("paired/"+c.name, func(b *testing.B) {
				req := httptest.NewRequest("GET", c.path, nil)
				req.Header = c.header
				w := &discard{h: http.Header{}}
				const block = 16
				var plain, counting, ratios []float64
				for b.Loop() {
					var spent [2]time.Duration
					for i, srv := range servers {
						start := time.Now()
						for range block {
							clear(w.h)
							srv.s.ServeHTTP(w, req)
						}
						spent[i] = time.Since(start)
					}
					plain = append(plain, float64(spent[0])/block)
					counting = append(counting, float64(spent[1])/block)
					ratios = append(ratios, float64(spent[1])/float64(spent[0]))
				}
				b.ReportMetric(median(plain), "ns/plain")
				b.ReportMetric(median(counting), "ns/counting")
				b.ReportMetric(median(ratios), "ratio")
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

// BenchmarkServe is a feed request over a loopback connection, answered
// by the fast path and by net/http alone: the fast path with and without.
// The client is a bare connection that writes the request and reads the
// known number of bytes back, so that little but the server differs.
func BenchmarkServe(b *testing.B) {
	body, err := os.ReadFile("testdata/latest-rss.xml") // the sample's latest feed, 70 KB
	if err != nil {
		b.Fatal(err)
	}
	doc := render.NewDocument(body, "application/rss+xml; charset=utf-8", time.Now())
	// As BenchmarkHotPath, each case runs again with the counting hook:
	// "fast+counting" against "fast" is what counting costs the fast path.
	servers := map[string]*Server{"": New(Options{CacheMaxAge: time.Minute})}
	if benchObserver != nil {
		servers["+counting"] = New(Options{CacheMaxAge: time.Minute, Observer: benchObserver})
	}
	for _, s := range servers {
		s.Update(map[string]document.Document{"/latest/rss.xml": doc})
	}
	cases := []struct{ name, header string }{
		{"identity", ""},
		{"gzip", "Accept-Encoding: gzip\r\n"},
		{"br", "Accept-Encoding: br\r\n"},
		{"304", "If-None-Match: " + doc.ETag + "\r\n"},
	}
	for _, mode := range modes {
		for _, suffix := range []string{"", "+counting"} {
			s := servers[suffix]
			if s == nil {
				continue
			}
			ts := startServer(b, s, mode, nil)
			for _, c := range cases {
				b.Run(strings.ReplaceAll(mode, "/", "")+suffix+"/"+c.name, func(b *testing.B) {
					conn, err := net.Dial("tcp", ts.Listener.Addr().String())
					if err != nil {
						b.Fatal(err)
					}
					defer conn.Close()
					req := []byte("GET /latest/rss.xml HTTP/1.1\r\nHost: bench\r\nUser-Agent: NetNewsWire (RSS Reader; https://netnewswire.com/)\r\n" + c.header + "\r\n")
					// The first answer tells how long every answer is: all
					// headers, Date included, have a fixed length.
					conn.Write(req)
					br := bufio.NewReader(conn)
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					var head bytes.Buffer
					resp.Header.Write(&head)
					size := len("HTTP/1.1 ") + len(resp.Status) + 2 + head.Len() + 2 + int(n)
					buf := make([]byte, size)
					b.SetBytes(int64(n))
					for b.Loop() {
						if _, err := conn.Write(req); err != nil {
							b.Fatal(err)
						}
						if _, err := io.ReadFull(conn, buf); err != nil {
							b.Fatal(err)
						}
					}
					if !bytes.HasPrefix(buf, []byte("HTTP/1.1 "+resp.Status)) {
						b.Fatalf("answer starts %q", buf[:40])
					}
				})
			}
		}
	}
}

func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}
