package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/redistest"
	"syndicate/internal/store"
)

// secrets are what a partner's feed URL carries: userinfo and an API key.
var secrets = []string{"alice", "hunter22", "K3Y-123"}

// partnerFeed is an upstream that wants its credentials, links relatively
// and names no self link, so that everything it publishes is resolved
// against the URL it is fetched from.
func partnerFeed(t *testing.T, fails *atomic.Bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "alice" || pass != "hunter22" || r.URL.Query().Get("api_key") != "K3Y-123" {
			http.Error(w, "credentials, please", http.StatusUnauthorized)
			return
		}
		if fails.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Partner Wire</title>
<item><title>Ceasefire talks resume in Doha</title><link>/world/doha</link><guid isPermaLink="false">pw-1</guid>
<pubDate>Mon, 02 Nov 2026 08:00:00 +0000</pubDate><description>&lt;a href="/world/background"&gt;Background&lt;/a&gt;</description></item>
</channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A source fetched with credentials in its URL publishes them nowhere:
// not in any feed format or page, not on any operator route, not in the
// logs, even once it fails.
func TestCredentialedSourceNeverPublished(t *testing.T) {
	var fails atomic.Bool
	upstream := partnerFeed(t, &fails)
	secretURL := strings.Replace(upstream.URL, "http://", "http://alice:hunter22@", 1) + "/feed.xml?api_key=K3Y-123"
	var logs syncBuffer
	a, front := newSecureApp(t, secretURL, "", &logs)
	waitFor(t, front.URL+"/middle-east/rss.xml", "Ceasefire talks resume in Doha")

	fails.Store(true)
	a.Poller.PollOnce(context.Background(), "partner-wire")
	src := getJSON(t, front.URL+"/api/v1/sources/partner-wire")
	if src["status"] != "error" {
		t.Fatalf("the failing upstream is not reported: %v", src)
	}
	if want := "http://***@" + strings.TrimPrefix(upstream.URL, "http://") + "/feed.xml?api_key=***"; src["url"] != want {
		t.Errorf("API url %v, want %s", src["url"], want)
	}

	public := strings.TrimPrefix(upstream.URL, "http://") + "/feed.xml"
	pages := map[string]string{}
	for _, path := range []string{"/middle-east/rss.xml", "/middle-east/atom.xml", "/middle-east/feed.json", "/middle-east/", "/", "/latest/rss.xml", "/opml.xml",
		"/api/v1/sources", "/api/v1/sources/partner-wire", "/api/v1/sections", "/status", "/readyz", "/metrics"} {
		pages[path] = string(fetch(t, front.URL+path))
	}
	pages["logs"] = logs.String()
	for name, text := range pages {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s carries %q", name, s)
			}
		}
	}
	for _, feed := range []string{"/middle-east/rss.xml", "/middle-east/atom.xml", "/middle-east/feed.json"} {
		if !strings.Contains(pages[feed], public) || !strings.Contains(pages[feed], strings.TrimPrefix(upstream.URL, "http://")+"/world/doha") {
			t.Errorf("%s lost the attribution or the item's link", feed)
		}
	}
	if !strings.Contains(pages["logs"], "poll failed") {
		t.Error("the failed poll was not logged")
	}
}

// newSecureApp starts an instance with the partner source at sourceURL
// and the server table's extra lines, logging to logs.
func newSecureApp(t *testing.T, sourceURL, serverLines string, logs io.Writer) (*App, *httptest.Server) {
	t.Helper()
	a, front, _ := serveApp(t, "gulf-ports.md", testArticle, func(base string) string {
		text := fmt.Sprintf(testConfig, base, "") + "\n"
		text = strings.Replace(text, `url = "/feed.xml"`, fmt.Sprintf("url = %q\ninterval = \"1h\"", sourceURL), 1)
		text = strings.Replace(text, `interval = "1s"`, "", 1)
		text = strings.Replace(text, "[content]", "[server]\n"+serverLines+"\n[log]\nlevel = \"debug\"\n\n[content]", 1)
		return text
	}, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return a, front
}

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(fetch(t, url), &v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return v
}

// With ops_listen set the operator routes move to their own listener,
// behind ops_token there, and the public one answers them 404.
func TestOpsListener(t *testing.T) {
	var fails atomic.Bool
	upstream := partnerFeed(t, &fails)
	a, front := newSecureApp(t, upstream.URL+"/feed.xml", `ops_listen = "127.0.0.1:0"
ops_token = "t0ken-0f-the-0perators"`, io.Discard)
	ops := httptest.NewServer(a.OpsHandler())
	t.Cleanup(ops.Close)
	operatorRoutes := []string{"/readyz", "/api/v1/sources", "/api/v1/sources/partner-wire", "/api/v1/sections", "/status", "/metrics", "/debug/pprof/", "/debug/pprof/heap"}
	for _, path := range operatorRoutes {
		if code := status(t, front.URL+path, ""); code != 404 {
			t.Errorf("public %s: %d, want 404", path, code)
		}
		if code := status(t, ops.URL+path, ""); code != 401 {
			t.Errorf("operator %s without the token: %d, want 401", path, code)
		}
		if code := status(t, ops.URL+path, "t0ken-0f-the-0perators"); code != 200 {
			t.Errorf("operator %s: %d, want 200", path, code)
		}
	}
	for _, base := range []string{front.URL, ops.URL} {
		if code := status(t, base+"/healthz", ""); code != 200 {
			t.Errorf("%s/healthz: %d, want 200 without a token", base, code)
		}
	}
	if code := status(t, front.URL+"/middle-east/rss.xml", ""); code != 200 {
		t.Errorf("the feeds moved too: %d", code)
	}
}

func status(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// countingStore counts the store calls made on behalf of an HTTP request
// (see countRequests) that read per source or per document, and the pings;
// what the instance does in the background is not counted.
type countingStore struct {
	store.Store
	reads, pings atomic.Int64
}

type requestKey struct{}

// countRequests marks the context of every request h serves, which the
// store calls made for it inherit.
func countRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, true)))
	})
}

