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

// upstream is a loopback feed server that counts requests and whose
// items the test can change.
type upstream struct {
	*httptest.Server
	mu     sync.Mutex
	titles []string
	window int // when set, only the newest window items are served, as real feeds do

	revalidated atomic.Int64  // requests answered 304 to a validator
	hold        chan struct{} // when set, requests wait for it to close
	requests    map[string]*atomic.Int64
}

func newUpstream(t *testing.T, paths ...string) *upstream {
	u := &upstream{titles: []string{"First wire story"}, requests: map[string]*atomic.Int64{}}
	for _, p := range paths {
		u.requests[p] = &atomic.Int64{}
	}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := u.requests[r.URL.Path]; n != nil {
			n.Add(1)
		}
		if u.hold != nil {
			<-u.hold
		}
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

[[section]]
slug = "middle-east"
title = "Middle East"

[[source]]
id = "wire"
url = "%[3]s/wire.xml"
interval = "1s"
sections = ["middle-east"]

[[source]]
id = "agency"
url = "%[3]s/agency.xml"
interval = "1s"
sections = ["middle-east"]
`

type instance struct {
	app    *App
	http   *httptest.Server
	dir    string
	prefix string
	stop   func()
}

// startFleet starts n instances sharing one store, each with its own copy
// of the articles, as a deployment would have.
func startFleet(t *testing.T, n int, storeLines, feedURL string) []*instance {
	t.Helper()
	return startFleetWithPrefix(t, n, storeLines, feedURL, redistest.Prefix(t))
}

func startFleetWithPrefix(t *testing.T, n int, storeLines, feedURL, prefix string) []*instance {
	t.Helper()
	var fleet []*instance
	for range n {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "feeds"), 0o755)
		os.WriteFile(filepath.Join(dir, "feeds", "gulf-ports.md"), []byte(testArticle), 0o644)
		cfg, err := config.Parse(filepath.Join(dir, "config.toml"), []byte(fmt.Sprintf(fleetConfig, storeLines, prefix, feedURL)))
		if err != nil {
			t.Fatal(err)
		}
		logOut := io.Discard
		if os.Getenv("FLEET_LOG") != "" {
			logOut = os.Stderr
		}
		a, err := New(cfg, slog.New(slog.NewTextHandler(logOut, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if _, err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler())
		var once sync.Once
		stop := func() { once.Do(func() { srv.Close(); cancel(); a.Close() }) }
		t.Cleanup(stop)
		fleet = append(fleet, &instance{app: a, http: srv, dir: dir, prefix: prefix, stop: stop})
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

// pollsOncePerInterval is scenario (1) and (2): over ten intervals each
// source is fetched ten times, give or take one, not thirty.
func pollsOncePerInterval(t *testing.T, storeLines string) {
	up := newUpstream(t, "/wire.xml", "/agency.xml")
	startFleet(t, 3, storeLines, up.URL)
	time.Sleep(10*time.Second + 500*time.Millisecond)
	total := int64(0)
	for path, n := range up.requests {
		got := n.Load()
		total += got
		t.Logf("%s fetched %d times in 10.5 intervals by 3 instances", path, got)
		if got < 10 || got > 12 {
			t.Errorf("%s fetched %d times in 10.5 intervals by 3 instances, want 11±1", path, got)
		}
	}
	// Validators are shared: every fetch but each source's first, whichever
	// instance made it, revalidated with the ETag another may have stored.
	if got, want := up.revalidated.Load(), total-int64(len(up.requests)); got != want {
		t.Errorf("%d of %d repeat fetches answered 304, want all: validators not shared across instances", got, want)
	}
}

func TestFleetPollsOncePerInterval(t *testing.T) {
	srv := redistest.StartServer(t)
	pollsOncePerInterval(t, fmt.Sprintf("redis_url = %q", srv.URL))
}

func TestFleetOnClusterPollsOncePerInterval(t *testing.T) {
	cluster := redistest.StartCluster(t)
	pollsOncePerInterval(t, fmt.Sprintf("redis_addrs = [%q]", cluster.Addrs[0]))
}

// Scenario (3): a change reaches every instance within 2 s, with equal
// ETags everywhere.
func TestFleetChangePropagates(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t)
	fleet := startFleet(t, 3, fmt.Sprintf("redis_url = %q", srv.URL), up.URL)
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
	up.add("Second wire story")
	firstSeen := time.Now()
	for {
		if body, _ := feedOf(t, fleet[0]); strings.Contains(body, "Second wire story") {
			break
		}
		if body, _ := feedOf(t, fleet[1]); strings.Contains(body, "Second wire story") {
			break
		}
		if body, _ := feedOf(t, fleet[2]); strings.Contains(body, "Second wire story") {
			break
		}
		if time.Since(firstSeen) > 5*time.Second {
			t.Fatal("new upstream item not published by any instance within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	d := waitAll("Second wire story")
	t.Logf("upstream change: every instance served it, with one ETag, %v after the first", d)
	if d > 2*time.Second {
		t.Errorf("upstream change took %v to reach every instance after the first, want under 2s", d)
	}

	// An article edit, deployed to every instance's copy.
	for _, in := range fleet {
		path := filepath.Join(in.dir, "feeds", "gulf-ports.md")
		text, _ := os.ReadFile(path)
		os.WriteFile(path, []byte(strings.Replace(string(text), "Gulf ports race to automate", "Gulf ports race to automate, revised", 1)), 0o644)
	}
	d = waitAll("Gulf ports race to automate, revised")
	t.Logf("article edit: every instance served it, with one ETag, %v after the write", d)
	if d > 2*time.Second {
		t.Errorf("article edit took %v to reach every instance, want under 2s", d)
	}
}

// An instance that dies in the middle of a fetch holds its source for at
// most one interval: another instance polls it after that.
func TestFleetTakesOverFromDeadInstance(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t, "/wire.xml")
	up.hold = make(chan struct{})
	fleet := startFleet(t, 2, fmt.Sprintf("redis_url = %q", srv.URL), up.URL)

	// Both instances start polling; one wins each source's lease and
	// hangs in the fetch. Stopping both and starting a third models the
	// winner's crash (and the loser's restart) mid-fetch.
	deadline := time.Now().Add(5 * time.Second)
	for up.requests["/wire.xml"].Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no fetch started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	crashed := time.Now()
	for _, in := range fleet {
		in.stop()
	}
	close(up.hold) // releases the hung fetch; later requests pass at once

	survivor := startFleetWithPrefix(t, 1, fmt.Sprintf("redis_url = %q", srv.URL), up.URL, fleet[0].prefix)[0]
	waitEvery(t, []*instance{survivor}, "First wire story", 5*time.Second)
	if d := time.Since(crashed); d > 2*time.Second+500*time.Millisecond {
		t.Errorf("source polled again %v after the crash, want within one interval (1s) plus a poll", d)
	}
}
