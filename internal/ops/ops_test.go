package ops_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"syndicate/internal/browsertest"
	"syndicate/internal/config"
	"syndicate/internal/ops"
	"syndicate/internal/store"
)

type scenario struct {
	name   string
	states func(context.Context) ([]store.SourceState, error)
	ready  bool

	readyCode   int
	readyStatus string
	failing     float64
	// source is the one whose JSON fields and status row are checked.
	source     string
	want       map[string]any
	historyLen int
	fails      int // failed polls the sparkline marks
	badge      string
	counts     map[string]int // status page counts; missing badges are 0
}

func scenarios() []scenario {
	stale := okState(partner)
	stale.LastNewItem = now.Add(-8 * 24 * time.Hour)

	longFailing := failingState(wire)
	longFailing.LastSuccess = now.Add(-8 * 24 * time.Hour)

	gone := okState(partner)
	gone.Status, gone.HTTPStatus, gone.ConsecutiveErrors, gone.LastError = store.StatusGone, 410, 1, "upstream answered 410 Gone"
	gone.History = append(gone.History, store.Poll{At: now.Add(-time.Minute), Outcome: "gone", HTTPStatus: 410, DurationMS: 60})

	moved := okState(wire)
	moved.MovedTo = "https://wire.example/v2/feed.xml"
	moved.DiscoveredURL, moved.DiscoveredFrom = "https://wire.example/v2/atom.xml", "https://wire.example/"
	moved.Warnings = 3

	oldURL := okState(partner)
	oldURL.URL = "https://partner.example/old-rss"

	return []scenario{
		{
			name: "normal", states: statesOf(moved, okState(partner)), ready: true,
			readyCode: 200, readyStatus: "ok",
			source: "wire", historyLen: 12, fails: 1, badge: "ok",
			want: map[string]any{
				"id": "wire", "url": wire.URL, "title": "Wire Service", "status": "ok", "http_status": 200.0,
				"last_fetch": "2026-10-20T11:57:00Z", "last_success": "2026-10-20T11:57:00Z",
				"next_fetch": "2026-10-20T12:12:00Z", "last_new_item": "2026-10-20T10:00:00Z",
				"consecutive_errors": 0.0, "last_error": nil, "items": 42.0, "warnings": 3.0, "duration_ms": 180.0,
				"moved_to": "https://wire.example/v2/feed.xml", "stale": false, "stale_after": 604800.0,
				"discovered_url": "https://wire.example/v2/atom.xml", "discovered_from": "https://wire.example/", "kind": "external",
				"interval": 900.0, "sections": []any{"asia"},
			},
			counts: map[string]int{"ok": 2},
		},
		{
			name: "failing", states: statesOf(failingState(wire), okState(partner)), ready: true,
			// An hour of errors is worth a count, not a degraded instance.
			readyCode: 200, readyStatus: "ok", failing: 1,
			source: "wire", historyLen: 16, fails: 5, badge: "error",
			want: map[string]any{
				"status": "error", "http_status": 503.0, "consecutive_errors": 4.0,
				"last_error":   `upstream answered 503 <script>alert("x")</script>`,
				"last_success": "2026-10-20T11:00:00Z", "stale": false, "moved_to": nil,
			},
			counts: map[string]int{"ok": 1, "error": 1},
		},
		{
			name: "failing past stale_after", states: statesOf(longFailing, okState(partner)), ready: true,
			readyCode: 200, readyStatus: "degraded", failing: 1,
			source: "wire", historyLen: 16, fails: 5, badge: "error",
			want:   map[string]any{"status": "error", "last_success": "2026-10-12T12:00:00Z", "stale": false},
			counts: map[string]int{"ok": 1, "error": 1},
		},
		{
			name: "stale", states: statesOf(okState(wire), stale), ready: true,
			readyCode: 200, readyStatus: "degraded",
			source: "partner", historyLen: 12, fails: 1, badge: "stale",
			want: map[string]any{
				"status": "ok", "stale": true, "stale_after": 604800.0, // config's default
				"last_new_item": "2026-10-12T12:00:00Z", "title": "Upstream partner",
			},
			counts: map[string]int{"ok": 1, "stale": 1},
		},
		{
			name: "pending", states: statesOf(okState(wire)), ready: true,
			readyCode: 200, readyStatus: "ok",
			source: "partner", historyLen: 0, badge: "pending",
			want: map[string]any{
				"id": "partner", "title": "", "status": "pending", "http_status": nil,
				"last_fetch": nil, "last_success": nil, "next_fetch": nil, "last_new_item": nil,
				"consecutive_errors": 0.0, "last_error": nil, "items": 0.0, "warnings": 0.0, "duration_ms": nil,
				"moved_to": nil, "discovered_url": nil, "discovered_from": nil, "stale": false, "history": []any{},
			},
			counts: map[string]int{"ok": 1, "pending": 1},
		},
		{
			name: "state of an earlier url", states: statesOf(okState(wire), oldURL), ready: true,
			readyCode: 200, readyStatus: "ok",
			source: "partner", historyLen: 0, badge: "pending",
			want:   map[string]any{"status": "pending", "items": 0.0, "last_success": nil},
			counts: map[string]int{"ok": 1, "pending": 1},
		},
		{
			name: "gone", states: statesOf(okState(wire), gone), ready: true,
			readyCode: 200, readyStatus: "ok",
			source: "partner", historyLen: 13, fails: 2, badge: "gone",
			want:   map[string]any{"status": "gone", "http_status": 410.0, "last_error": "upstream answered 410 Gone"},
			counts: map[string]int{"ok": 1, "gone": 1},
		},
		{
			name: "not ready", states: statesOf(okState(wire), okState(partner)), ready: false,
			readyCode: 503, readyStatus: "starting",
			source: "wire", historyLen: 12, fails: 1, badge: "ok",
			want:   map[string]any{"status": "ok"},
			counts: map[string]int{"ok": 2},
		},
	}
}

