package ops_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"syndicate/internal/browsertest"
	"syndicate/internal/config"
	"syndicate/internal/ops"
	"syndicate/internal/store"
	"syndicate/internal/websub"
)

const (
	asiaAtom = "https://news.example/asia/atom.xml"
	asiaRSS  = "https://news.example/asia/rss.xml"
)

// hubWith is a hub on a memory store holding three live subscriptions,
// one of them signed and one with a token in its callback, an ended
// one, and a delivery made and one retried.
func hubWith(t *testing.T) *websub.Hub {
	t.Helper()
	st := store.NewMemory()
	ctx := context.Background()
	live := time.Now().Add(time.Hour)
	for _, s := range []store.Subscription{
		{Topic: asiaAtom, Callback: "https://reader.example/cb?token=hunter2", Secret: "s3cret", Lease: time.Hour, Expires: live, Verified: now},
		{Topic: asiaAtom, Callback: "https://other.example/push", Lease: time.Hour, Expires: live, Verified: now},
		{Topic: asiaRSS, Callback: "https://reader.example/rss", Lease: time.Hour, Expires: live, Verified: now},
		{Topic: asiaRSS, Callback: "https://lapsed.example/cb", Expires: time.Now().Add(-time.Minute)},
	} {
		if err := st.PutSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	st.RecordChange(ctx, store.TopicChange{Topic: asiaRSS, ETag: `"r1"`}, time.Now(), time.Minute)
	ds, _ := st.ClaimDeliveries(ctx, time.Now(), 10, time.Minute)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries claimed, want 1", len(ds))
	}
	st.RetryDelivery(ctx, ds[0], time.Now(), 0, true)
	ds, _ = st.ClaimDeliveries(ctx, time.Now(), 10, time.Minute)
	st.AckDelivery(ctx, ds[0], time.Now())
	c := config.Defaults().WebSub
	c.Hubs = []string{"https://user:pw@hub.example/"}
	return websub.New(websub.Options{Config: c, Fetch: config.Defaults().Fetch, BaseURL: "https://news.example", Store: st, StoreTimeout: time.Second})
}

func TestWebSubAPI(t *testing.T) {
	e := start(t, ops.Deps{WebSub: hubWith(t).Report})
	got := getJSON(t, e.URL+"/api/v1/websub", 200)
	for k, want := range map[string]any{
		"builtin":     true,
		"hubs":        []any{"https://news.example/websub", "https://hub.example/"},
		"subscribers": 3.0,
		"topics": []any{
			map[string]any{"topic": asiaAtom, "subscribers": 2.0},
			map[string]any{"topic": asiaRSS, "subscribers": 1.0},
		},
		"deliveries": map[string]any{"delivered": 1.0, "failed": 1.0, "retried": 1.0, "dropped": 0.0, "queued": 0.0},
		"pings":      map[string]any{"sent": 0.0, "failed": 0.0, "dropped": 0.0, "pending": 0.0},
	} {
		if !reflect.DeepEqual(got[k], want) {
			t.Errorf("%s = %#v, want %#v", k, got[k], want)
		}
	}
	subs, _ := got["subscriptions"].([]any)
	if len(subs) != 3 {
		t.Fatalf("%d subscriptions, want the 3 live ones", len(subs))
	}
	first := subs[0].(map[string]any)
	for k, want := range map[string]any{"topic": asiaAtom, "callback": "https://other.example/push", "signed": false, "lease_seconds": 3600.0, "verified": "2026-10-20T12:00:00Z"} {
		if first[k] != want {
			t.Errorf("first subscription %s = %#v, want %#v", k, first[k], want)
		}
	}
	if second := subs[1].(map[string]any); second["callback"] != "https://reader.example/cb?token=***" || second["signed"] != true {
		t.Errorf("signed subscription shown as %v: want its callback's token masked and signed true", second)
	}
	body := string(get(t, e.URL+"/api/v1/websub").Body)
	for _, secret := range []string{"s3cret", "hunter2", "user:pw"} {
		if strings.Contains(body, secret) {
			t.Errorf("/api/v1/websub shows %q", secret)
		}
	}
}

func TestWebSubStatusPanel(t *testing.T) {
	e := start(t, ops.Deps{WebSub: hubWith(t).Report})
	r := get(t, e.URL+"/status")
	doc := browsertest.Parse(t, string(r.Body))
	for what, want := range map[string]string{"subscribers": "3", "delivered": "1", "failed": "1", "retried": "1", "dropped": "0", "queued": "0", "pings": "0"} {
		li := browsertest.One(doc, "ul.websub-counts li[data-websub="+what+"]")
		if li == nil {
			t.Errorf("no %s count on the status page", what)
			continue
		}
		if n := browsertest.Text(browsertest.One(li, ".n")); n != want {
			t.Errorf("%s = %s, want %s", what, n, want)
		}
	}
	rows := browsertest.All(doc, "table.websub-topics tbody tr")
	if len(rows) != 2 || browsertest.Attr(rows[0], "data-topic") != asiaAtom || browsertest.Text(browsertest.One(rows[0], "td")) != "2" {
		t.Errorf("topic rows: %d, want the Atom topic with 2 subscribers first, then RSS", len(rows))
	}
	for _, secret := range []string{"s3cret", "hunter2", "user:pw"} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("/status shows %q", secret)
		}
	}
	// The sources table keeps its own last column.
	if ths := browsertest.All(doc, "table.sources thead th"); len(ths) == 0 || browsertest.Text(ths[len(ths)-1]) != "Last 50 polls" {
		t.Error("the WebSub panel disturbed the sources table")
	}
}

// A hub whose state cannot be read says so, and the page still renders.
func TestWebSubUnavailable(t *testing.T) {
	down := func(context.Context) (websub.Report, error) {
		return websub.Report{Builtin: true}, errors.New("websub: report: store: redis: connection refused")
	}
	e := start(t, ops.Deps{WebSub: down})
	if got := getJSON(t, e.URL+"/api/v1/websub", 503); !strings.Contains(got["error"].(string), "connection refused") {
		t.Errorf("error = %v", got["error"])
	}
	r := get(t, e.URL+"/status")
	if r.Code != 200 {
		t.Errorf("/status: %d, want 200 with the hub's error shown", r.Code)
	}
	doc := browsertest.Parse(t, string(r.Body))
	if a := browsertest.One(doc, "section.websub p.alert"); a == nil || !strings.Contains(browsertest.Text(a), "connection refused") {
		t.Error("the hub's error is not shown in its panel")
	}
}

// Without a hub there is no route and no panel.
func TestWebSubAbsent(t *testing.T) {
	e := start(t, ops.Deps{})
	if r := get(t, e.URL+"/api/v1/websub"); r.Code != 404 {
		t.Errorf("/api/v1/websub without a hub: %d, want 404", r.Code)
	}
	if doc := browsertest.Parse(t, string(get(t, e.URL+"/status").Body)); browsertest.One(doc, "section.websub") != nil {
		t.Error("a WebSub panel without a hub")
	}
}
