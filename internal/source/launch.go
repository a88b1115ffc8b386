package source

import (
	"net/url"
	"strings"

	"syndicate/internal/config"
)

// launcher decides when a poll may start: only when its host has a free
// slot, and while fewer than twice Fetch.Workers polls run. A thousand
// sources due at once were otherwise a thousand goroutines waiting for
// slots, each with the stack its first store call grew: 9 MB of stacks,
// which the collector also counts when it sizes the heap. Without them,
// a cycle of 1,000 changed sources peaked at 120 MiB against 129 (make
// cyclebench; the go_memstats of /metrics). Twice the workers keeps one
// poll ready for each worker slot a poll frees. It is used by one
// goroutine only.
type launcher struct {
	limit, perHost int
	running        int
	hosts          map[string]int // polls running per host
}

func (p *Poller) newLauncher() *launcher {
	// At least one of each, so that a Poller built without fetch
	// settings waits for a worker slot rather than spin here.
	return &launcher{limit: max(1, 2*p.fetch.Workers), perHost: max(1, p.fetch.PerHost), hosts: map[string]int{}}
}

// start reports whether a poll of a source on host may start now, and
// counts it as running if so.
func (l *launcher) start(host string) bool {
	if l.running >= l.limit || l.hosts[host] >= l.perHost {
		return false
	}
	l.running++
	l.hosts[host]++
	return true
}

// done counts a poll on host as finished.
func (l *launcher) done(host string) {
	l.running--
	l.hosts[host]--
}

// full reports whether no poll may start, whatever its host.
func (l *launcher) full() bool { return l.running >= l.limit }

// hostOf names the host whose slots a poll of src takes.
func hostOf(src *config.Source) string {
	if u, err := url.Parse(src.URL); err == nil {
		return strings.ToLower(u.Host)
	}
	return src.URL
}
