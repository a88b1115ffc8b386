package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"syndicate/internal/config"
)

// t0 is the fake "now" that dated Retry-After values are read against.
var t0 = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>`

func testConfig() config.Fetch {
	return config.Fetch{
		ConnectTimeout: config.Duration{Duration: 2 * time.Second},
		Timeout:        config.Duration{Duration: 5 * time.Second},
		MaxBodyBytes:   1 << 20,
		MaxRedirects:   5,
		PerHost:        2,
		Workers:        4,
	}
}

// server answers each path with its handler and keeps the last request.
func server(t *testing.T, routes map[string]http.HandlerFunc) (*httptest.Server, func() *http.Request) {
	t.Helper()
	last := make(chan *http.Request, 1)
	mux := http.NewServeMux()
	for path, h := range routes {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-last:
			default:
			}
			last <- r
			h(w, r)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, func() *http.Request {
		select {
		case r := <-last:
			return r
		default:
			return nil
		}
	}
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func TestGet(t *testing.T) {
	const etag, lastMod = `"abc123"`, "Tue, 13 Oct 2026 08:00:00 GMT"
	sum := sha256.Sum256([]byte(feed))
	srv, _ := server(t, map[string]http.HandlerFunc{
		"/feed": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == lastMod {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			w.Header().Set("ETag", etag)
			w.Header().Set("Last-Modified", lastMod)
			w.Header().Set("Cache-Control", "public, max-age=600")
			w.Write([]byte(feed))
		},
		"/gz": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gzipped([]byte(feed)))
		},
		"/gone": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) },
		"/old": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/feed", http.StatusMovedPermanently)
		},
		"/older": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/old", http.StatusPermanentRedirect)
		},
		"/temp": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/feed", http.StatusFound) },
		"/perm-then-temp": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/temp", http.StatusMovedPermanently)
		},
	})
	tests := []struct {
		name, path, etag, lastMod string
		want                      Response // Body and Hash are the feed's for 200s
	}{
		{"fresh", "/feed", "", "", Response{Status: 200, ContentType: "application/rss+xml; charset=utf-8", ETag: etag, LastModified: lastMod, MaxAge: 10 * time.Minute}},
		{"not modified by etag", "/feed", etag, "", Response{Status: 304}},
		{"not modified by date", "/feed", "", lastMod, Response{Status: 304}},
		{"changed since", "/feed", `"old"`, "", Response{Status: 200, ContentType: "application/rss+xml; charset=utf-8", ETag: etag, LastModified: lastMod, MaxAge: 10 * time.Minute}},
		{"gzipped", "/gz", "", "", Response{Status: 200}},
		{"gone", "/gone", "", "", Response{Status: 410}},
		{"moved", "/old", "", "", Response{Status: 200, ContentType: "application/rss+xml; charset=utf-8", ETag: etag, LastModified: lastMod, MaxAge: 10 * time.Minute, MovedTo: "/feed"}},
		{"moved twice", "/older", "", "", Response{Status: 200, ContentType: "application/rss+xml; charset=utf-8", ETag: etag, LastModified: lastMod, MaxAge: 10 * time.Minute, MovedTo: "/feed"}},
		{"moved temporarily", "/temp", "", "", Response{Status: 200, ContentType: "application/rss+xml; charset=utf-8", ETag: etag, LastModified: lastMod, MaxAge: 10 * time.Minute}},
		{"moved, then temporarily", "/perm-then-temp", "", "", Response{Status: 200, ContentType: "application/rss+xml; charset=utf-8", ETag: etag, LastModified: lastMod, MaxAge: 10 * time.Minute, MovedTo: "/temp"}},
	}
	c := New(testConfig(), "Syndicate/test")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Get(t.Context(), Request{URL: srv.URL + tt.path, ETag: tt.etag, LastModified: tt.lastMod}, t0)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want.MovedTo != "" {
				want.MovedTo = srv.URL + want.MovedTo
			}
			if want.Status == 200 {
				want.Body, want.Hash = []byte(feed), hex.EncodeToString(sum[:])
			}
			want.FinalURL = srv.URL + tt.path
			if tt.path != "/gz" && tt.path != "/gone" && want.Status == 200 {
				want.FinalURL = srv.URL + "/feed"
			}
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) {
				t.Errorf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	srv, last := server(t, map[string]http.HandlerFunc{"/feed": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(feed)) }})
	c := New(testConfig(), "Syndicate/1.0 (+https://news.example)")
	if _, err := c.Get(t.Context(), Request{URL: srv.URL + "/feed", ETag: `"e"`, LastModified: "Tue, 13 Oct 2026 08:00:00 GMT"}, t0); err != nil {
		t.Fatal(err)
	}
	h := last().Header
	for name, want := range map[string]string{
		"User-Agent":        "Syndicate/1.0 (+https://news.example)",
		"Accept":            acceptFeeds,
		"Accept-Encoding":   "gzip",
		"If-None-Match":     `"e"`,
		"If-Modified-Since": "Tue, 13 Oct 2026 08:00:00 GMT",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 2<<20)
	redirect := func(to string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) }
	}
	routes := map[string]http.HandlerFunc{
		"/sized": func(w http.ResponseWriter, r *http.Request) { w.Write(big) },
		"/chunked": func(w http.ResponseWriter, r *http.Request) {
			for range 64 {
				w.Write(big[:64<<10]) // no Content-Length: the limit must bite while reading
				w.(http.Flusher).Flush()
			}
		},
		"/corrupt": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write([]byte("not gzip at all"))
		},
		"/brotli": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			w.Write([]byte{0x0b, 0x02, 0x80})
		},
		"/missing": http.NotFound,
		"/busy": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		},
		"/down": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", t0.Add(2*time.Hour).Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		},
		"/odd":    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(599) },
		"/loop-a": redirect("/loop-b"),
		"/loop-b": redirect("/loop-a"),
	}
	for i := range 7 {
		routes[fmt.Sprintf("/chain%d", i)] = redirect(fmt.Sprintf("/chain%d", i+1))
	}
	srv, _ := server(t, routes)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/feed"
	l.Close()

	tests := []struct {
		name, url string
		want      Error
	}{
		{"declared too large", srv.URL + "/sized", Error{Class: "too_large", Msg: "body exceeds 1048576 bytes"}},
		{"streamed too large", srv.URL + "/chunked", Error{Class: "too_large", Msg: "body exceeds 1048576 bytes"}},
		{"corrupt gzip", srv.URL + "/corrupt", Error{Class: "encoding", Msg: "bad gzip body: gzip: invalid header"}},
		{"encoding not asked for", srv.URL + "/brotli", Error{Class: "encoding", Msg: `unsupported Content-Encoding "br"`}},
		{"not found", srv.URL + "/missing", Error{Class: "http", Msg: "404 Not Found", Status: 404}},
		{"retry after seconds", srv.URL + "/busy", Error{Class: "http", Msg: "429 Too Many Requests", Status: 429, RetryAfter: 2 * time.Minute}},
		{"retry after a date", srv.URL + "/down", Error{Class: "http", Msg: "503 Service Unavailable", Status: 503, RetryAfter: 2 * time.Hour}},
		{"status without text", srv.URL + "/odd", Error{Class: "http", Msg: "599 status code 599", Status: 599}},
		{"redirect loop", srv.URL + "/loop-a", Error{Class: "redirects", Msg: "redirect loop at " + srv.URL + "/loop-a"}},
		{"redirect chain", srv.URL + "/chain0", Error{Class: "redirects", Msg: "more than 5 redirects"}},
		{"refused", refused, Error{Class: "connect", Msg: "connection refused"}},
		{"no such host", "http://feeds.nonexistent.invalid/rss", Error{Class: "dns", Msg: "no such host feeds.nonexistent.invalid"}},
		{"bad URL", "http://[::1/feed", Error{Class: "network", Msg: "bad URL: missing ']' in host"}},
	}
	c := New(testConfig(), "Syndicate/test")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.Get(t.Context(), Request{URL: tt.url}, t0)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("got %+v, %v; want an *Error", res, err)
			}
			if *fe != tt.want {
				t.Errorf("got  %+v\nwant %+v", *fe, tt.want)
			}
		})
	}
}

// TestGzipBombBounded checks that a compression bomb costs no more memory
// than the body limit, not what it would decompress to.
func TestGzipBombBounded(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zeros := make([]byte, 1<<20)
	for range 50 {
		zw.Write(zeros) // 50 MiB of zeros, about 50 KB compressed
	}
	zw.Close()
	srv, _ := server(t, map[string]http.HandlerFunc{"/bomb": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	}})
	c := New(testConfig(), "Syndicate/test")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.Get(t.Context(), Request{URL: srv.URL + "/bomb"}, t0)
	runtime.ReadMemStats(&after)
	if err == nil || err.Error() != "too_large: body exceeds 1048576 bytes" {
		t.Errorf("err = %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("bomb allocated %d MiB", grew>>20)
	}
}

func TestTimeouts(t *testing.T) {
	srv, _ := server(t, map[string]http.HandlerFunc{
		"/trickle": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			for range 200 {
				if _, err := w.Write([]byte("<")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		},
		"/silent": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		},
	})
	f := testConfig()
	f.Timeout.Duration = 500 * time.Millisecond
	c := New(f, "Syndicate/test")
	for _, path := range []string{"/trickle", "/silent"} {
		t.Run(path, func(t *testing.T) {
			start := time.Now()
			_, err := c.Get(t.Context(), Request{URL: srv.URL + path}, t0)
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("took %v", took)
			}
			if err == nil || err.Error() != "timeout: no response within 500ms" {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// TestCanceled checks that a fetch ends with its context.
func TestCanceled(t *testing.T) {
	srv, _ := server(t, map[string]http.HandlerFunc{"/slow": func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }})
	ctx, cancel := context.WithCancel(t.Context())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := New(testConfig(), "Syndicate/test").Get(ctx, Request{URL: srv.URL + "/slow"}, t0); err == nil {
		t.Error("no error from a canceled fetch")
	}
}

func TestMaxAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"":                        0,
		"no-cache":                0,
		"max-age=60":              time.Minute,
		"public, MAX-AGE=\"120\"": 2 * time.Minute,
		"max-age=-1":              0,
		"max-age=abc":             0,
		"max-age=99999999999":     (1 << 31) * time.Second,
	} {
		t.Run(in, func(t *testing.T) {
			if got := maxAge(in); got != want {
				t.Errorf("maxAge(%q) = %v, want %v", in, got, want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"":   0,
		"30": 30 * time.Second,
		"-5": 0,
		t0.Add(time.Hour).Format(http.TimeFormat):  time.Hour,
		t0.Add(-time.Hour).Format(http.TimeFormat): 0,
		"soon": 0,
	} {
		t.Run(in, func(t *testing.T) {
			if got := retryAfter(in, t0); got != want {
				t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
			}
		})
	}
}

// BeforeBody runs between a 2xx answer's headers and its body, and only
// then; an error from it ends the fetch.
func TestBeforeBody(t *testing.T) {
	srv, _ := server(t, map[string]http.HandlerFunc{
		"/feed":      func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(feed)) },
		"/unchanged": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) },
	})
	refuse := errors.New("no slot")
	for _, tt := range []struct {
		name, path string
		hook       error
		wantCalls  int
		wantBody   bool
	}{
		{"200", "/feed", nil, 1, true},
		{"304", "/unchanged", nil, 0, false},
		{"hook fails", "/feed", refuse, 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			res, err := New(testConfig(), "Syndicate/test").Get(t.Context(), Request{URL: srv.URL + tt.path, BeforeBody: func(ctx context.Context) error {
				calls++
				return tt.hook
			}}, t0)
			if calls != tt.wantCalls {
				t.Errorf("BeforeBody called %d times, want %d", calls, tt.wantCalls)
			}
			if tt.hook != nil {
				if err == nil {
					t.Error("a failing BeforeBody did not end the fetch")
				}
				return
			}
			if err != nil || (string(res.Body) == feed) != tt.wantBody {
				t.Errorf("Get = %q, %v", res.Body, err)
			}
		})
	}
}