func TestEndpoints(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			e := start(t, ops.Deps{Sources: []config.Source{wire, partner}, States: sc.states})
			e.Ready.Store(sc.ready)

			t.Run("readyz", func(t *testing.T) {
				got := getJSON(t, e.URL+"/readyz", sc.readyCode)
				want := map[string]any{"status": sc.readyStatus, "store": "ok", "sections": 2.0, "sources_failing": sc.failing}
				for k, v := range want {
					if !reflect.DeepEqual(got[k], v) {
						t.Errorf("%s = %#v, want %#v", k, got[k], v)
					}
				}
				if reasons, _ := got["reasons"].([]any); (len(reasons) == 0) != (sc.readyStatus == "ok") {
					t.Errorf("reasons %q for status %s", reasons, sc.readyStatus)
				}
			})

			t.Run("sources", func(t *testing.T) {
				list, _ := getJSON(t, e.URL+"/api/v1/sources", 200)["sources"].([]any)
				if len(list) != 2 {
					t.Fatalf("%d sources, want 2", len(list))
				}
				for i, id := range []string{"wire", "partner"} {
					if got := list[i].(map[string]any)["id"]; got != id {
						t.Errorf("source %d is %v, want %s (config order)", i, got, id)
					}
				}
				one := getJSON(t, e.URL+"/api/v1/sources/"+sc.source, 200)
				checkSource(t, one, sc)
				for _, s := range list {
					if s.(map[string]any)["id"] == sc.source && !reflect.DeepEqual(s, any(one)) {
						t.Errorf("list and single answers differ:\n%v\n%v", s, one)
					}
				}
			})

			t.Run("status", func(t *testing.T) {
				checkStatusPage(t, e, sc)
			})
		})
	}
}

