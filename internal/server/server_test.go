package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syndicate/internal/document"
	"syscall"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"syndicate/internal/render"
)

var modified = time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)

// modes are the two ways a document request is answered: by the handler
// under net/http, and by the fast path in front of it. Tests that talk
// HTTP run in both.
var modes = []string{"net/http", "fast"}

// startServer serves s on loopback, through a Listener in mode "fast".
func startServer(t testing.TB, s *Server, mode string, configure func(*httptest.Server)) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(s)
	if configure != nil {
		configure(ts)
	}
	var fast *Listener
	if mode == "fast" || mode == "fast, no sendfile" {
		fast = s.Listener(ts.Listener, ts.Config)
		fast.NoSendfile = mode == "fast, no sendfile"
		ts.Listener = fast
	}
	ts.Start()
	t.Cleanup(func() {
		if fast != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := fast.Shutdown(ctx); err != nil {
				t.Errorf("fast path shutdown: %v", err)
			}
		}
		ts.Close()
	})
	return ts
}

func newTestServer(t *testing.T, mode string) (*Server, *httptest.Server, document.Document) {
	t.Helper()
	feed := render.NewDocument([]byte(strings.Repeat("<rss>feed body</rss>\n", 200)), "application/rss+xml; charset=utf-8", modified)
	s := New(Options{CacheMaxAge: 5 * time.Minute})
	s.Update(map[string]document.Document{
		"/asia/rss.xml": feed,
		"/asia/":        render.NewDocument([]byte("<!doctype html><title>Asia</title>"), "text/html; charset=utf-8", modified),
		"/":             render.NewDocument([]byte("<!doctype html><title>Home</title>"), "text/html; charset=utf-8", modified),
	})
	return s, startServer(t, s, mode, nil), feed
}

// inModes runs test once per mode.
func inModes(t *testing.T, test func(t *testing.T, mode string)) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) { test(t, mode) })
	}
}

