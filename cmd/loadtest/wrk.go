package main

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run reports that the load test uses.
type wrkResult struct {
	Requests       int
	RequestsPerSec float64
	P99            time.Duration
	Bad            int // non-2xx or 3xx responses
	SocketErrors   int // connect, read, write and timeout errors together

	// CPUPerRequest is the server's CPU time over the run divided by the
	// requests answered, measured by the load test, not wrk. On a machine
	// busy with other work it moves much less than requests per second.
	CPUPerRequest time.Duration
}

// parseWrk reads wrk's report as printed with --latency.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var haveRate, haveP99 bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.Contains(line, " requests in "):
			// "512345 requests in 10.00s, 33.51GB read"
			n, err := strconv.Atoi(line[:strings.IndexByte(line, ' ')])
			if err != nil {
				return r, fmt.Errorf("loadtest: wrk: %q: %w", line, err)
			}
			r.Requests = n
		case strings.HasPrefix(line, "Requests/sec:"):
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, "Requests/sec:")), 64)
			if err != nil {
				return r, fmt.Errorf("loadtest: wrk: %q: %w", line, err)
			}
			r.RequestsPerSec, haveRate = v, true
		case strings.HasPrefix(line, "99%"):
			d, err := parseWrkDuration(strings.TrimSpace(strings.TrimPrefix(line, "99%")))
			if err != nil {
				return r, fmt.Errorf("loadtest: wrk: %q: %w", line, err)
			}
			r.P99, haveP99 = d, true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Non-2xx or 3xx responses:")))
			if err != nil {
				return r, fmt.Errorf("loadtest: wrk: %q: %w", line, err)
			}
			r.Bad = n
		case strings.HasPrefix(line, "Socket errors:"):
			// "Socket errors: connect 0, read 0, write 0, timeout 0"
			for _, f := range strings.Split(strings.TrimPrefix(line, "Socket errors:"), ",") {
				name, count, ok := strings.Cut(strings.TrimSpace(f), " ")
				n, err := strconv.Atoi(count)
				if !ok || err != nil {
					return r, fmt.Errorf("loadtest: wrk: %q: bad count for %q", line, name)
				}
				r.SocketErrors += n
			}
		}
	}
	if !haveRate || !haveP99 {
		return r, fmt.Errorf("loadtest: wrk: no Requests/sec or 99%% latency in its output (was --latency given?):\n%s", out)
	}
	return r, nil
}

// parseWrkDuration reads wrk's latency figures: a number with the unit
// us, ms, s, m or h.
func parseWrkDuration(s string) (time.Duration, error) {
	i := strings.IndexFunc(s, func(c rune) bool { return (c < '0' || c > '9') && c != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("no number in %q", s)
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, err
	}
	unit, ok := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour}[s[i:]]
	if !ok {
		return 0, fmt.Errorf("unknown unit in %q", s)
	}
	return time.Duration(v * float64(unit)), nil
}

// wrkArgs is the command line of one run: wrk pinned to the client's core,
// one thread, as many connections as asked, latency percentiles on.
func wrkArgs(cpu int, connections int, d time.Duration, header, url string) []string {
	args := []string{"-c", strconv.Itoa(cpu), "wrk", "-t1", "-c" + strconv.Itoa(connections),
		"-d" + strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s", "--latency"}
	if header != "" {
		args = append(args, "-H", header)
	}
	return append(args, url)
}