func checkSource(t *testing.T, got map[string]any, sc scenario) {
	t.Helper()
	for _, key := range []string{"id", "url", "title", "status", "http_status", "last_fetch", "last_success",
		"consecutive_errors", "last_error", "items", "warnings", "next_fetch", "duration_ms", "moved_to", "discovered_url", "discovered_from", "kind", "stale", "stale_after", "history"} {
		if _, ok := got[key]; !ok {
			t.Errorf("field %q missing", key)
		}
	}
	for k, v := range sc.want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	history, _ := got["history"].([]any)
	if len(history) != sc.historyLen {
		t.Fatalf("history has %d polls, want %d", len(history), sc.historyLen)
	}
	for _, p := range history {
		for _, key := range []string{"time", "outcome", "http_status", "duration_ms", "new_items"} {
			if _, ok := p.(map[string]any)[key]; !ok {
				t.Errorf("poll lacks %q: %v", key, p)
			}
		}
		if _, err := time.Parse(time.RFC3339, p.(map[string]any)["time"].(string)); err != nil {
			t.Errorf("poll time: %v", err)
		}
	}
}

func checkStatusPage(t *testing.T, e *env, sc scenario) {
	t.Helper()
	r := get(t, e.URL+"/status")
	if r.Code != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /status: %d %s", r.Code, r.Header.Get("Content-Type"))
	}
	doc := browsertest.Parse(t, string(r.Body))
	if m := browsertest.One(doc, "meta[http-equiv=refresh]"); m == nil || browsertest.Attr(m, "content") != "30" {
		t.Error("no 30-second refresh")
	}
	if l := browsertest.One(doc, "link[rel=stylesheet]"); l == nil || browsertest.Attr(l, "href") != e.Site.BaseURL+"/static/style.css" {
		t.Error("the shared stylesheet is not linked")
	}
	if n := len(browsertest.All(doc, "script")); n != 0 {
		t.Errorf("%d script elements; the page needs none", n)
	}
	// The page's text states the history length and default stale_after
	// the code applies, not figures of its own.
	if ths := browsertest.All(doc, "table.sources thead th"); len(ths) == 0 || browsertest.Text(ths[len(ths)-1]) != "Last 50 polls" {
		t.Error("the history column is not headed \"Last 50 polls\"")
	}
	if l := browsertest.One(doc, "p.legend"); l == nil || !strings.Contains(browsertest.Text(l), "(7 days unless configured)") {
		t.Error("the legend does not give the default stale_after as 7 days")
	}
	checkCounts(t, doc, sc.counts, "ok")

	rows := browsertest.All(doc, "tr.source")
	if len(rows) != 2 {
		t.Fatalf("%d source rows, want 2", len(rows))
	}
	row := browsertest.One(doc, fmt.Sprintf("tr.source[data-source=%s]", sc.source))
	if row == nil {
		t.Fatalf("no row for %s", sc.source)
	}
	if !browsertest.HasClass(row, "status-"+sc.badge) {
		t.Errorf("row class %q, want status-%s", browsertest.Attr(row, "class"), sc.badge)
	}
	if b := browsertest.One(row, "span.badge"); b == nil || browsertest.Text(b) != sc.badge {
		t.Errorf("badge %q, want %s", browsertest.Text(b), sc.badge)
	}
	if msg, _ := sc.want["last_error"].(string); msg != "" {
		if got := browsertest.Text(browsertest.One(row, "td.last-error")); got != msg {
			t.Errorf("last error shown as %q, want %q (escaped, not interpreted)", got, msg)
		}
	}
	checkSparkline(t, row, sc.historyLen, sc.fails)
}

func checkCounts(t *testing.T, doc *html.Node, want map[string]int, store string) {
	t.Helper()
	for _, badge := range []string{"ok", "error", "stale", "gone", "pending"} {
		li := browsertest.One(doc, "ul.status-counts li[data-status="+badge+"]")
		if li == nil {
			t.Errorf("no count of %s sources", badge)
			continue
		}
		if got := browsertest.Text(browsertest.One(li, ".n")); got != fmt.Sprint(want[badge]) {
			t.Errorf("%s count shows %s, want %d", badge, got, want[badge])
		}
	}
	if li := browsertest.One(doc, "ul.status-counts li[data-store]"); li == nil || browsertest.Attr(li, "data-store") != store {
		t.Errorf("store state not shown as %s", store)
	}
}

