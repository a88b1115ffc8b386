package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"syndicate/internal/document"
	"syndicate/internal/render"
)

// serveLimited serves s on loopback through NewHTTP, limited to max
// connections, with the fast path in front in mode "fast", as serve
// puts them together.
func serveLimited(t testing.TB, s *Server, max int, mode string) (addr string, l *Limiter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l = NewLimiter(max)
	srv := NewHTTP(s, l, slog.New(slog.DiscardHandler))
	ln = l.Listener(ln)
	var fast *Listener
	if mode == "fast" {
		fast = s.Listener(ln, srv)
		ln = fast
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		if fast != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			fast.Shutdown(ctx)
		}
	})
	return ln.Addr().String(), l
}

// limitServer has a document at / and the routes /slow, which answers
// once release is closed, and /fast.
func limitServer(release chan struct{}) *Server {
	s := New(Options{})
	s.Update(map[string]document.Document{"/": render.NewDocument([]byte("<!doctype html>"), "text/html; charset=utf-8", modified)})
	s.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	s.Handle("GET /fast", http.HandlerFunc(Healthz))
	return s
}

// request sends one GET on c and returns the status line and body.
func request(t testing.TB, c net.Conn, r *bufio.Reader, path string) (int, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func dial(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

func TestLimiterAnswers503WhenAllAreBusy(t *testing.T) { inModes(t, testLimiterAnswers503) }

func testLimiterAnswers503(t *testing.T, mode string) {
	release := make(chan struct{})
	addr, l := serveLimited(t, limitServer(release), 2, mode)

	busyDone := make(chan int, 2)
	for range 2 {
		c, r := dial(t, addr)
		go func() { code, _ := request(t, c, r, "/slow"); busyDone <- code }()
	}
	for l.open() < 2 {
		time.Sleep(time.Millisecond)
	}
	for l.busy() < 2 {
		time.Sleep(time.Millisecond) // both requests under way, so neither idles
	}
	c, r := dial(t, addr)
	if code, body := request(t, c, r, "/fast"); code != http.StatusServiceUnavailable || !strings.Contains(body, "too many connections") {
		t.Errorf("a third connection got %d %q, want 503 saying why", code, body)
	}
	close(release)
	for range 2 {
		if code := <-busyDone; code != 200 {
			t.Errorf("a busy connection got %d", code)
		}
	}
}

// In mode "fast" the fast path answers every request here, and keeps the
// idle flag the limit chooses by.
func TestLimiterMakesRoomByClosingIdleConnections(t *testing.T) {
	inModes(t, testLimiterMakesRoom)
}

func testLimiterMakesRoom(t *testing.T, mode string) {
	addr, l := serveLimited(t, limitServer(nil), 2, mode)
	var idle []net.Conn
	for range 2 {
		c, r := dial(t, addr)
		if code, _ := request(t, c, r, "/"); code != 200 {
			t.Fatalf("got %d", code)
		}
		idle = append(idle, c) // kept alive, idle
	}
	for deadline := time.Now().Add(10 * time.Second); l.busy() > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still busy 10s after their answers: idle ones are not known as idle", l.busy())
		}
	}
	c, r := dial(t, addr)
	if code, _ := request(t, c, r, "/"); code != 200 {
		t.Fatalf("a new connection beside two idle ones got %d, want 200", code)
	}
	if n := l.open(); n != 2 {
		t.Errorf("%d connections open, want the limit of 2", n)
	}
	closed := 0
	for _, c := range idle {
		c.SetReadDeadline(time.Now().Add(time.Second)) // the closed one answers at once
		_, err := c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); err != nil && !(ok && ne.Timeout()) {
			closed++
		}
	}
	if closed != 1 {
		t.Errorf("%d idle connections closed, want 1", closed)
	}
}

// open counts the connections open.
func (l *Limiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// busy counts the connections that are not idle.
func (l *Limiter) busy() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for lc := range l.conns {
		if !lc.idle.Load() {
			n++
		}
	}
	return n
}

// heapAndStacks is the memory Go holds for objects and goroutine stacks.
func heapAndStacks() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

// BenchmarkIdleConnections holds 2,000 keep-alive connections idle after
// one request each, and reports the memory they take in the server's
// process (the clients' side of each socket included).
func BenchmarkIdleConnections(b *testing.B) {
	for _, mode := range modes {
		b.Run(strings.ReplaceAll(mode, "/", ""), func(b *testing.B) { benchmarkIdleConnections(b, mode) })
	}
}

func benchmarkIdleConnections(b *testing.B, mode string) {
	const n = 2000
	for b.Loop() {
		addr, l := serveLimited(b, limitServer(nil), n, mode)
		runtime.GC()
		before := heapAndStacks()
		conns := make([]net.Conn, 0, n)
		for range n {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			conns = append(conns, c)
		}
		buf := make([]byte, 512)
		for _, c := range conns {
			if _, err := c.Read(buf); err != nil {
				b.Fatal(err)
			}
		}
		for l.busy() > 0 {
			time.Sleep(time.Millisecond)
		}
		runtime.GC()
		held := heapAndStacks() - before
		b.ReportMetric(float64(held)/(1<<20), "MiB/2000-idle")
		b.ReportMetric(float64(held)/n/1024, "KiB/conn")
		for _, c := range conns {
			c.Close()
		}
	}
}
