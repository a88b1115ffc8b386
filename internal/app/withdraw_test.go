package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/redistest"
)

// The item the operator withdraws while instances run: in latest's
// archive (latest shows 3), in world (its default section), and the one
// item of the tag feed of Culture.
const (
	ammanID   = cmsTags + "https://cms.meridian.example/%3Fp=104"
	ammanText = "Letters from Amman"
)

// reloadSite is one running instance of the CMS-fed site, its config in a
// file it watches.
type reloadSite struct {
	app     *App
	url     string // where it listens
	base    string // its base_url
	cfgPath string
	hup     chan os.Signal
	logs    *syncBuffer
}

// startReloadSite starts an instance with the config file checked every
// interval, cms serving its first feed; storeLines, when set, is its [store] table. base is the
// site's base_url: the same for every instance of a fleet.
func startReloadSite(t *testing.T, cms *cmsFixture, base, storeLines string, interval time.Duration) *reloadSite {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "feeds"), 0o755)
	os.WriteFile(filepath.Join(dir, "feeds", "gulf-ports.md"), []byte(testArticle), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	cms.site = base
	cms.serve(t, "feed-v1.xml")
	path := filepath.Join(dir, "config.toml")
	text := fmt.Sprintf(cmsConfig, base, cms.URL, "")
	if storeLines != "" {
		text += "\n[store]\n" + storeLines + "\n"
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	log, logs := instanceLog()
	a, ctx, cancel := startApp(t, cfg, log)
	s := &reloadSite{app: a, url: "http://" + ln.Addr().String(), base: base, cfgPath: path, hup: make(chan os.Signal, 1), logs: logs}
	go a.WatchConfig(ctx, s.hup, interval)
	srv := &http.Server{Handler: a.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); cancel(); a.Close() })
	return s
}

// setWithdrawn rewrites the instance's config file with ids as the
// source's withdrawn list.
func (s *reloadSite) setWithdrawn(t *testing.T, ids ...string) {
	t.Helper()
	data, err := os.ReadFile(s.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	text, n := replaceLine(string(data), "withdrawn = [", "withdrawn = ["+strings.Join(quoted, ", ")+"]")
	if n != 1 {
		t.Fatalf("%s: %d withdrawn lines", s.cfgPath, n)
	}
	if err := os.WriteFile(s.cfgPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replaceLine replaces every line of text that starts with prefix by
// line, and says how many it replaced.
func replaceLine(text, prefix, line string) (string, int) {
	lines := strings.Split(text, "\n")
	n := 0
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = line
			n++
		}
	}
	return strings.Join(lines, "\n"), n
}

// ammanPaths are the documents that carry the item before it is
// withdrawn: its section and latest's archive in all three formats, the
// section's page and its tag's feeds.
var ammanPaths = []string{
	"/latest/archive/2026-10/feed.json", "/latest/archive/2026-10/rss.xml", "/latest/archive/2026-10/atom.xml",
	"/world/feed.json", "/world/rss.xml", "/world/atom.xml", "/world/",
	"/tag/culture/feed.json", "/tag/culture/atom.xml",
}

// holding lists where the instance still has the item: the documents
// named in ammanPaths, latest's JSON Feed followed through its archive,
// every other document
// it publishes or renders on demand, and the store.
func (s *reloadSite) holding(t *testing.T) []string {
	t.Helper()
	var where []string
	for _, path := range ammanPaths {
		body, status := get(t, s.url+path)
		if status == 200 && strings.Contains(body, ammanText) {
			where = append(where, path)
		}
	}
	if _, ok := s.latest(t)[amman]; ok {
		where = append(where, "/latest/feed.json and its archive")
	}
	for path, doc := range s.app.Publisher.Documents() {
		if strings.Contains(string(doc.Body), ammanText) {
			where = append(where, "published "+path)
		}
	}
	for path := range s.app.Publisher.OnDemand() {
		if doc, ok := s.app.Publisher.Render(path); ok && strings.Contains(string(doc.Body), ammanText) {
			where = append(where, "rendered "+path)
		}
	}
	stored, err := s.app.Store.Items(context.Background(), "cms")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range stored {
		if strings.Contains(it.Title, ammanText) {
			where = append(where, "store")
		}
	}
	return where
}

// latest is jsonItems of latest's JSON Feed, its archive pages fetched
// from the instance whatever its base_url.
func (s *reloadSite) latest(t *testing.T) map[string]jsonItem {
	t.Helper()
	if s.base == s.url {
		return jsonItems(t, s.url+"/latest/feed.json")
	}
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(s.url + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		w.WriteHeader(resp.StatusCode)
		io.WriteString(w, strings.ReplaceAll(string(body), s.base, "http://"+r.Host))
	}))
	defer local.Close()
	return jsonItems(t, local.URL+"/latest/feed.json")
}