func checkSparkline(t *testing.T, row *html.Node, polls, fails int) {
	t.Helper()
	svg := browsertest.One(row, "svg.sparkline")
	if svg == nil {
		t.Fatal("no sparkline")
	}
	line := browsertest.One(svg, "polyline")
	if polls == 0 {
		if line != nil || !browsertest.HasClass(svg, "empty") {
			t.Error("a source without polls has a drawn sparkline, want the flat placeholder")
		}
		return
	}
	if line == nil {
		t.Fatal("sparkline has no polyline")
	}
	if n := len(strings.Fields(browsertest.Attr(line, "points"))); n != polls {
		t.Errorf("polyline has %d points, want one per poll (%d)", n, polls)
	}
	marks := browsertest.All(svg, ".fail")
	if len(marks) != fails {
		t.Errorf("%d failure marks, want %d", len(marks), fails)
	}
	for _, m := range marks {
		if browsertest.Attr(m, "fill") != "#d00000" {
			t.Errorf("failure mark filled %q, want red", browsertest.Attr(m, "fill"))
		}
	}
}

func TestUnknownSource(t *testing.T) {
	e := start(t, ops.Deps{Sources: []config.Source{wire}, States: statesOf(okState(wire))})
	got := getJSON(t, e.URL+"/api/v1/sources/nope", 404)
	if msg, _ := got["error"].(string); !strings.Contains(msg, `"nope"`) {
		t.Errorf("error %q does not name the id", msg)
	}
}

// TestStatesUnavailable: when the states cannot be read the API says why,
// and readiness stays up, since feeds are still served.
func TestStatesUnavailable(t *testing.T) {
	e := start(t, ops.Deps{Sources: []config.Source{wire, partner}, States: failingStates})
	for _, path := range []string{"/api/v1/sources", "/api/v1/sources/wire"} {
		got := getJSON(t, e.URL+path, 503)
		if msg, _ := got["error"].(string); !strings.Contains(msg, "connection refused") || !strings.HasPrefix(msg, "ops: source states:") {
			t.Errorf("%s: error %q does not name the cause", path, msg)
		}
	}
	ready := getJSON(t, e.URL+"/readyz", 200)
	if ready["status"] != "degraded" || ready["store"] != "ok" {
		t.Errorf("readyz = %v, want degraded with the store ok", ready)
	}
	r := get(t, e.URL+"/status")
	if r.Code != 503 || !strings.Contains(string(r.Body), "connection refused") {
		t.Errorf("status page: %d, want 503 naming the cause", r.Code)
	}
}

