package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"syndicate/internal/procstat"
)

// A store made of several processes (PostgreSQL: a postmaster and a
// backend per connection, plus its background workers) is measured as
// the tree under its root process. These helpers read that tree from
// /proc; the parsing is kept apart from the reading so it can be tested
// without one.

// parseChildren reads a /proc/PID/task/TID/children file: the pids of
// the thread's children, separated by spaces.
func parseChildren(b []byte) ([]int, error) {
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("cyclebench: children list: %q", f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// children lists pid's children over all its threads (a child belongs to
// the thread that forked it).
func children(pid int) ([]int, error) {
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("cyclebench: process %d: no task children files", pid)
	}
	var out []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended meanwhile
		}
		pids, err := parseChildren(b)
		if err != nil {
			return nil, err
		}
		out = append(out, pids...)
	}
	return out, nil
}

// tree is root and all its descendants, root first. kids is how a
// process's children are found; a process that ended while the tree was
// walked has none.
func tree(root int, kids func(int) ([]int, error)) []int {
	out := []int{root}
	seen := map[int]bool{root: true}
	for i := 0; i < len(out); i++ {
		cs, err := kids(out[i])
		if err != nil {
			continue
		}
		for _, c := range cs {
			if !seen[c] { // a pid reused mid-walk must not loop
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// treeCPU is the CPU seconds used by root's tree: every live process's
// own and its reaped children's. A difference of two readings is the
// tree's CPU over that span, backends that came and went included.
func treeCPU(root int) (float64, error) {
	var sum float64
	for i, pid := range tree(root, children) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			if i == 0 {
				return 0, fmt.Errorf("cyclebench: cpu of %d: %w", root, err)
			}
			continue // ended since the walk; its parent counts it now
		}
		s, err := procstat.StatCPUWithChildren(b)
		if err != nil {
			return 0, err
		}
		sum += s
	}
	return sum, nil
}

// treePss is the proportional set size of root's tree, summed: memory
// shared between its processes (PostgreSQL's shared buffers) is divided
// among them rather than counted in each, so the sum is what the tree
// holds in all. Summed VmHWM would count the shared buffers once per
// backend.
func treePss(root int) (int64, error) {
	var sum int64
	for i, pid := range tree(root, children) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			if i == 0 {
				return 0, fmt.Errorf("cyclebench: pss of %d: %w", root, err)
			}
			continue
		}
		n, err := procstat.StatusKB(b, "Pss")
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// sampleTreePss reads treePss every interval until the function it
// returns is called, which returns the largest reading. Sampled, it can
// miss a peak shorter than the interval; no kernel counter keeps the
// peak of a sum over processes.
func sampleTreePss(root int, interval time.Duration) func() int64 {
	var peak int64
	stop := procstat.Every(interval, func() {
		if n, err := treePss(root); err == nil {
			peak = max(peak, n)
		}
	})
	return func() int64 {
		stop()
		return peak
	}
}
