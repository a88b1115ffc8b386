package redistest

import (
	"net"
	"strings"
	"testing"
	"time"
)

func answers(addr string) bool { _, err := serverPID(addr); return err == nil }

func TestServerLifecycle(t *testing.T) {
	s := StartServer(t)
	if !strings.HasPrefix(s.URL, "redis://127.0.0.1:") || s.Port == 0 {
		t.Fatalf("URL %q, port %d", s.URL, s.Port)
	}
	if !answers(s.Addr) {
		t.Fatal("a started server does not answer")
	}

	s.Pause()
	start := time.Now()
	if answers(s.Addr) {
		t.Error("a paused server answered")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("probing a paused server took %v", d)
	}
	s.Resume()
	if err := WaitReady(s.Addr, 2*time.Second); err != nil {
		t.Errorf("after Resume: %v", err)
	}

	s.Kill()
	if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
		c.Close()
		t.Error("a killed server still accepts connections")
	}
	s.Kill() // twice is harmless

	s.Restart()
	if !answers(s.Addr) {
		t.Error("a restarted server does not answer on its old port")
	}

	s.Pause()
	s.Stop() // must not hang on a paused server
	s.Stop()
	if answers(s.Addr) {
		t.Error("a stopped server answers")
	}
}

// A PING from whoever holds the port must not pass for our own server.
func TestStartRefusesAPortAnotherServerHolds(t *testing.T) {
	other := StartServer(t)
	s := &Server{t: t, dir: t.TempDir()}
	t.Cleanup(s.Kill)
	s.setPort(other.Port, nil)
	err := s.start()
	if err == nil {
		t.Fatal("start on a taken port succeeded")
	}
	if !strings.Contains(err.Error(), other.Addr) {
		t.Errorf("error does not name the address: %v", err)
	}
}

func TestStartPrefersREDIS_URL(t *testing.T) {
	t.Setenv("REDIS_URL", "redis://example.invalid:6379/3")
	if got := Start(t); got != "redis://example.invalid:6379/3" {
		t.Errorf("Start = %q", got)
	}
}

func TestPrefixIsUnique(t *testing.T) {
	a, b := Prefix(t), Prefix(t)
	if a == b || !strings.HasPrefix(a, "synt:") || !strings.HasSuffix(a, ":") {
		t.Errorf("prefixes %q and %q", a, b)
	}
}

func TestCalls(t *testing.T) {
	s := StartServer(t)
	if n, err := s.Calls("hgetall"); err != nil || n != 0 {
		t.Fatalf("Calls before any = %d, %v; want 0", n, err)
	}
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64)
	for range 3 {
		c.Write([]byte("HGETALL somekey\r\n"))
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Calls("hgetall"); err != nil || n != 3 {
		t.Errorf("Calls after three = %d, %v; want 3", n, err)
	}
	if n, err := s.Calls("hset"); err != nil || n != 0 {
		t.Errorf("Calls of a command never run = %d, %v; want 0", n, err)
	}
}
