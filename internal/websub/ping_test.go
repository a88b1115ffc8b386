package websub

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate/internal/metrics"
	"syndicate/internal/store"
)

// externalHub records the publish notifications it receives and answers
// each as the test says.
type externalHub struct {
	*httptest.Server
	mu     sync.Mutex
	pings  []url.Values
	users  []string
	answer func(n int) int
	got    chan url.Values
}

func newExternalHub(t *testing.T, answer func(n int) int) *externalHub {
	e := &externalHub{answer: answer, got: make(chan url.Values, 100)}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		user, _, _ := r.BasicAuth()
		e.mu.Lock()
		e.pings = append(e.pings, form)
		e.users = append(e.users, user)
		status := e.answer(len(e.pings))
		e.mu.Unlock()
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			status = http.StatusUnsupportedMediaType
		}
		w.WriteHeader(status)
		e.got <- form
	}))
	t.Cleanup(e.Close)
	return e
}

// External hubs are told of every change of a feed's bytes, in the
// background and retried, but not of feeds first published, which no hub
// can know of yet.
func TestPingsExternalHubs(t *testing.T) {
	flaky := newExternalHub(t, func(n int) int {
		if n == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	steady := newExternalHub(t, func(int) int { return http.StatusAccepted })
	withCreds := strings.Replace(steady.URL, "http://", "http://publisher:s3cret@", 1) + "/?key=abc"
	h := startHub(t, store.NewMemory(), func(o *Options, _ *timing) { o.Config.Hubs = []string{flaky.URL, withCreds} })
	quiet(t, flaky.got, 200*time.Millisecond, "ping for a first publish")

	h.Published(docs("v1"))
	want := map[string]bool{base + "/asia/atom.xml": true, base + "/asia/rss.xml": true, base + "/asia/feed.json": true}
	for name, e := range map[string]*externalHub{"flaky": flaky, "steady": steady} {
		got := map[string]int{}
		for range len(want) + map[string]int{"flaky": 1, "steady": 0}[name] {
			f := next(t, e.got, name+" hub ping")
			if f.Get("hub.mode") != "publish" {
				t.Errorf("%s hub got hub.mode %q, want publish", name, f.Get("hub.mode"))
			}
			got[f.Get("hub.url")]++
		}
		for topic := range want {
			if got[topic] == 0 {
				t.Errorf("%s hub was not told of %s: %v", name, topic, got)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s hub told of %v, want the three feeds alone (not the page)", name, got)
		}
	}
	steady.mu.Lock()
	users := slices.Compact(slices.Clone(steady.users))
	steady.mu.Unlock()
	if len(users) != 1 || users[0] != "publisher" {
		t.Errorf("pings to a hub URL with credentials authenticated as %q, want publisher", users)
	}
	eventually(t, "pings settled", func() bool { return h.pings.stats().Pending == 0 })
	st := h.pings.stats()
	if st.Sent != 6 || st.Failed != 1 || st.Dropped != 0 {
		t.Errorf("ping stats %+v, want 6 sent after 1 failure", st)
	}
	if n := counter(t, h.metrics, "syndicate_websub_hub_pings_total", map[string]string{"result": metrics.PingRetried}); n != 1 {
		t.Errorf("pings retried = %v, want 1", n)
	}
	for _, hub := range h.Hubs() {
		if strings.Contains(hub, "s3cret") || strings.Contains(hub, "key=") {
			t.Errorf("advertised hub %q carries the ping's credentials", hub)
		}
	}
}

// A hub that never takes a ping is given up on after the last attempt.
func TestPingDropped(t *testing.T) {
	down := newExternalHub(t, func(int) int { return http.StatusInternalServerError })
	h := startHub(t, store.NewMemory(), func(o *Options, tm *timing) {
		o.Config.Hubs = []string{down.URL}
		tm.pingAttempts = 3
	})
	h.Published(docs("v1"))
	eventually(t, "the pings dropped", func() bool { return h.pings.stats().Dropped == 3 })
	if st := h.pings.stats(); st.Failed != 9 || st.Sent != 0 || st.Pending != 0 {
		t.Errorf("ping stats %+v, want 3 attempts at each of 3 feeds, all dropped", st)
	}
}