func do(t *testing.T, method, url string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	// The default transport would add Accept-Encoding and decompress
	// transparently; these tests look at the wire.
	tr := &http.Transport{DisableCompression: true}
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFeedResponseHeaders(t *testing.T) {
	inModes(t, func(t *testing.T, mode string) {
		_, ts, feed := newTestServer(t, mode)
		resp := do(t, "GET", ts.URL+"/asia/rss.xml", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		want := map[string]string{
			"Content-Type":   "application/rss+xml; charset=utf-8",
			"Etag":           feed.ETag,
			"Last-Modified":  "Mon, 02 Nov 2026 08:30:00 GMT",
			"Cache-Control":  "public, max-age=300",
			"Vary":           "Accept-Encoding",
			"Content-Length": "4200",
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if !bytes.Equal(body(t, resp), feed.Body) {
			t.Error("body differs from the rendered document")
		}
		if !strings.HasPrefix(feed.ETag, `"`) || strings.HasPrefix(feed.ETag, "W/") {
			t.Errorf("ETag %q is not a strong validator", feed.ETag)
		}
	})
}

func TestContentCoding(t *testing.T) {
	inModes(t, func(t *testing.T, mode string) {
		s, ts, feed := newTestServer(t, mode)
		// A document stored without a brotli copy (by an older instance
		// of a fleet, say) and one with no compressed copy at all.
		gzipOnly, identityOnly := feed, feed
		gzipOnly.Brotli = nil
		identityOnly.Gzip, identityOnly.Brotli = nil, nil
		s.Update(map[string]document.Document{"/asia/rss.xml": feed, "/gzip/rss.xml": gzipOnly, "/none/rss.xml": identityOnly})
		decoders := map[string]func(io.Reader) (io.Reader, error){
			"":     func(r io.Reader) (io.Reader, error) { return r, nil },
			"gzip": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
			"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
		}
		tests := []struct {
			path, acceptEncoding, want string
		}{
			{"/asia/rss.xml", "gzip", "gzip"},
			{"/asia/rss.xml", "deflate, gzip;q=0.8", "gzip"},
			{"/asia/rss.xml", "x-gzip", "gzip"},
			{"/asia/rss.xml", "br", "br"},
			{"/asia/rss.xml", "gzip, deflate, br", "br"},
			{"/asia/rss.xml", "gzip;q=1, br;q=0.5", "br"},
			{"/asia/rss.xml", "BR", "br"},
			{"/asia/rss.xml", "br;q=0, gzip", "gzip"},
			{"/asia/rss.xml", "br;q=0.0, gzip;q=0", ""},
			{"/asia/rss.xml", "*", "br"},
			{"/asia/rss.xml", "br;q=0, *", "gzip"},
			{"/asia/rss.xml", "*, br;q=0, gzip;q=0", ""},
			{"/asia/rss.xml", "*;q=0", ""},
			{"/asia/rss.xml", "gzip;q=0", ""},
			{"/asia/rss.xml", "identity", ""},
			{"/asia/rss.xml", "", ""},
			{"/gzip/rss.xml", "gzip, br", "gzip"},
			{"/none/rss.xml", "gzip, br", ""},
		}
		etags := map[string]string{}
		for _, tt := range tests {
			t.Run(tt.path+" "+tt.acceptEncoding, func(t *testing.T) {
				resp := do(t, "GET", ts.URL+tt.path, map[string]string{"Accept-Encoding": tt.acceptEncoding})
				b := body(t, resp)
				if got := resp.Header.Get("Content-Encoding"); got != tt.want {
					t.Fatalf("Content-Encoding %q, want %q", got, tt.want)
				}
				if resp.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
					t.Errorf("Content-Length %s, body %d bytes", resp.Header.Get("Content-Length"), len(b))
				}
				r, err := decoders[tt.want](bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				if plain, err := io.ReadAll(r); err != nil || !bytes.Equal(plain, feed.Body) {
					t.Errorf("%q body does not decode to the document (%v)", tt.want, err)
				}
				if tt.want != "" && len(b) >= len(feed.Body) {
					t.Errorf("%s copy %d bytes, identity %d", tt.want, len(b), len(feed.Body))
				}
				// Each representation has its own validator.
				tag := resp.Header.Get("Etag")
				if other, ok := etags[tag]; ok && other != tt.want {
					t.Errorf("ETag %s is shared by %q and %q", tag, other, tt.want)
				}
				etags[tag] = tt.want
			})
		}
	})
}

func TestConditionalRequests(t *testing.T) {
	inModes(t, func(t *testing.T, mode string) {
		_, ts, feed := newTestServer(t, mode)
		gzipTag := do(t, "GET", ts.URL+"/asia/rss.xml", map[string]string{"Accept-Encoding": "gzip"}).Header.Get("Etag")
		brTag := do(t, "GET", ts.URL+"/asia/rss.xml", map[string]string{"Accept-Encoding": "br"}).Header.Get("Etag")
		tests := []struct {
			name    string
			headers map[string]string
			want    int
		}{
			{"matching etag", map[string]string{"If-None-Match": feed.ETag}, 304},
			{"gzip etag", map[string]string{"If-None-Match": gzipTag}, 304},
			{"brotli etag", map[string]string{"If-None-Match": brTag}, 304},
			{"weak form of etag", map[string]string{"If-None-Match": "W/" + feed.ETag}, 304},
			{"etag in a list", map[string]string{"If-None-Match": `"nope", ` + feed.ETag}, 304},
			{"star", map[string]string{"If-None-Match": "*"}, 304},
			{"stale etag", map[string]string{"If-None-Match": `"0000"`}, 200},
			{"not modified since", map[string]string{"If-Modified-Since": "Mon, 02 Nov 2026 08:30:00 GMT"}, 304},
			{"modified since", map[string]string{"If-Modified-Since": "Mon, 02 Nov 2026 08:29:59 GMT"}, 200},
			{"bad date", map[string]string{"If-Modified-Since": "yesterday"}, 200},
			{"etag wins over date", map[string]string{"If-None-Match": `"0000"`, "If-Modified-Since": "Mon, 02 Nov 2026 08:30:00 GMT"}, 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := do(t, "GET", ts.URL+"/asia/rss.xml", tt.headers)
				b := body(t, resp)
				if resp.StatusCode != tt.want {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
				}
				if tt.want == 304 {
					if len(b) != 0 {
						t.Errorf("304 with a %d-byte body", len(b))
					}
					if resp.Header.Get("Etag") == "" || resp.Header.Get("Cache-Control") == "" {
						t.Error("304 lacks ETag or Cache-Control")
					}
				}
			})
		}
	})
}

func TestRoutes(t *testing.T) {
	inModes(t, func(t *testing.T, mode string) {
		_, ts, feed := newTestServer(t, mode)
		tests := []struct {
			method, path string
			want         int
			wantLen      int
		}{
			{"GET", "/asia/rss.xml", 200, len(feed.Body)},
			{"HEAD", "/asia/rss.xml", 200, 0},
			{"GET", "/asia/", 200, -1},
			{"GET", "/", 200, -1},
			{"GET", "/nowhere/rss.xml", 404, -1},
			{"GET", "/asia/feed.rdf", 404, -1},
			{"GET", "/asia", http.StatusTemporaryRedirect, -1}, // the mux redirects to the section page
			{"POST", "/asia/rss.xml", 405, -1},
			{"DELETE", "/", 405, -1},
			{"GET", "/healthz", 200, -1},
		}
		for _, tt := range tests {
			t.Run(tt.method+" "+tt.path, func(t *testing.T) {
				resp := do(t, tt.method, ts.URL+tt.path, nil)
				b := body(t, resp)
				if resp.StatusCode != tt.want {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
				}
				if tt.path == "/asia" && resp.Header.Get("Location") != "/asia/" {
					t.Errorf("redirect to %q, want /asia/", resp.Header.Get("Location"))
				}
				if tt.want == 405 && !strings.Contains(resp.Header.Get("Allow"), "GET") {
					t.Errorf("405 without Allow: %q", resp.Header.Get("Allow"))
				}
				if tt.wantLen >= 0 && len(b) != tt.wantLen {
					t.Errorf("body %d bytes, want %d", len(b), tt.wantLen)
				}
				if tt.method == "HEAD" && resp.Header.Get("Content-Length") != "4200" {
					t.Errorf("HEAD Content-Length = %q", resp.Header.Get("Content-Length"))
				}
			})
		}
	})
}

func TestUpdateSwapsDocuments(t *testing.T) {
	inModes(t, func(t *testing.T, mode string) {
		s, ts, feed := newTestServer(t, mode)
		next := render.NewDocument([]byte("<rss>new</rss>"), "application/rss+xml; charset=utf-8", modified.Add(time.Hour))
		s.Update(map[string]document.Document{"/asia/rss.xml": next})
		resp := do(t, "GET", ts.URL+"/asia/rss.xml", map[string]string{"If-None-Match": feed.ETag})
		if resp.StatusCode != 200 || string(body(t, resp)) != "<rss>new</rss>" {
			t.Fatalf("old ETag still matched or old body served: %d", resp.StatusCode)
		}
		if resp := do(t, "GET", ts.URL+"/", nil); resp.StatusCode != 404 {
			t.Errorf("document dropped from the set still served: %d", resp.StatusCode)
		}
	})
}

// countingCounter is atomic: the fast path's raw writes do not tell the
// race detector that the response, and so the count, came before the
// client read it.
type countingCounter struct{ n atomic.Int64 }

func (c *countingCounter) Inc() { c.n.Add(1) }

func TestFeedCounters(t *testing.T) {
	inModes(t, func(t *testing.T, mode string) {
		var mu sync.Mutex
		counters := map[string]*countingCounter{}
		s := New(Options{FeedCounter: func(section, format string, code int) Counter {
			mu.Lock()
			defer mu.Unlock()
			key := section + " " + format + " " + http.StatusText(code)
			if counters[key] == nil {
				counters[key] = &countingCounter{}
			}
			return counters[key]
		}})
		feed := render.NewDocument([]byte("<rss/>"), "application/rss+xml; charset=utf-8", modified)
		s.Update(map[string]document.Document{"/asia/rss.xml": feed, "/asia/": feed})
		ts := startServer(t, s, mode, nil)
		do(t, "GET", ts.URL+"/asia/rss.xml", nil)
		do(t, "GET", ts.URL+"/asia/rss.xml", nil)
		do(t, "GET", ts.URL+"/asia/rss.xml", map[string]string{"If-None-Match": feed.ETag})
		do(t, "GET", ts.URL+"/asia/", nil)
		mu.Lock()
		defer mu.Unlock()
		if got := counters["asia rss.xml OK"]; got == nil || got.n.Load() != 2 {
			t.Errorf("200 counter = %+v, want 2", got)
		}
		if got := counters["asia rss.xml Not Modified"]; got == nil || got.n.Load() != 1 {
			t.Errorf("304 counter = %+v, want 1", got)
		}
		if len(counters) != 2 {
			t.Errorf("counters made for non-feed documents: %v", counters)
		}
	})
}

func TestRequestLogOnlyAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			var buf bytes.Buffer
			s := New(Options{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))})
			feed := render.NewDocument([]byte("<rss/>"), "application/rss+xml; charset=utf-8", modified)
			s.Update(map[string]document.Document{"/asia/rss.xml": feed})
			// Through the fast path's listener: at debug level it leaves
			// every request to net/http, where ServeHTTP logs it.
			ts := startServer(t, s, "fast", nil)
			do(t, "GET", ts.URL+"/asia/rss.xml", map[string]string{"If-None-Match": feed.ETag})
			do(t, "GET", ts.URL+"/nowhere/rss.xml", nil)
			out := buf.String()
			if level == slog.LevelInfo && out != "" {
				t.Errorf("info level logged requests: %q", out)
			}
			if level == slog.LevelDebug && (!strings.Contains(out, "path=/asia/rss.xml status=304") || !strings.Contains(out, "path=/nowhere/rss.xml status=404")) {
				t.Errorf("debug log lacks the requests: %q", out)
			}
		})
	}
}

