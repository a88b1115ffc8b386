package app

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/redistest"
)

// upstream is a loopback feed server that records, per path, when each
// request came and how many were in flight at once, and whose items the
// test can change.
type upstream struct {
	*httptest.Server
	mu     sync.Mutex
	titles []string
	window int           // when set, only the newest window items are served, as real feeds do
	delay  time.Duration // when set, every answer takes this long

	revalidated atomic.Int64  // requests answered 304 to a validator
	hold        chan struct{} // when set, requests wait for it to close
	paths       map[string]*pathStats
}

// pathStats is what one feed of the upstream saw.
type pathStats struct {
	mu          sync.Mutex
	starts      []time.Time
	inFlight    int
	maxInFlight int
}

func (s *pathStats) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.starts = append(s.starts, time.Now())
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
}

func (s *pathStats) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
}

// requests returns when each request came, and the most that were ever
// in flight at once.
func (s *pathStats) requests() ([]time.Time, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.starts), s.maxInFlight
}

func newUpstream(t *testing.T, paths ...string) *upstream {
	u := &upstream{titles: []string{"First wire story"}, paths: map[string]*pathStats{}}
	for _, p := range paths {
		u.paths[p] = &pathStats{}
	}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := u.paths[r.URL.Path]; s != nil {
			s.begin()
			defer s.end()
		}
		if u.hold != nil {
			<-u.hold
		}
		u.mu.Lock()
		delay := u.delay
		u.mu.Unlock()
		time.Sleep(delay)
		body := u.feed(r.URL.Path)
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(body)))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			u.revalidated.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, body)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) add(title string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.titles = append(u.titles, title)
}

func (u *upstream) feed(path string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link><description>d</description>`)
	first := 0
	if u.window > 0 && len(u.titles) > u.window {
		first = len(u.titles) - u.window
	}
	for i, title := range u.titles {
		if i < first {
			continue
		}
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://wire.example%s/%d</link><guid>https://wire.example%s/%d</guid><pubDate>%s</pubDate></item>`,
			title, path, i, path, i, time.Date(2026, 11, 1, 8, i, 0, 0, time.UTC).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// fleetFetchTimeout bounds the instances' fetches. A poll's lease lasts
// this plus the poller's margin (see source.Poller.LeaseTTL).
const fleetFetchTimeout = 2 * time.Second

const fleetConfig = `
[site]
title = "Fleet Review"
base_url = "http://feeds.example"
tag_authority = "feeds.example"

[store]
%[1]s
prefix = "%[2]s"
timeout = "300ms"

[content]
dir = "feeds"
poll_interval = "100ms"

[fetch]
timeout = "%[5]s"

[[section]]
slug = "middle-east"
title = "Middle East"

[[source]]
id = "wire"
url = "%[3]s/wire.xml"
interval = "%[4]s"
sections = ["middle-east"]

[[source]]
id = "agency"
url = "%[3]s/agency.xml"
interval = "%[4]s"
sections = ["middle-east"]

%[6]s
`

// fleetSetup is what the instances of one test share.
type fleetSetup struct {
	store    string // the [store] lines that name the Redis
	prefix   string // the store's key prefix; a fresh one when empty
	feedURL  string // the upstream both sources are polled from
	interval string // the sources' interval; 1s when empty
	extra    string // more tables, such as [websub]
}

func redisURL(srv *redistest.Server) string { return fmt.Sprintf("redis_url = %q", srv.URL) }

// fleetInterval is the sources' interval unless a test sets another.
const fleetInterval = time.Second

type instance struct {
	app    *App
	http   *httptest.Server
	dir    string
	prefix string
	logs   *syncBuffer
	stop   func()
}

// syncBuffer collects an instance's log for the test to read.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// instanceLog is a logger whose lines the test can read, also written to
// stderr when FLEET_LOG is set.
func instanceLog() (*slog.Logger, *syncBuffer) {
	logs := &syncBuffer{}
	var out io.Writer = logs
	if os.Getenv("FLEET_LOG") != "" {
		out = io.MultiWriter(logs, os.Stderr)
	}
	return slog.New(slog.NewTextHandler(out, nil)), logs
}

// startFleet starts n instances sharing one store, each with its own copy
// of the articles, as a deployment would have. Fleets are several
// processes' worth of work on a Redis of their own: -short skips them.
func startFleet(t *testing.T, n int, s fleetSetup) []*instance {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a fleet of instances on Redis")
	}
	if s.prefix == "" {
		s.prefix = redistest.Prefix(t)
	}
	if s.interval == "" {
		s.interval = fleetInterval.String()
	}
	var fleet []*instance
	for range n {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "feeds"), 0o755)
		os.WriteFile(filepath.Join(dir, "feeds", "gulf-ports.md"), []byte(testArticle), 0o644)
		text := fmt.Sprintf(fleetConfig, s.store, s.prefix, s.feedURL, s.interval, fleetFetchTimeout, s.extra)
		cfg, err := config.Parse(filepath.Join(dir, "config.toml"), []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		log, logs := instanceLog()
		a, _, cancel := startApp(t, cfg, log)
		srv := httptest.NewServer(a.Handler())
		var once sync.Once
		stop := func() { once.Do(func() { srv.Close(); cancel(); a.Close() }) }
		t.Cleanup(stop)
		fleet = append(fleet, &instance{app: a, http: srv, dir: dir, prefix: s.prefix, logs: logs, stop: stop})
	}
	return fleet
}

