package websub

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/metrics"
	"syndicate/internal/redistest"
	"syndicate/internal/render"
	"syndicate/internal/store"
)

const base = "https://news.example"

var (
	topic = base + "/asia/atom.xml"
	site  = render.Site{Title: "Dispatch", BaseURL: base, Language: "en", TTL: time.Minute, TagAuthority: "news.example", TagDate: "2026-01-01"}
)

// Waits poll for an outcome and fail after patience, so that a busy
// machine makes the tests slower, not wrong.
const patience = 10 * time.Second

// testConfig is the [websub] table as config leaves it, with loopback
// callbacks allowed and one-second leases possible.
func testConfig() config.WebSub {
	c := config.Defaults().WebSub
	c.AllowPrivateCallbacks = true
	c.LeaseMin = config.Duration{Duration: time.Second}
	c.Workers = 4
	return c
}

func testFetch() config.Fetch {
	f := config.Defaults().Fetch
	f.Timeout = config.Duration{Duration: 3 * time.Second}
	f.ConnectTimeout = config.Duration{Duration: time.Second}
	return f
}

// fastTiming makes retries, polls and sweeps quick enough for tests.
func fastTiming(t *timing) {
	t.retryBase = 50 * time.Millisecond
	t.retryCap = 200 * time.Millisecond
	t.poll = 20 * time.Millisecond
	t.sweep = 50 * time.Millisecond
	t.recheck = 20 * time.Millisecond
	t.pingBase = 20 * time.Millisecond
	t.pingCap = 100 * time.Millisecond
}