func TestPageSecurityHeaders(t *testing.T) {
	inModes(t, func(t *testing.T, mode string) {
		_, ts, _ := newTestServer(t, mode)
		for path, page := range map[string]bool{"/asia/": true, "/": true, "/asia/rss.xml": false} {
			for _, enc := range []string{"", "gzip", "br"} {
				pageSecurityHeaders(t, do(t, "GET", ts.URL+path, map[string]string{"Accept-Encoding": enc}), path, page)
			}
		}
	})
	csp := ContentSecurityPolicy("https://news.example/")
	for _, want := range []string{"default-src 'none';", "style-src 'self' https://news.example;", "img-src 'self' https://news.example https:;", "frame-ancestors 'self';"} {
		if !strings.Contains(csp, want) {
			t.Errorf("policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script") {
		t.Errorf("policy %q allows scripts", csp)
	}
}

func pageSecurityHeaders(t *testing.T, resp *http.Response, path string, page bool) {
	t.Helper()
	csp, ref := resp.Header.Get("Content-Security-Policy"), resp.Header.Get("Referrer-Policy")
	if !page {
		if csp != "" || ref != "" {
			t.Errorf("%s: a feed carries page headers %q %q", path, csp, ref)
		}
		return
	}
	if csp != ContentSecurityPolicy("") || ref != "strict-origin-when-cross-origin" {
		t.Errorf("%s: Content-Security-Policy %q, Referrer-Policy %q (Content-Encoding %q)", path, csp, ref, resp.Header.Get("Content-Encoding"))
	}
}

// A document too large for writeTimeout at a slow reader's pace gets its
// own deadline; others keep the server's.
func TestWriteDeadline(t *testing.T) {
	for _, tt := range []struct {
		size int
		want time.Duration
	}{
		{200 << 10, 0},
		{writeBudget, 0},
		{1 << 20, writeTimeout + 64*time.Second},
		{10 << 20, writeTimeout + 640*time.Second},
	} {
		e := New(Options{}).newEntry("/big/rss.xml", document.Document{Body: make([]byte, tt.size)})
		if e.writeDeadline != tt.want {
			t.Errorf("%d bytes: write deadline %v, want %v", tt.size, e.writeDeadline, tt.want)
		}
	}
}

// A reader that takes nothing is cut off once the server's write timeout
// has passed, on either path.
func TestWriteTimeoutCutsOffAStalledReader(t *testing.T) {
	inModes(t, func(t *testing.T, mode string) {
		s := New(Options{})
		// Within writeBudget, so the server's timeout applies as it is,
		// and larger than the socket buffers hold while the client reads
		// nothing.
		doc := render.NewDocument(bytes.Repeat([]byte("<item>stalled</item>\n"), 20_000), "application/rss+xml", modified)
		s.Update(map[string]document.Document{"/asia/rss.xml": doc})
		// Small socket buffers, set before connecting, on both sides.
		small := func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096)
			})
		}
		ts := startServer(t, s, mode, func(ts *httptest.Server) {
			ts.Config.WriteTimeout = 300 * time.Millisecond
			ln, err := (&net.ListenConfig{Control: small}).Listen(context.Background(), "tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ts.Listener.Close()
			ts.Listener = ln
		})
		d := net.Dialer{Control: small}
		conn, err := d.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /asia/rss.xml HTTP/1.1\r\nHost: a\r\n\r\n")
		time.Sleep(1500 * time.Millisecond)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := io.Copy(io.Discard, conn)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the connection is still open after %d bytes: no write deadline", n)
		}
		if n >= int64(len(doc.Body)) {
			t.Errorf("read %d bytes, the whole response: the write was not cut off", n)
		}
	})
}