func forRequest(ctx context.Context) bool { return ctx.Value(requestKey{}) != nil }

func (c *countingStore) SourceState(ctx context.Context, id string) (store.SourceState, error) {
	if forRequest(ctx) {
		c.reads.Add(1)
	}
	return c.Store.SourceState(ctx, id)
}

func (c *countingStore) Items(ctx context.Context, source string) ([]item.Item, error) {
	if forRequest(ctx) {
		c.reads.Add(1)
	}
	return c.Store.Items(ctx, source)
}

func (c *countingStore) Document(ctx context.Context, section, format string) (document.Document, error) {
	if forRequest(ctx) {
		c.reads.Add(1)
	}
	return c.Store.Document(ctx, section, format)
}

func (c *countingStore) Ping(ctx context.Context) error {
	if forRequest(ctx) {
		c.pings.Add(1)
	}
	return c.Store.Ping(ctx)
}

// The operator routes answer from what the instance keeps: however many
// sources there are, a request costs at most one store call, a ping.
func TestOperatorRoutesCostNoStoreCallPerSource(t *testing.T) {
	const sources = 300
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, upstreamRSS)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "feeds"), 0o755)
	text := "[site]\ntitle = \"T\"\n[[section]]\nslug = \"world\"\ntitle = \"World\"\n[fetch]\nper_host = 8\n"
	for i := range sources {
		text += fmt.Sprintf("[[source]]\nid = \"s%d\"\nurl = \"%s/feed/%d\"\ninterval = \"1h\"\nsections = [\"world\"]\n", i, upstream.URL, i)
	}
	cfg, err := config.Parse(filepath.Join(dir, "config.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	st := &countingStore{Store: store.NewMemory()}
	a := newApp(cfg, slog.New(slog.DiscardHandler), st)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(countRequests(a.Handler()))
	t.Cleanup(front.Close)
	deadline := time.Now().Add(60 * time.Second)
	for polled := 0; polled < sources; {
		states, _ := a.states.list(ctx)
		polled = len(states)
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sources polled", polled, sources)
		}
		time.Sleep(20 * time.Millisecond)
	}

	const rounds = 20
	for _, route := range []struct {
		path  string
		pings int64
	}{
		{"/readyz", 1}, {"/status", 1}, {"/api/v1/sources", 0}, {"/api/v1/sources/s7", 0}, {"/api/v1/sections", 0}, {"/metrics", 0},
	} {
		reads, pings := st.reads.Load(), st.pings.Load()
		for range rounds {
			fetch(t, front.URL+route.path)
		}
		if got := st.reads.Load() - reads; got != 0 {
			t.Errorf("%d requests to %s read the store %d times, want none", rounds, route.path, got)
		}
		if got := st.pings.Load() - pings; got > route.pings*rounds {
			t.Errorf("%d requests to %s pinged the store %d times, want at most %d", rounds, route.path, got, route.pings*rounds)
		}
	}
	if list := getJSON(t, front.URL+"/api/v1/sources")["sources"].([]any); len(list) != sources || list[7].(map[string]any)["status"] != "ok" {
		t.Errorf("sources API: %d sources, the eighth %v", len(list), list[7])
	}
}

// Every instance of a fleet reports a source's health as the instance
// that polled it recorded it: a failed poll, which changes no item and so
// announces nothing, reaches the others' operator routes with the states
// they re-read every statesEvery.
func TestFleetSourceStatesAgree(t *testing.T) {
	srv := redistest.StartServer(t)
	var failing atomic.Bool
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, upstreamRSS)
	}))
	t.Cleanup(upstream.Close)
	fleet := startFleet(t, 2, fleetSetup{store: redisURL(srv), feedURL: upstream.URL, interval: "1h"})
	statusOn := func(in *instance) string {
		return getJSON(t, in.http.URL+"/api/v1/sources/wire")["status"].(string)
	}
	deadline := time.Now().Add(3 * statesEvery)
	for statusOn(fleet[0]) != "ok" || statusOn(fleet[1]) != "ok" {
		if time.Now().After(deadline) {
			t.Fatalf("sources never reported ok: %s, %s", statusOn(fleet[0]), statusOn(fleet[1]))
		}
		time.Sleep(100 * time.Millisecond)
	}
	failing.Store(true)
	fleet[0].app.Poller.PollOnce(context.Background(), "wire")
	if got := statusOn(fleet[0]); got != "error" {
		t.Fatalf("the polling instance reports %s at once, want error", got)
	}
	start := time.Now()
	for statusOn(fleet[1]) != "error" {
		if time.Since(start) > 3*statesEvery {
			t.Fatalf("the other instance still reports ok after %v", time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the other instance reported the failure after %v", time.Since(start).Round(100*time.Millisecond))
}