// onEachStore runs test on the memory store and on a Redis of its own.
func onEachStore(t *testing.T, test func(t *testing.T, st Store)) {
	t.Run("memory", func(t *testing.T) { test(t, store.NewMemory()) })
	t.Run("redis", func(t *testing.T) {
		st, err := store.Open(config.Store{RedisURL: redistest.Start(t), Prefix: redistest.Prefix(t), Timeout: config.Duration{Duration: 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		test(t, st)
	})
}

// testHub is a started hub serving at url, with its own metrics.
type testHub struct {
	*Hub
	url     string
	metrics *metrics.Metrics
	store   Store
	stop    context.CancelFunc
}

func logger() *slog.Logger {
	if os.Getenv("WEBSUB_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startHub starts a hub on st; adjust changes its options and timing
// before it starts. It has published the Asia feed at version "v0".
func startHub(t *testing.T, st Store, adjust func(*Options, *timing)) *testHub {
	t.Helper()
	m := metrics.New()
	opts := Options{
		Config: testConfig(), Fetch: testFetch(), BaseURL: base, UserAgent: "Syndicate-test",
		Store: st, StoreTimeout: 2 * time.Second, Logger: logger(), Metrics: m,
	}
	tm := defaultTiming(opts.Fetch)
	fastTiming(&tm)
	if adjust != nil {
		adjust(&opts, &tm)
	}
	h := New(opts)
	h.timing = tm
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.Start(ctx)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	// v0 is recorded now, whoever records it, so that no subscriber of
	// the test gets it.
	for path, doc := range docs("v0") {
		if !render.IsFeedType(doc.ContentType) {
			continue
		}
		if _, err := st.RecordChange(ctx, store.TopicChange{Topic: base + path, ETag: doc.ETag}, time.Now(), tm.stepWindow); err != nil {
			t.Fatal(err)
		}
	}
	h.Published(docs("v0"))
	return &testHub{Hub: h, url: srv.URL, metrics: m, store: st, stop: cancel}
}

// docs is the published site at a version: the Asia feeds, whose one
// item is titled after the version, and a page that is no feed.
func docs(version string) map[string]document.Document {
	it := &item.Item{ID: "tag:news.example,2026-01-01:article/x", URL: base + "/articles/x/", Title: "Story " + version,
		Published: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	feeds, err := render.Feeds(site, render.Section{Slug: "asia", Title: "Asia", Items: []*item.Item{it}})
	if err != nil {
		panic(err)
	}
	out := map[string]document.Document{"/asia/": render.NewDocument([]byte("<!doctype html>"+version), "text/html; charset=utf-8", time.Time{})}
	for format, doc := range feeds {
		out["/asia/"+format] = doc
	}
	return out
}

// subscriber is a callback on loopback that answers verifications and
// records deliveries, each as the test tells it.
type subscriber struct {
	*httptest.Server
	t *testing.T

	mu            sync.Mutex
	verifications []url.Values
	deliveries    []delivery
	echo          func(challenge string) (int, string) // the answer to a verification
	answer        func(n int) int                      // the status of the n-th delivery, from 1
	verified      chan url.Values
	delivered     chan delivery
}

type delivery struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newSubscriber(t *testing.T) *subscriber {
	s := &subscriber{
		t:         t,
		echo:      func(c string) (int, string) { return http.StatusOK, c },
		answer:    func(int) int { return http.StatusNoContent },
		verified:  make(chan url.Values, 100),
		delivered: make(chan delivery, 100),
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			q := r.URL.Query()
			s.mu.Lock()
			s.verifications = append(s.verifications, q)
			echo := s.echo
			s.mu.Unlock()
			status, body := http.StatusOK, ""
			if q.Get("hub.mode") != modeDenied {
				status, body = echo(q.Get("hub.challenge"))
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
			s.verified <- q
		case http.MethodPost:
			b, _ := io.ReadAll(r.Body)
			d := delivery{header: r.Header.Clone(), body: b, at: time.Now()}
			s.mu.Lock()
			s.deliveries = append(s.deliveries, d)
			status := s.answer(len(s.deliveries))
			s.mu.Unlock()
			w.WriteHeader(status)
			s.delivered <- d
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *subscriber) set(fn func(s *subscriber)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

func (s *subscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.deliveries)
}

// post posts a subscription request to the hub and returns its status
// and body.
func post(t *testing.T, hubURL string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(hubURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func subscribeForm(callback, topic string, extra ...string) url.Values {
	f := url.Values{"hub.mode": {modeSubscribe}, "hub.topic": {topic}, "hub.callback": {callback}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// subscribe subscribes callback to topic with the given extra parameters
// and waits until the hub holds the subscription.
func (h *testHub) subscribe(t *testing.T, callback string, extra ...string) store.Subscription {
	t.Helper()
	return h.subscribeTo(t, topic, callback, extra...)
}

// subscribeTo is subscribe to another topic than the Asia feed.
func (h *testHub) subscribeTo(t *testing.T, topic, callback string, extra ...string) store.Subscription {
	t.Helper()
	if code, body := post(t, h.url, subscribeForm(callback, topic, extra...)); code != http.StatusAccepted {
		t.Fatalf("subscribe: %d %s, want 202", code, body)
	}
	var sub store.Subscription
	eventually(t, "the subscription of "+callback+" is stored", func() bool {
		var ok bool
		sub, ok = h.subscriptionTo(t, topic, callback)
		return ok
	})
	return sub
}

func (h *testHub) subscription(t *testing.T, callback string) (store.Subscription, bool) {
	t.Helper()
	return h.subscriptionTo(t, topic, callback)
}

func (h *testHub) subscriptionTo(t *testing.T, topic, callback string) (store.Subscription, bool) {
	t.Helper()
	subs, err := h.store.Subscriptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.Callback == callback && s.Topic == topic {
			return s, true
		}
	}
	return store.Subscription{}, false
}

// eventually polls cond until it holds, and fails the test after patience.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: not %s", patience, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// next waits for the next value on ch.
func next[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("no %s within %v", what, patience)
	}
	var zero T
	return zero
}

// quiet fails the test if ch yields anything within d.
func quiet[T any](t *testing.T, ch <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("unexpected %s", what)
	case <-time.After(d):
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// counter reads a counter or gauge of m with exactly labels, 0 if absent.
func counter(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, mt := range f.GetMetric() {
			if len(mt.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range mt.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metric
				}
			}
			if mt.Counter != nil {
				return mt.GetCounter().GetValue()
			}
			return mt.GetGauge().GetValue()
		}
	}
	return 0
}
