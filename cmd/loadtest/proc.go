package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"syndicate/internal/benchrun"
)

// procs are the long-running processes the load test started; stopAll
// ends each by its PID, whatever way the test ends.
type procs struct {
	list []*benchrun.Proc
}

func (p *procs) start(name string, env []string, stderr io.Writer, args ...string) (*benchrun.Proc, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	proc, err := benchrun.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	p.list = append(p.list, proc)
	return proc, nil
}

// anyExited names a process that has ended, or returns "".
func (p *procs) anyExited() string {
	for _, proc := range p.list {
		if proc.Exited() {
			return proc.Name()
		}
	}
	return ""
}

// stopAll stops every process still running.
func (p *procs) stopAll() {
	for _, proc := range p.list {
		proc.Stop()
	}
	p.list = nil
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
