package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procs are the long-running processes the load test started; stopAll
// ends each by its PID, whatever way the test ends.
type procs struct {
	list []*exec.Cmd
	done map[*exec.Cmd]chan struct{}
}

func (p *procs) start(name string, env []string, stderr io.Writer, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadtest: start %s: %w", name, err)
	}
	if p.done == nil {
		p.done = map[*exec.Cmd]chan struct{}{}
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	p.list = append(p.list, cmd)
	p.done[cmd] = done
	return cmd, nil
}

// exited reports whether cmd has ended, for noticing a server that died.
func (p *procs) exited(cmd *exec.Cmd) bool {
	select {
	case <-p.done[cmd]:
		return true
	default:
		return false
	}
}

// anyExited names a process that has ended, or returns "".
func (p *procs) anyExited() string {
	for _, cmd := range p.list {
		if p.exited(cmd) {
			return strings.Join(cmd.Args, " ")
		}
	}
	return ""
}

// stopAll sends SIGTERM to every process still running, waits for it up
// to a few seconds, then kills it.
func (p *procs) stopAll() {
	for _, cmd := range p.list {
		if p.exited(cmd) {
			continue
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done[cmd]:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-p.done[cmd]
		}
	}
	p.list = nil
}

// freePort asks the kernel for a loopback port nobody listens on. Another
// process could take it before the server does; the server then fails to
// start and the load test says so.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("loadtest: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls url until it answers 200, the process exits or the
// context ends.
func waitReady(ctx context.Context, p *procs, cmd *exec.Cmd, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.exited(cmd) {
			return fmt.Errorf("loadtest: %s exited before %s answered", cmd.Path, url)
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("loadtest: %s never answered 200", url), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// cpuTime is the CPU time a process has used so far, all its threads
// together, from the scheduler's own nanosecond accounting (schedstat).
func cpuTime(pid int) (time.Duration, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("loadtest: %w", err)
	}
	var total time.Duration
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, task.Name(), "schedstat"))
		if err != nil {
			continue // the thread has just ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, fmt.Errorf("loadtest: %s/schedstat: empty", task.Name())
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("loadtest: %s/schedstat: %w", task.Name(), err)
		}
		total += time.Duration(ns)
	}
	return total, nil
}

// onlyChild returns the one child of a process: nginx's worker.
func onlyChild(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0, fmt.Errorf("loadtest: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 1 {
		return 0, fmt.Errorf("loadtest: process %d has children %q, want one worker", pid, f)
	}
	return strconv.Atoi(f[0])
}
