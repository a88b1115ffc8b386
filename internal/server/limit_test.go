package server

import (
	"bufio"
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
)

// serveLimited serves h on loopback through NewHTTP, limited to max
// connections.
func serveLimited(t testing.TB, h http.Handler, max int) (addr string, l *Limiter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l = NewLimiter(max)
	srv := NewHTTP(h, l, slog.New(slog.DiscardHandler))
	go srv.Serve(l.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), l
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

func TestLimiterAnswers503WhenAllAreBusy(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	mux.HandleFunc("/fast", Healthz)
	addr, l := serveLimited(t, mux, 2)

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

func TestLimiterMakesRoomByClosingIdleConnections(t *testing.T) {
	addr, l := serveLimited(t, http.HandlerFunc(Healthz), 2)
	var idle []net.Conn
	for range 2 {
		c, r := dial(t, addr)
		if code, _ := request(t, c, r, "/"); code != 200 {
			t.Fatalf("got %d", code)
		}
		idle = append(idle, c) // kept alive, idle
	}
	for l.busy() > 0 {
		time.Sleep(time.Millisecond)
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
	for _, idle := range l.conns {
		if !idle {
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
	const n = 2000
	for b.Loop() {
		addr, l := serveLimited(b, http.HandlerFunc(Healthz), n)
		runtime.GC()
		before := heapAndStacks()
		conns := make([]net.Conn, 0, n)
		for range n {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
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
