package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGracefulShutdown runs the real binary, starts a request, sends
// SIGTERM while the request is in flight, and checks that the request is
// answered in full and the process then exits 0.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "syndicate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Connection: close leaves the request to net/http; without it the
	// fast path answers.
	for _, connHeader := range []string{"Connection: close\r\n", ""} {
		t.Run(map[string]string{"": "fast path"}[connHeader]+strings.TrimSpace(connHeader), func(t *testing.T) {
			gracefulShutdown(t, bin, connHeader)
		})
	}
}

func gracefulShutdown(t *testing.T, bin, connHeader string) {
	addr := freeAddr(t)
	dir := sampleCopy(t, addr)
	cmd := exec.Command(bin, "serve", "--config", filepath.Join(dir, "config.toml"))
	var logs strings.Builder
	cmd.Stderr = &lockedWriter{w: &logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitHealthy(t, addr)

	// A request whose response is still being written when SIGTERM
	// arrives: the client reads nothing at first and keeps a small receive
	// window, so the handler blocks writing the large latest feed.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	conn.Write([]byte("GET /latest/atom.xml HTTP/1.1\r\nHost: " + addr + "\r\n" + connHeader + "\r\n"))
	// The first byte of the answer proves the handler is writing; the
	// rest waits in a window too small for the feed.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	first := make([]byte, 1)
	if _, err := io.ReadFull(conn, first); err != nil {
		t.Fatalf("no answer started: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// However long the process takes to act on the signal, it must stop
	// accepting while the request is still in flight.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting new connections 5s after SIGTERM")
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(bytes.NewReader(first), conn)), nil)
	if err != nil {
		t.Fatalf("in-flight request lost: %v\nlogs:\n%s", err, logs.String())
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || int64(len(body)) != resp.ContentLength || resp.ContentLength < 50_000 {
		t.Errorf("in-flight request: status %d, read %d of %d bytes, err %v", resp.StatusCode, len(body), resp.ContentLength, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("process did not exit after SIGTERM")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown log line:\n%s", logs.String())
	}
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server at %s not healthy: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
