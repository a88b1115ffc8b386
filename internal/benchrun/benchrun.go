// Package benchrun holds what the benchmark commands (cmd/cyclebench,
// cmd/flatbench, cmd/loadtest) share to run syndicate as a real process:
// building the binary, starting and stopping children by their PID, a
// throwaway redis-server and waiting for readiness. Tests start their
// Redis with internal/redistest instead, which ties it to a testing.TB.
package benchrun

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"syndicate/internal/redistest"
)

// WorkDir makes a temporary directory for a benchmark's files (binary,
// configs, logs). Unless keep is set, cleanup removes it; when kept, its
// path is printed to out so that the logs can be read afterwards.
func WorkDir(prefix string, keep bool, out io.Writer) (dir string, cleanup func(), err error) {
	dir, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, fmt.Errorf("benchrun: %w", err)
	}
	if keep {
		fmt.Fprintln(out, "work directory:", dir)
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// Setup is how a benchmark that measures a syndicate binary begins: its
// -bin, -keep and -gomemlimit flags, a work directory and the binary.
type Setup struct {
	Bin        string // -bin: the binary to measure; built when empty
	Keep       bool   // -keep: the work directory stays for its logs
	GoMemLimit string // -gomemlimit: GOMEMLIMIT of every process started; empty: none
}

// Flags registers -bin, -keep and -gomemlimit on fs.
func (s *Setup) Flags(fs *flag.FlagSet) {
	fs.StringVar(&s.Bin, "bin", "", "syndicate binary to measure; built from ./cmd/syndicate when empty")
	fs.BoolVar(&s.Keep, "keep", false, "keep the work directory (config, logs)")
	fs.StringVar(&s.GoMemLimit, "gomemlimit", "", "GOMEMLIMIT of the syndicate processes measured (Go's soft memory limit, e.g. 120MiB); empty: none")
}

// Prepare makes the work directory and returns the binary to measure:
// -bin, or syndicate built into the directory. cleanup removes the
// directory unless -keep. With -gomemlimit, GOMEMLIMIT is set in the
// environment, which every process the benchmark starts inherits (Go
// read this process's own at start, so it is not limited).
func (s *Setup) Prepare(ctx context.Context, prefix string, out io.Writer) (work, bin string, cleanup func(), err error) {
	if s.GoMemLimit != "" {
		if err := os.Setenv("GOMEMLIMIT", s.GoMemLimit); err != nil {
			return "", "", nil, err
		}
	}
	if work, cleanup, err = WorkDir(prefix, s.Keep, out); err != nil {
		return "", "", nil, err
	}
	bin = s.Bin
	if bin == "" {
		if bin, err = BuildSyndicate(ctx, work, out); err != nil {
			cleanup()
			return "", "", nil, err
		}
	}
	return work, bin, cleanup, nil
}

// BuildSyndicate builds ./cmd/syndicate of the module the working
// directory is in into dir and returns the binary's path; what it does
// and the compiler's output go to out.
func BuildSyndicate(ctx context.Context, dir string, out io.Writer) (string, error) {
	fmt.Fprintln(out, "building syndicate…")
	var gomod bytes.Buffer
	env := exec.CommandContext(ctx, "go", "env", "GOMOD")
	env.Stdout, env.Stderr = &gomod, out
	if err := env.Run(); err != nil {
		return "", fmt.Errorf("benchrun: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(gomod.String())
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("benchrun: go build: not inside the syndicate module (run from the repository)")
	}
	bin := filepath.Join(dir, "syndicate")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/syndicate")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("benchrun: go build ./cmd/syndicate: %w", err)
	}
	return bin, nil
}

// FreeAddr is a loopback address nothing listens on right now. Another
// process could take it before the server does; that server then fails
// to start, which the wait for readiness reports.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("benchrun: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Proc is a child process a benchmark started; it is stopped by its PID,
// never by name, so nothing else on the machine is touched.
type Proc struct {
	Cmd  *exec.Cmd
	done chan struct{} // closed once Cmd has been waited for
}

// Start starts cmd and watches for its end.
func Start(cmd *exec.Cmd) (*Proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("benchrun: start %s: %w", cmd.Path, err)
	}
	p := &Proc{Cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	return p, nil
}

// Pid is the process's id, for reading /proc.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Name is the command line, for messages.
func (p *Proc) Name() string { return strings.Join(p.Cmd.Args, " ") }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stopGrace is how long Stop waits after SIGTERM before it kills: long
// enough for syndicate to drain and close its store on a busy machine.
var stopGrace = 15 * time.Second

// Stop ends the process with SIGTERM, then SIGKILL after stopGrace, and
// waits for it. Safe to call on a nil or ended Proc, and twice.
func (p *Proc) Stop() {
	if p == nil || p.Exited() {
		return
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		p.Cmd.Process.Kill()
		<-p.done
	}
}

// StartRedis starts a redis-server of the benchmark's own on a free
// loopback port, keeping nothing on disk (its working directory is dir),
// and waits until it answers. addr is its host:port.
func StartRedis(ctx context.Context, dir string) (p *Proc, addr string, err error) {
	addr, err = FreeAddr()
	if err != nil {
		return nil, "", err
	}
	_, port, _ := net.SplitHostPort(addr)
	p, err = Start(exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir))
	if err != nil {
		return nil, "", err
	}
	err = waitUntil(ctx, p, 10*time.Second, "an answer of redis on "+addr, func(context.Context) bool {
		return redistest.WaitReady(addr, 0) == nil // one INFO, no retries
	})
	if err != nil {
		p.Stop()
		return nil, "", err
	}
	return p, addr, nil
}

// WaitDial waits until something accepts TCP connections on addr, or p
// (when not nil) exits, or timeout passes.
func WaitDial(ctx context.Context, p *Proc, addr string, timeout time.Duration) error {
	return waitUntil(ctx, p, timeout, "a listener on "+addr, func(ctx context.Context) bool {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// WaitReady waits until GET url answers 200, or p (when not nil) exits,
// or timeout passes.
func WaitReady(ctx context.Context, p *Proc, url string, timeout time.Duration) error {
	return waitUntil(ctx, p, timeout, "a 200 from "+url, func(ctx context.Context) bool {
		return OK(ctx, readyClient, url)
	})
}

// OK reports whether GET url answers 200. It reads the whole body, so
// that the connection is kept for the next request.
func OK(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// readyClient bounds each readiness request, so that a server that
// hangs on one is asked again rather than waited for to the end.
var readyClient = &http.Client{Timeout: 10 * time.Second}

// pollEvery is how often readiness is checked: flatbench times a start
// to the first 200 of /readyz, so the step is kept small.
const pollEvery = 5 * time.Millisecond

func waitUntil(ctx context.Context, p *Proc, timeout time.Duration, what string, ready func(context.Context) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var exited <-chan struct{}
	if p != nil {
		exited = p.done
	}
	for !ready(ctx) {
		select {
		case <-exited:
			return fmt.Errorf("benchrun: %s exited before %s", p.Name(), what)
		case <-ctx.Done():
			return fmt.Errorf("benchrun: waited %v for %s: %w", timeout, what, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
	return nil
}

// SaveProfile writes what the pprof route at url answers to file.
func SaveProfile(client *http.Client, url, file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
