// Package redistest starts throwaway redis-server processes for tests, so
// that no test shares state with another or with a Redis the machine runs.
package redistest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	lead []string // arguments before the options: a config file, --sentinel
	args []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has been waited for
}

// Start returns the URL of a Redis for this test: REDIS_URL when set, else
// a server of its own. A REDIS_URL server is shared, so every test must
// give its keys a Prefix of its own.
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

// StartServer starts a redis-server on a free loopback port. It is always
// a process of its own, whatever REDIS_URL says, because the test may
// stop, kill, pause and restart it. Extra arguments go to redis-server.
func StartServer(t testing.TB, extra ...string) *Server {
	t.Helper()
	return startServer(t, nil, extra)
}

// StartSentinel starts a Redis Sentinel on a free loopback port that
// monitors master under the name masterName, and waits until it knows it.
// Under -short it skips the test.
func StartSentinel(t testing.TB, master *Server, masterName string) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("redistest: Sentinel tests run a second server; skipped under -short")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	// Sentinel rewrites its config file, so it must be its own and writable.
	text := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 1000\n", masterName, master.Port, masterName)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return startServer(t, []string{conf, "--sentinel"}, nil)
}

func startServer(t testing.TB, lead, extra []string) *Server {
	Require(t)
	s := &Server{t: t, dir: t.TempDir(), lead: lead}
	// Registered first so that a start that fails halfway leaks no process.
	t.Cleanup(s.Kill)
	var err error
	// The free port can be taken between FreePort and redis-server's
	// bind, so a few fresh ports are tried.
	for range 3 {
		s.setPort(FreePort(t), extra)
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", err)
	return nil
}

func (s *Server) setPort(port int, extra []string) {
	s.Port = port
	s.Addr = "127.0.0.1:" + strconv.Itoa(port)
	s.URL = "redis://" + s.Addr + "/0"
	s.args = append(slices.Clone(s.lead), // a config file must come first
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", s.dir, "--logfile", filepath.Join(s.dir, "redis.log"))
	s.args = append(s.args, extra...)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command("redis-server", s.args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	if err := s.waitOwn(5 * time.Second); err != nil {
		s.signalLocked(syscall.SIGKILL)
		<-exited
		s.cmd = nil
		log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
		return fmt.Errorf("redis-server on %s: %w\n%s", s.Addr, err, log)
	}
	return nil
}

// waitOwn waits until our own process answers: a PING alone could be
// answered by another server that won the race for the port.
func (s *Server) waitOwn(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("exited before answering")
		default:
		}
		pid, err := serverPID(s.Addr)
		if err == nil && pid == s.cmd.Process.Pid {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("port answered by another redis-server (pid %d)", pid)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %v: %w", within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop shuts the server down as an operator would, with SIGTERM, and
// kills it if it has not gone within 5s. Safe to call when stopped.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.signalLocked(syscall.SIGTERM)
	s.signalLocked(syscall.SIGCONT) // a paused server cannot act on SIGTERM
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.signalLocked(syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
}

// Kill ends the server with SIGKILL, as a crash would. Safe to call when
// stopped.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.signalLocked(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// Restart starts a fresh, empty server on the same port (nothing is
// persisted). It stops a running server first.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// Pause freezes the server with SIGSTOP: connections are accepted by the
// kernel and stay open, but nothing answers, as with a hung server.
func (s *Server) Pause() { s.signal("Pause", syscall.SIGSTOP) }

// Resume undoes Pause.
func (s *Server) Resume() { s.signal("Resume", syscall.SIGCONT) }

func (s *Server) signal(op string, sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatalf("redistest: %s: server on %s is not running", op, s.Addr)
	}
	s.signalLocked(sig)
}

func (s *Server) signalLocked(sig syscall.Signal) {
	// An error means the process has already exited, which is what every
	// caller wants anyway.
	s.cmd.Process.Signal(sig)
}

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
		_, err := serverPID(addr)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redistest: redis at %s did not answer within %v: %w", addr, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serverPID asks the Redis at addr for its process id, which also proves
// it answers.
func serverPID(addr string) (int, error) {
	v, err := infoField(addr, "server", "process_id")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// Calls returns how many times the server has run command (lower case,
// e.g. "hgetall") since it started, from INFO commandstats: what a test
// counts to see how often an instance really went to the store.
func (s *Server) Calls(command string) (int64, error) {
	v, err := infoField(s.Addr, "commandstats", "cmdstat_"+command)
	if errors.Is(err, errNoField) {
		return 0, nil // never run
	}
	if err != nil {
		return 0, fmt.Errorf("redistest: calls of %s: %w", command, err)
	}
	// "calls=12,usec=340,usec_per_call=28.33,…"
	calls, _, _ := strings.Cut(strings.TrimPrefix(v, "calls="), ",")
	return strconv.ParseInt(calls, 10, 64)
}

var errNoField = errors.New("no such field in INFO")

// infoField reads one field of an INFO section. It speaks the protocol
// directly so that readiness and counts do not depend on a client
// library's pooling and retries, nor add calls of their own to count.
func infoField(addr, section, field string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := io.WriteString(c, "INFO "+section+"\r\n"); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "$")))
	if !strings.HasPrefix(head, "$") || err != nil {
		// -LOADING and the like: up, but not ready yet.
		return "", fmt.Errorf("reply %q", strings.TrimSpace(head))
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", err
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("%s: %w", field, errNoField)
}