func TestSections(t *testing.T) {
	e := start(t, ops.Deps{})
	list, _ := getJSON(t, e.URL+"/api/v1/sections", 200)["sections"].([]any)
	if len(list) != 2 {
		t.Fatalf("%d sections, want 2", len(list))
	}
	for _, tt := range []struct {
		name string
		got  any
		want map[string]any
	}{
		{"latest", list[0], map[string]any{
			"slug": "latest", "title": "Latest", "items": 50.0, "newest": "2026-10-20T11:00:00Z",
			"last_render": "2026-10-20T11:59:00Z", "render_duration_ms": 1.5,
			"formats": map[string]any{
				"rss.xml":   map[string]any{"bytes": 48000.0, "gzip_bytes": 9000.0, "etag": `"rss1"`},
				"atom.xml":  map[string]any{"bytes": 52000.0, "gzip_bytes": 9500.0, "etag": `"atom1"`},
				"feed.json": map[string]any{"bytes": 45000.0, "gzip_bytes": 8800.0, "etag": `"json1"`},
			},
		}},
		{"never rendered", list[1], map[string]any{
			"slug": "asia", "items": 0.0, "newest": nil, "last_render": nil, "render_duration_ms": 0.0, "formats": map[string]any{},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.got.(map[string]any)
			for k, v := range tt.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

func TestMetricsRoute(t *testing.T) {
	e := start(t, ops.Deps{Sources: []config.Source{wire}, States: statesOf(okState(wire))})
	e.Metrics.ObserveRender("latest", time.Millisecond)
	getJSON(t, e.URL+"/readyz", 200) // records the store as up
	r := get(t, e.URL+"/metrics")
	body := string(r.Body)
	for _, want := range []string{"syndicate_store_up 1", `syndicate_render_duration_seconds_count{section="latest"} 1`, "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// secretSource is fetched with credentials in its URL, and its last
// permanent redirect kept a token too.
var secretSource = config.Source{
	ID: "partner-secret", URL: "https://alice:hunter22@partner.example/feed?api_key=K3Y-123&page=1",
	Interval: config.Duration{Duration: time.Hour}, Sections: []string{"asia"},
	StaleAfter: config.Duration{Duration: config.DefaultStaleAfter},
}

// Operators see where a source is fetched from, never its credentials.
func TestOperatorViewsRedactSourceURLs(t *testing.T) {
	st := okState(secretSource)
	st.MovedTo = "https://bob:s3cr3tpw@partner.example/v2/feed?token=T0K3N-9"
	st.DiscoveredFrom, st.DiscoveredURL = st.MovedTo, "https://bob:s3cr3tpw@partner.example/atom?token=T0K3N-9"
	e := start(t, ops.Deps{Sources: []config.Source{secretSource}, States: statesOf(st)})
	one := getJSON(t, e.URL+"/api/v1/sources/partner-secret", 200)
	if one["url"] != "https://***@partner.example/feed?api_key=***&page=1" || one["moved_to"] != "https://***@partner.example/v2/feed?token=***" {
		t.Errorf("url %v, moved_to %v", one["url"], one["moved_to"])
	}
	if one["discovered_url"] != "https://***@partner.example/atom?token=***" || one["discovered_from"] != one["moved_to"] {
		t.Errorf("discovered_url %v, discovered_from %v", one["discovered_url"], one["discovered_from"])
	}
	if page := string(get(t, e.URL+"/status").Body); !strings.Contains(page, "feed found at https://***@partner.example/atom?token=***") {
		t.Error("the status page does not say where the feed was found")
	}
	for _, path := range []string{"/api/v1/sources", "/api/v1/sources/partner-secret", "/status", "/readyz", "/metrics"} {
		body := string(get(t, e.URL+path).Body)
		for _, secret := range []string{"alice", "hunter22", "K3Y-123", "bob", "s3cr3tpw", "T0K3N-9"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q", path, secret)
			}
		}
	}
	if body := string(get(t, e.URL+"/status").Body); !strings.Contains(body, "https://***@partner.example/feed?api_key=***&amp;page=1") {
		t.Error("the status page does not show the redacted URL")
	}
}

func TestToken(t *testing.T) {
	const token = "0ps-t0ken-for-tests"
	e := start(t, ops.Deps{Sources: []config.Source{wire}, States: statesOf(okState(wire)), Token: token, Profiling: true})
	routes := []string{"/readyz", "/api/v1/sources", "/api/v1/sources/wire", "/api/v1/sections", "/status", "/metrics", "/debug/pprof/", "/debug/pprof/goroutine", "/debug/pprof/cmdline"}
	for _, path := range routes {
		for _, tt := range []struct {
			name, auth string
			code       int
		}{
			{"none", "", 401},
			{"wrong", "Bearer " + token + "x", 401},
			{"prefix", "Bearer " + token[:5], 401},
			{"other scheme", "Basic " + token, 401},
			{"right", "Bearer " + token, 200},
			{"scheme in capitals", "BEARER " + token, 200},
		} {
			req, _ := http.NewRequest("GET", e.URL+path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Errorf("%s with %s token: %d, want %d", path, tt.name, resp.StatusCode, tt.code)
			}
			if tt.code == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("%s: 401 without a Bearer challenge", path)
			}
		}
	}
	if code := get(t, e.URL+"/healthz").Code; code != 200 {
		t.Errorf("/healthz without a token: %d, want 200", code)
	}
}

// Profiling is served only where asked for: on the operators' own
// listener.
func TestProfilingOnlyWhenAsked(t *testing.T) {
	e := start(t, ops.Deps{Sources: []config.Source{wire}, States: statesOf(okState(wire))})
	if code := get(t, e.URL+"/debug/pprof/goroutine").Code; code != 404 {
		t.Errorf("/debug/pprof/goroutine without Profiling: %d, want 404", code)
	}
}
