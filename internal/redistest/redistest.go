// Package redistest starts throwaway redis-server processes for tests, so
// that no test shares state with another or with a Redis the machine runs.
package redistest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Server is a redis-server process owned by one test.
type Server struct {
	URL  string
	Addr string
	Port int

	t    testing.TB
	dir  string
	args []string
	cmd  *exec.Cmd
}

// Start returns the URL of a Redis for this test: REDIS_URL when set (use
// Prefix for every key then), else a server of its own.
func Start(t testing.TB) string {
	t.Helper()
	if url := os.Getenv("REDIS_URL"); url != "" {
		return url
	}
	return StartServer(t).URL
}

// Prefix returns a key prefix no other test uses.
func Prefix(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "synt:" + hex.EncodeToString(b) + ":"
}

// Require fails the test under CI=true, or skips it elsewhere, when
// redis-server is not installed.
func Require(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redistest: redis-server not installed, and CI=true forbids skipping: apt-get install -y redis-server")
		}
		t.Skipf("redistest: redis-server not installed; apt-get install -y redis-server")
	}
	return path
}

// StartServer starts a redis-server on a free loopback port, always its
// own process (REDIS_URL is ignored), so that the test may stop, kill,
// pause and restart it. Extra arguments are passed to redis-server.
func StartServer(t testing.TB, extra ...string) *Server {
	t.Helper()
	Require(t)
	port := FreePort(t)
	s := &Server{
		t:    t,
		dir:  t.TempDir(),
		Port: port,
		Addr: "127.0.0.1:" + strconv.Itoa(port),
		URL:  "redis://127.0.0.1:" + strconv.Itoa(port) + "/0",
	}
	s.args = append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", s.dir, "--logfile", filepath.Join(s.dir, "redis.log"),
	}, extra...)
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", s.args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("redistest: start redis-server: %v", err)
	}
	if err := WaitReady(s.Addr, 5*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
		s.t.Fatalf("redistest: %v\n%s", err, log)
	}
}

// Stop ends the server; safe to call twice.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGCONT) // a paused server cannot exit
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Kill ends the server with SIGKILL, as a crash would.
func (s *Server) Kill() { s.Stop() }

// Restart starts a fresh, empty server on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Pause freezes the server with SIGSTOP: connections stay open, nothing answers.
func (s *Server) Pause() { s.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume undoes Pause.
func (s *Server) Resume() { s.cmd.Process.Signal(syscall.SIGCONT) }

// FreePort returns a loopback TCP port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitReady waits until a Redis at addr answers PING.
func WaitReady(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		if pingOnce(addr) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis at %s did not answer PING within %v", addr, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pingOnce(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return fmt.Errorf("unexpected reply %q", buf[:n])
	}
	return nil
}