func get(t *testing.T, url string) (string, int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

// waitWithdrawn waits until no instance holds the item anywhere.
func waitWithdrawn(t *testing.T, within time.Duration, sites ...*reloadSite) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var where []string
		for i, s := range sites {
			for _, w := range s.holding(t) {
				where = append(where, fmt.Sprintf("instance %d: %s", i, w))
			}
		}
		if len(where) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after the reload, the withdrawn item is still in:\n%s", within, strings.Join(where, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mustHold checks the item is everywhere it is expected before the
// withdrawal, so that its absence after says something.
func mustHold(t *testing.T, s *reloadSite) {
	t.Helper()
	where := strings.Join(s.holding(t), "\n")
	for _, want := range append(ammanPaths, "/latest/feed.json and its archive", "store") {
		if !strings.Contains(where, want) {
			t.Fatalf("before the withdrawal the item is not in %s; it is in:\n%s", want, where)
		}
	}
}

// stillPublished checks the items not withdrawn stayed.
func stillPublished(t *testing.T, s *reloadSite) {
	t.Helper()
	items := s.latest(t)
	for _, title := range []string{tehran, senate, seoul, gulf} {
		if _, ok := items[title]; !ok {
			t.Errorf("withdrawing one item lost %q", title)
		}
	}
}

// TestWithdrawOnReload: an id added to a running instance's withdrawn
// list takes the item out of every feed, page, archive and tag feed, and
// the store, within seconds of the file's change; a poll of the CMS,
// which still lists it, does not bring it back; taken off the list, it
// comes back at the next poll.
func TestWithdrawOnReload(t *testing.T) {
	cms := newCMS(t)
	s := startReloadSite(t, cms, "", "", 50*time.Millisecond)
	waitFor(t, s.url+"/world/feed.json", ammanText)
	mustHold(t, s)

	s.setWithdrawn(t, ammanID)
	waitWithdrawn(t, 5*time.Second, s)
	stillPublished(t, s)
	if !strings.Contains(s.logs.String(), "withdrawals reloaded") {
		t.Error("the reload of the withdrawals was not logged")
	}
	if strings.Contains(s.logs.String(), "take a restart") {
		t.Error("a change of withdrawn alone was logged as needing a restart")
	}
	time.Sleep(2500 * time.Millisecond) // two polls of the CMS, which still lists it
	if where := s.holding(t); len(where) > 0 {
		t.Fatalf("the withdrawn item came back in %q", where)
	}

	s.setWithdrawn(t)
	waitFor(t, s.url+"/world/feed.json", ammanText)
	deadline := time.Now().Add(5 * time.Second)
	for len(s.holding(t)) < len(ammanPaths)+2 {
		if time.Now().After(deadline) {
			t.Fatalf("taken off the list, the item is back only in %q", s.holding(t))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// With the file checked only hourly, SIGHUP alone applies a withdrawal.
func TestWithdrawOnSIGHUP(t *testing.T) {
	cms := newCMS(t)
	s := startReloadSite(t, cms, "", "", time.Hour)
	waitFor(t, s.url+"/world/feed.json", ammanText)

	// By its link this time, as the CMS gives it.
	s.setWithdrawn(t, "https://cms.meridian.example/2026/10/30/letters-from-amman/")
	time.Sleep(300 * time.Millisecond)
	if !strings.Contains(string(fetch(t, s.url+"/world/feed.json")), ammanText) {
		t.Fatal("withdrawn before SIGHUP, with the file checked hourly")
	}
	s.hup <- syscall.SIGHUP
	waitWithdrawn(t, 5*time.Second, s)
	stillPublished(t, s)
}

// TestFleetWithdrawOnReload: two instances on one Redis, each watching a
// file of its own. The first to reload stops publishing the item at once,
// whatever the other, which still publishes it, does to the shared store;
// once both have reloaded, neither publishes it, the store has lost it,
// and no poll or reload by either brings it back.
func TestFleetWithdrawOnReload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of instances on Redis")
	}
	srv := redistest.StartServer(t)
	cms := newCMS(t)
	const base = "https://meridian.example"
	storeLines := fmt.Sprintf("%s\nprefix = %q\ntimeout = \"300ms\"", redisURL(srv), redistest.Prefix(t))
	fleet := []*reloadSite{
		startReloadSite(t, cms, base, storeLines, 50*time.Millisecond),
		startReloadSite(t, cms, base, storeLines, 50*time.Millisecond),
	}
	for _, s := range fleet {
		waitFor(t, s.url+"/world/feed.json", ammanText)
		mustHold(t, s)
	}

	fleet[0].setWithdrawn(t, ammanID)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(string(fetch(t, fleet[0].url+"/world/feed.json")), ammanText) {
		if time.Now().After(deadline) {
			t.Fatal("the instance that reloaded still publishes the item")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The other instance polls and reloads with its old list meanwhile;
	// the first never publishes the item again.
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); {
		for _, path := range ammanPaths {
			if body, _ := get(t, fleet[0].url+path); strings.Contains(body, ammanText) {
				t.Fatalf("the instance that withdrew the item publishes it again in %s", path)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}

	fleet[1].setWithdrawn(t, ammanID)
	waitWithdrawn(t, 5*time.Second, fleet...)
	time.Sleep(2500 * time.Millisecond) // polls by either, reloads by both
	for i, s := range fleet {
		if where := s.holding(t); len(where) > 0 {
			t.Errorf("instance %d: the withdrawn item came back in %q", i, where)
		}
		stillPublished(t, s)
	}
}

// TestReloadWaitsForAWholeFile: a config file caught half-written (here
// cut before its withdrawn list, still valid TOML) is not applied: the
// watcher waits until the bytes hold still for a check, so the item taken
// down never comes back and no change is logged as needing a restart.
func TestReloadWaitsForAWholeFile(t *testing.T) {
	const interval = 300 * time.Millisecond
	cms := newCMS(t)
	s := startReloadSite(t, cms, "", "", interval)
	waitFor(t, s.url+"/world/feed.json", ammanText)
	s.setWithdrawn(t, ammanID)
	waitWithdrawn(t, 5*time.Second, s)

	whole, err := os.ReadFile(s.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	half := whole[:strings.Index(string(whole), "withdrawn = [")]
	// Each half-written file lasts half a check: one check in two sees it.
	for range 6 {
		os.WriteFile(s.cfgPath, half, 0o644)
		time.Sleep(interval / 2)
		os.WriteFile(s.cfgPath, whole, 0o644)
		time.Sleep(interval)
	}
	time.Sleep(2 * interval)
	if logs := s.logs.String(); strings.Contains(logs, "take a restart") || strings.Count(logs, "withdrawals reloaded") != 1 {
		t.Errorf("a half-written file was applied:\n%s", logs)
	}
	if where := s.holding(t); len(where) > 0 {
		t.Errorf("the withdrawn item came back in %q", where)
	}
}
