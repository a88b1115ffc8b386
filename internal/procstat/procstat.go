// Package procstat reads a process's resident memory from /proc (Linux),
// for the benchmark commands that measure a running syndicate.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
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
