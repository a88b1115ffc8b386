package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"syndicate/internal/document"
	"testing"
	"time"

	"syndicate/internal/render"
)

// exchange sends raw on a new connection, half-closes it and returns
// everything the server sends until it closes.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", raw, err)
	}
	return string(b)
}

var dateLine = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)

// TestFastPathAnswersAsNetHTTP sends the same bytes to the handler under
// net/http and to the fast path, and expects the same bytes back, Date
// aside: whatever the fast path answers, it answers as net/http would, and
// whatever it leaves to net/http (on the same connection, after requests
// it did answer) is answered as before.
func TestFastPathAnswersAsNetHTTP(t *testing.T) {
	feed := render.NewDocument([]byte(strings.Repeat("<rss>feed body</rss>\n", 600)), "application/rss+xml; charset=utf-8", modified)
	s := New(Options{
		CacheMaxAge: 5 * time.Minute,
		Links: func(path string, _ document.Document) []string {
			if strings.HasSuffix(path, ".xml") {
				return []string{`<https://feeds.example/websub>; rel="hub"`, `<https://feeds.example` + path + `>; rel="self"`}
			}
			return nil
		},
		Render:        (&renderer{count: map[string]int{}}).render,
		OnDemandBytes: 1 << 20,
	})
	// Larger than document.FileMin: sent with sendfile.
	big := render.NewDocument([]byte(strings.Repeat("<rss>a long feed body</rss>\n", 8000)), "application/rss+xml; charset=utf-8", modified)
	s.Update(map[string]document.Document{
		"/asia/rss.xml": feed,
		"/big/rss.xml":  big,
		"/asia/":        render.NewDocument([]byte("<!doctype html><title>Asia</title>"), "text/html; charset=utf-8", modified),
	})
	if len(big.Body) < document.FileMin || len(feed.Body) >= document.FileMin {
		t.Fatal("the documents no longer straddle document.FileMin")
	}
	plain := startServer(t, s, "net/http", nil).Listener.Addr().String()
	fast := startServer(t, s, "fast", nil).Listener.Addr().String()
	// The baseline make loadtest measures sendfile against copies sealed
	// bodies back to memory: it must answer alike too.
	writev := startServer(t, s, "fast, no sendfile", nil).Listener.Addr().String()
	gzipTag := strings.TrimSuffix(feed.ETag, `"`) + `-gzip"`

	get := func(path, headers string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: feeds.example\r\n" + headers + "\r\n"
	}
	tests := []struct{ name, raw string }{
		{"identity", get("/asia/rss.xml", "")},
		{"gzip", get("/asia/rss.xml", "Accept-Encoding: gzip\r\n")},
		{"brotli preferred", get("/asia/rss.xml", "Accept-Encoding: gzip, deflate, br\r\n")},
		{"brotli refused", get("/asia/rss.xml", "Accept-Encoding: br;q=0, gzip\r\n")},
		{"304 by ETag", get("/asia/rss.xml", "If-None-Match: "+feed.ETag+"\r\n")},
		{"304 by gzip ETag, gzip accepted", get("/asia/rss.xml", "Accept-Encoding: gzip\r\nIf-None-Match: "+gzipTag+"\r\n")},
		{"304 by date", get("/asia/rss.xml", "If-Modified-Since: Mon, 02 Nov 2026 08:30:00 GMT\r\n")},
		{"stale ETag wins over date", get("/asia/rss.xml", "If-None-Match: \"0\"\r\nIf-Modified-Since: Mon, 02 Nov 2026 08:30:00 GMT\r\n")},
		{"HEAD", "HEAD /asia/rss.xml HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"sendfile", get("/big/rss.xml", "")},
		{"sendfile, HEAD, pipelined", get("/big/rss.xml", "") + "HEAD /big/rss.xml HTTP/1.1\r\nHost: a\r\n\r\n" + get("/big/rss.xml", "") + get("/asia/", "")},
		{"query", get("/asia/rss.xml?utm_source=x", "")},
		{"page", get("/asia/", "Accept-Encoding: gzip\r\n")},
		{"pipelined", get("/asia/rss.xml", "") + get("/asia/", "") + get("/asia/rss.xml", "Accept-Encoding: br\r\n")},
		{"then a 405", get("/asia/rss.xml", "") + "POST /asia/rss.xml HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + get("/asia/", "")},
		{"then a route", get("/asia/", "") + get("/healthz", "")},
		{"then a redirect", get("/asia/", "") + get("/asia", "")},
		{"404", get("/nowhere/rss.xml", "")},
		{"rendered on demand", get("/tag/iran/rss.xml", "Accept-Encoding: br\r\n") + get("/tag/iran/rss.xml", "")},
		{"not rendered on demand", get("/tag/iran/nothing.xml", "")},
		{"credentials", get("/asia/rss.xml", "Authorization: Bearer s3cret\r\n")},
		{"a partner's path", get("/p/tok3n/asia/rss.xml", "")},
		{"escaped path", get("/asia%2Frss.xml", "")},
		{"Connection: close", get("/asia/rss.xml", "Connection: close\r\n") + get("/asia/", "")},
		{"HTTP/1.0", "GET /asia/rss.xml HTTP/1.0\r\n\r\n"},
		{"no Host", "GET /asia/rss.xml HTTP/1.1\r\n\r\n"},
		{"bare LF", "GET /asia/rss.xml HTTP/1.1\nHost: a\n\n"},
		{"head longer than the fast path reads", get("/asia/rss.xml", "Cookie: "+strings.Repeat("c", 6000)+"\r\n")},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"},
		{"partial head", "GET /asia/rss.xml HTTP/1.1\r\nHost: a\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := dateLine.ReplaceAllString(exchange(t, plain, tt.raw), "Date: -\r")
			got := dateLine.ReplaceAllString(exchange(t, fast, tt.raw), "Date: -\r")
			if got != want {
				t.Errorf("fast path answered\n%.600q\nnet/http\n%.600q", got, want)
			}
			if got := dateLine.ReplaceAllString(exchange(t, writev, tt.raw), "Date: -\r"); got != want {
				t.Errorf("fast path without sendfile answered\n%.600q\nnet/http\n%.600q", got, want)
			}
			if strings.HasPrefix(tt.name, "sendfile") && !strings.Contains(want, "\r\n\r\n"+string(big.Body)) {
				t.Errorf("the sealed body was not sent whole: %d bytes answered", len(want))
			}
			if want == "" && tt.name != "partial head" {
				t.Error("no answer at all: the case tests nothing")
			}
		})
	}
}

// TestFastPathShutdown checks graceful shutdown of the fast path's own
// connections: an idle one is closed at once, one whose response is being
// written gets all of it, and no new connection is accepted.
func TestFastPathShutdown(t *testing.T) {
	// Larger than the socket buffers can hold (tcp_wmem's usual maximum is
	// 4 MB), so that the server is still writing when shutdown begins.
	big := document.Document{Body: bytes.Repeat([]byte("<item>a large feed</item>\n"), 600_000), ETag: `"big"`, ContentType: "application/rss+xml"}
	s := New(Options{})
	s.Update(map[string]document.Document{"/big/rss.xml": big})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s}
	fast := s.Listener(ln, hs)
	go hs.Serve(fast)
	addr := ln.Addr().String()
	request := "GET /big/rss.xml HTTP/1.1\r\nHost: a\r\n\r\n"

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, request)
	idleReader := bufio.NewReader(idle)
	if resp, err := http.ReadResponse(idleReader, nil); err != nil {
		t.Fatal(err)
	} else if n, _ := io.Copy(io.Discard, resp.Body); n != int64(len(big.Body)) {
		t.Fatalf("read %d bytes", n)
	}

	busy, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	// A receive buffer well below the body's size, and only the headers
	// read: once they arrive the server is writing, and blocked there
	// until the body is read. (A fixed sleep here lost the race to a
	// loaded machine: shutdown then found the connection idle.)
	busy.(*net.TCPConn).SetReadBuffer(64 << 10)
	io.WriteString(busy, request)
	busy.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(busy)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight response lost: %v", err)
	}

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- fast.Shutdown(ctx)
	}()

	idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := idleReader.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("idle connection after shutdown: read %d bytes, %v; want EOF", n, err)
	}
	select {
	case err := <-done:
		t.Fatalf("shutdown returned (%v) while a response was being written", err)
	default:
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("new connection accepted after shutdown")
	}
	busy.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := io.Copy(io.Discard, resp.Body); n != int64(len(big.Body)) || err != nil {
		t.Errorf("in-flight response: %d of %d bytes, %v", n, len(big.Body), err)
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("connection after the in-flight response: %d bytes, %v; want EOF", n, err)
	}
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestFastPathTimeouts checks that the fast path applies the server's
// header and idle timeouts as net/http does.
func TestFastPathTimeouts(t *testing.T) {
	s := New(Options{})
	s.Update(map[string]document.Document{"/asia/rss.xml": render.NewDocument([]byte("<rss/>"), "application/rss+xml", modified)})
	const timeout = 200 * time.Millisecond
	ts := startServer(t, s, "fast", func(ts *httptest.Server) {
		hs := ts.Config
		hs.ReadHeaderTimeout = timeout
		hs.IdleTimeout = timeout
	})
	addr := ts.Listener.Addr().String()
	tests := []struct {
		name   string
		sends  []string // written one after another
		answer int      // responses expected before the server hangs up
	}{
		{"silent connection", nil, 0},
		{"head never finished", []string{"GET /asia/rss.xml HTTP/1.1\r\n"}, 0},
		{"idle after a response", []string{"GET /asia/rss.xml HTTP/1.1\r\nHost: a\r\n\r\n"}, 1},
		{"second head never finished", []string{"GET /asia/rss.xml HTTP/1.1\r\nHost: a\r\n\r\nGET /asia/rss.xml HTTP/1.1\r\n"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, b := range tt.sends {
				io.WriteString(conn, b)
			}
			// Closed well within ten timeouts, however busy the machine.
			conn.SetReadDeadline(time.Now().Add(10 * timeout))
			br := bufio.NewReader(conn)
			for range tt.answer {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
			}
			if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Errorf("read %d bytes, %v; want the server to hang up (EOF)", n, err)
			}
		})
	}
}