// feedOf returns one instance's Atom feed and its ETag.
func feedOf(t *testing.T, in *instance) (string, string) {
	t.Helper()
	resp, err := http.Get(in.http.URL + "/middle-east/atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.Header.Get("Etag")
}

// waitFetches waits until the upstream has seen at least n requests for
// each of its counted paths, and fails the test after within.
func waitFetches(t *testing.T, up *upstream, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for path, s := range up.paths {
		for {
			starts, _ := s.requests()
			if len(starts) >= n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s fetched %d times in %v, want at least %d", path, len(starts), within, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// pollsOncePerInterval is scenarios (1) and (2): three instances take
// turns, so each source is fetched once per interval, not three times.
// The test counts intervals, not wall seconds: it waits for a number of
// fetches and checks the gaps between them at the upstream. A busy
// machine can only stretch the gaps; a second instance fetching within
// another's interval shows as a short one.
func pollsOncePerInterval(t *testing.T, storeLines string) {
	up := newUpstream(t, "/wire.xml", "/agency.xml")
	fleet := startFleet(t, 3, fleetSetup{store: storeLines, feedURL: up.URL})
	const fetches = 9
	waitFetches(t, up, fetches, 10*fetches*fleetInterval)
	for _, in := range fleet {
		in.stop()
	}
	up.Close() // waits for requests in flight, so the counts below are final

	total := 0
	for path, s := range up.paths {
		starts, _ := s.requests()
		total += len(starts)
		var gaps []time.Duration
		for i := 1; i < len(starts); i++ {
			gaps = append(gaps, starts[i].Sub(starts[i-1]))
		}
		mean := starts[len(starts)-1].Sub(starts[0]) / time.Duration(len(gaps))
		// The mean is reported, not asserted: a busy machine stretches it.
		t.Logf("%s: %d fetches by 3 instances, gaps %v, mean %v", path, len(starts), roundAll(gaps), mean)
		// The schedule adds up to 5% jitter to the interval; a lease
		// re-timed a little late is the only way to fall short of it.
		if shortest := slices.Min(gaps); shortest < fleetInterval*9/10 {
			t.Errorf("%s fetched twice within %v, want one fetch per interval (%v)", path, shortest, fleetInterval)
		}
	}
	// Validators are shared: every fetch but each source's first, whichever
	// instance made it, revalidated with the ETag another may have stored.
	if got, want := up.revalidated.Load(), int64(total-len(up.paths)); got != want {
		t.Errorf("%d of %d repeat fetches answered 304, want all: validators not shared across instances", got, want)
	}
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

func TestFleetPollsOncePerInterval(t *testing.T) {
	srv := redistest.StartServer(t)
	pollsOncePerInterval(t, redisURL(srv))
}

func TestFleetOnClusterPollsOncePerInterval(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet on a Redis Cluster")
	}
	cluster := redistest.StartCluster(t)
	pollsOncePerInterval(t, fmt.Sprintf("redis_addrs = [%q]", cluster.Addrs[0]))
}

// An upstream that answers after longer than the interval: a poll's lease
// covers the whole fetch, so two instances never fetch a source at once,
// and none loses its lease while it polls.
func TestFleetSlowUpstreamFetchedOnceAtATime(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t, "/wire.xml", "/agency.xml")
	up.delay = fleetInterval * 3 / 2 // under fleetFetchTimeout, so fetches succeed
	fleet := startFleet(t, 2, fleetSetup{store: redisURL(srv), feedURL: up.URL})
	const fetches = 4
	waitFetches(t, up, fetches, 10*fetches*(fleetInterval+up.delay))
	for _, in := range fleet {
		in.stop()
	}
	up.Close()
	for path, s := range up.paths {
		starts, most := s.requests()
		t.Logf("%s: %d fetches answered after %v each, at most %d at once", path, len(starts), up.delay, most)
		if most != 1 {
			t.Errorf("%s was fetched by %d instances at once, want 1", path, most)
		}
	}
	for i, in := range fleet {
		if log := in.logs.String(); strings.Contains(log, "poll outlived its lease") {
			t.Errorf("instance %d lost a lease mid-poll:\n%s", i, log)
		}
	}
}

// within measures something that should take less than limit. A busy
// machine can stall any one measurement, so one over the limit is taken
// again, and the test fails only if the second is over too; both are
// reported.
func within(t *testing.T, what string, limit time.Duration, measure func(round int) time.Duration) {
	t.Helper()
	first := measure(1)
	t.Logf("%s: %v", what, first)
	if first <= limit {
		return
	}
	second := measure(2)
	t.Logf("%s, measured again: %v", what, second)
	if second > limit {
		t.Errorf("%s took %v, and %v measured again, want under %v", what, first, second, limit)
	}
}

// Scenario (3): a change reaches every instance within 2 s, with equal
// ETags everywhere.
func TestFleetChangePropagates(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t)
	fleet := startFleet(t, 3, fleetSetup{store: redisURL(srv), feedURL: up.URL})
	waitAll := func(want string) time.Duration {
		start := time.Now()
		for {
			var tags []string
			for _, in := range fleet {
				body, tag := feedOf(t, in)
				if strings.Contains(body, want) {
					tags = append(tags, tag)
				}
			}
			if len(tags) == len(fleet) && len(slices.Compact(tags)) == 1 {
				return time.Since(start)
			}
			if time.Since(start) > 15*time.Second {
				t.Fatalf("%q reached %d of %d instances, ETags %v", want, len(tags), len(fleet), tags)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitAll("First wire story")

	// An upstream item: one instance polls it, the others follow.
	within(t, "upstream change, from the first instance serving it to all with one ETag", 2*time.Second, func(round int) time.Duration {
		title := fmt.Sprintf("Wire story %d", round)
		up.add(title)
		for firstSeen := time.Now(); ; time.Sleep(10 * time.Millisecond) {
			if slices.ContainsFunc(fleet, func(in *instance) bool { body, _ := feedOf(t, in); return strings.Contains(body, title) }) {
				break
			}
			if time.Since(firstSeen) > 5*time.Second {
				t.Fatalf("new upstream item %q not published by any instance within 5s", title)
			}
		}
		return waitAll(title)
	})

	// An article edit, deployed to every instance's copy.
	within(t, "article edit, from the write to every instance serving it with one ETag", 2*time.Second, func(round int) time.Duration {
		title := fmt.Sprintf("Gulf ports race to automate, revision %d", round)
		for _, in := range fleet {
			path := filepath.Join(in.dir, "feeds", "gulf-ports.md")
			text, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.Replace(string(text), `title = "Gulf ports race to automate`, `title = "`+title, 1)), 0o644)
		}
		return waitAll(title)
	})
}

// An instance that dies in the middle of a fetch holds its source until
// the poll's lease runs out (the fetch timeout and a margin), not longer;
// and nobody fetches the source before then.
func TestFleetTakesOverFromDeadInstance(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t, "/wire.xml")
	up.hold = make(chan struct{})
	fleet := startFleet(t, 2, fleetSetup{store: redisURL(srv), feedURL: up.URL})
	ttl := fleet[0].app.Poller.LeaseTTL()
	wire := up.paths["/wire.xml"]

	// Both instances start polling; one wins each source's lease and
	// hangs in the fetch. Closing their stores first, so that no lease is
	// handed back, then stopping them, and starting a third, models the
	// winner's crash (and the loser's restart) mid-fetch.
	deadline := time.Now().Add(5 * time.Second)
	for starts, _ := wire.requests(); len(starts) == 0; starts, _ = wire.requests() {
		if time.Now().After(deadline) {
			t.Fatal("no fetch started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, in := range fleet {
		in.app.Store.Close()
		in.stop()
	}
	close(up.hold) // releases the hung fetch; later requests pass at once

	survivor := startFleet(t, 1, fleetSetup{store: redisURL(srv), feedURL: up.URL, prefix: fleet[0].prefix})[0]
	waitEvery(t, []*instance{survivor}, "First wire story", ttl+10*fleetInterval)
	starts, _ := wire.requests()
	gap := starts[1].Sub(starts[0])
	t.Logf("source fetched again %v after the crashed fetch began; the lease lasts %v", gap.Round(time.Millisecond), ttl)
	// The lease was taken just before the crashed fetch reached the
	// upstream, and is tried for again every interval once it is free.
	if gap < ttl-fleetInterval {
		t.Errorf("source fetched again %v after the crashed fetch began, before its %v lease ran out", gap, ttl)
	}
	if gap > ttl+3*fleetInterval {
		t.Errorf("source fetched again %v after the crashed fetch began, want within its %v lease and an interval or two", gap, ttl)
	}
}

// An instance restarted on a store that already holds everything loads
// each source at start, and not again: its first store check is not a
// recovery, and the changes made before it started are not news to it.
func TestFleetRestartDoesNotReloadEverything(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t)
	// Polled at start, then not for an hour: every HGETALL after the
	// restart is a reload of a source's items.
	setup := fleetSetup{store: redisURL(srv), feedURL: up.URL, interval: "1h", prefix: redistest.Prefix(t)}
	first := startFleet(t, 1, setup)[0]
	waitEvery(t, []*instance{first}, "First wire story", 10*time.Second)
	// The polls' changes are announced just after they are published.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if v, _ := first.app.Store.Version(context.Background()); v > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first polls' changes were never counted")
		}
	}
	first.stop()

	restarted := startFleet(t, 1, setup)[0]
	before, err := srv.Calls("hgetall")
	if err != nil {
		t.Fatal(err)
	}
	// Count checks, not seconds: each check reads the change version with
	// one GET (and the poller's start reads each source's state with one).
	gets := func() int64 { n, _ := srv.Calls("get"); return n }
	for start := gets(); gets() < start+8; time.Sleep(checkEvery / 4) {
	}
	after, err := srv.Calls("hgetall")
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("restarted instance read items or documents %d times after its start, want none: it reloaded sources it had just loaded", after-before)
	}
	if log := restarted.logs.String(); strings.Contains(log, "store reachable") {
		t.Errorf("the first check after a restart counted as a recovery:\n%s", log)
	}
}
