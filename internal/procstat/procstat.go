// Package procstat reads a process's resident memory and CPU time from
// /proc (Linux), for the benchmark commands that measure a running
// syndicate.
package procstat

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Memory is a process's resident set size now (VmRSS) and at its peak
// (VmHWM), in bytes.
func Memory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	if rss, err = StatusKB(b, "VmRSS"); err != nil {
		return 0, 0, err
	}
	hwm, err = StatusKB(b, "VmHWM")
	return rss, hwm, err
}

// StatusKB reads a "Key:   123 kB" line of a /proc status file, in bytes.
func StatusKB(b []byte, key string) (int64, error) {
	for line := range strings.Lines(string(b)) {
		v, ok := strings.CutPrefix(line, key+":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("procstat: status %s: %q", key, strings.TrimSpace(v))
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("procstat: status %s: %w", key, err)
		}
		return n * 1024, nil
	}
	return 0, fmt.Errorf("procstat: status has no %s", key)
}

// PeakRSS is process pid's peak resident set size (VmHWM), in bytes.
func PeakRSS(pid int) (int64, error) {
	_, hwm, err := Memory(pid)
	return hwm, err
}

// ResetPeak makes process pid's VmHWM its current resident size (Linux
// 4.0 on), so that the next reading is the peak of what follows.
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// CPU is the user plus system CPU time process pid has used, in seconds.
func CPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return StatCPU(b)
}

// StatCPU reads utime and stime, fields 14 and 15 of a stat line, in
// seconds.
func StatCPU(b []byte) (float64, error) { return statSeconds(b, 14, 15) }

// StatCPUWithChildren is StatCPU plus the CPU time of the children the
// process has waited for (cutime and cstime, fields 16 and 17): a child
// that ended is counted so, in its parent, rather than lost with it.
func StatCPUWithChildren(b []byte) (float64, error) { return statSeconds(b, 14, 15, 16, 17) }

// statSeconds sums the given fields of a stat line, times in clock
// ticks, counting fields after the command name, which may itself hold
// spaces and ")".
func statSeconds(b []byte, fields ...int) (float64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("procstat: stat without a command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	var ticks int64
	for _, n := range fields {
		if n-3 >= len(f) {
			return 0, fmt.Errorf("procstat: stat has %d fields after the name, want field %d", len(f), n)
		}
		v, err := strconv.ParseInt(f[n-3], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("procstat: stat field %d: %q", n, f[n-3])
		}
		ticks += v
	}
	return float64(ticks) / clockTicks, nil
}

// MemFileBytes is the size of every in-memory file (memfd) process pid
// holds open: memory it uses that VmRSS does not count unless mapped.
// syndicate keeps the documents it serves in such files.
func MemFileBytes(pid int) (int64, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, fd := range fds {
		target, err := os.Readlink(dir + "/" + fd.Name())
		if err != nil || !strings.HasPrefix(target, "/memfd:") {
			continue // closed meanwhile, or not an in-memory file
		}
		if fi, err := os.Stat(dir + "/" + fd.Name()); err == nil {
			n += fi.Size()
		}
	}
	return n, nil
}

// Peaks are the largest readings of a process's memory over a sampled
// span, in bytes.
type Peaks struct {
	Files int64 // its in-memory files (MemFileBytes)
	// Total is its resident memory plus its in-memory files, read
	// together: what the process holds in all. Sampled, it can miss a
	// peak shorter than the interval; VmHWM cannot, but leaves the files
	// out.
	Total int64
}

// Sample reads process pid's memory every interval until the function
// it returns is called, which returns the peaks seen.
func Sample(pid int, interval time.Duration) func() Peaks {
	var p Peaks
	stop := Every(interval, func() {
		files, err1 := MemFileBytes(pid)
		rss, _, err2 := Memory(pid)
		if err1 == nil && err2 == nil {
			p.Files, p.Total = max(p.Files, files), max(p.Total, rss+files)
		}
	})
	return func() Peaks {
		stop()
		return p
	}
}

// Every calls read at once and then every interval, on a goroutine of
// its own, until the function it returns is called; that returns once
// read has run for the last time, so that what read wrote may be read.
func Every(interval time.Duration, read func()) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			read()
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
