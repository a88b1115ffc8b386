package websub

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/metrics"
	"syndicate/internal/store"
)

// The known HMAC-SHA256 test vector, as section 8 signs a body.
func TestSignature(t *testing.T) {
	got := Signature("key", []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
}

func TestHubsAndLinks(t *testing.T) {
	c := config.WebSub{Builtin: true, Hubs: []string{"https://user:pw@hub.example/publish?key=k", "https://pubsub.example/"}}
	want := []string{base + Path, "https://hub.example/publish", "https://pubsub.example/"}
	if got := Hubs(c, base); !slices.Equal(got, want) {
		t.Errorf("Hubs = %q, want %q: the built-in first, credentials never advertised", got, want)
	}
	c.Builtin = false
	if got := Hubs(c, base); len(got) != 2 || got[0] != want[1] {
		t.Errorf("Hubs without the built-in one = %q", got)
	}
	links := LinkHeader([]string{base + Path}, topic)
	if want := []string{`<` + base + `/websub>; rel="hub"`, `<` + topic + `>; rel="self"`}; !slices.Equal(links, want) {
		t.Errorf("LinkHeader = %q, want %q", links, want)
	}
}

// A subscriber subscribes, is verified with the challenge it echoes, and
// receives each change of the topic's bytes: the whole new document with
// its content type, the hub and self links, and a signature over the body
// with its secret.
func TestSubscribeVerifyDeliver(t *testing.T) { onEachStore(t, subscribeVerifyDeliver) }

func subscribeVerifyDeliver(t *testing.T, st Store) {
	h := startHub(t, st, nil)
	sub := newSubscriber(t)
	cb := sub.URL + "/cb?reader=7"
	s := h.subscribe(t, cb, "hub.secret", "s3cret", "hub.lease_seconds", "3600")
	q := next(t, sub.verified, "verification")
	if q.Get("hub.mode") != modeSubscribe || q.Get("hub.topic") != topic || q.Get("hub.lease_seconds") != "3600" || len(q.Get("hub.challenge")) < 16 || q.Get("reader") != "7" {
		t.Errorf("verification query = %v: want mode, topic, granted lease, a challenge, and the callback's own query kept", q)
	}
	if s.Secret != "s3cret" || s.Lease != time.Hour || time.Until(s.Expires) > time.Hour || time.Until(s.Expires) < 59*time.Minute {
		t.Errorf("stored subscription %+v: want the secret and a one-hour lease from now", s)
	}

	changed := docs("v1")
	start := time.Now()
	h.Published(changed)
	d := next(t, sub.delivered, "delivery")
	if took := d.at.Sub(start); took > 2*time.Second {
		t.Errorf("delivery %v after the change, want within 2s", took)
	}
	want := changed["/asia/atom.xml"]
	if !bytes.Equal(d.body, want.Body) {
		t.Errorf("delivered body is not the changed feed:\n%s", d.body)
	}
	if ct := d.header.Get("Content-Type"); ct != want.ContentType {
		t.Errorf("Content-Type = %q, want the topic's %q", ct, want.ContentType)
	}
	if got, wantLinks := d.header.Values("Link"), LinkHeader(h.Hubs(), topic); !slices.Equal(got, wantLinks) {
		t.Errorf("Link = %q, want %q", got, wantLinks)
	}
	if got := d.header.Get("X-Hub-Signature"); got != Signature("s3cret", d.body) {
		t.Errorf("X-Hub-Signature = %q, want the HMAC of the body delivered", got)
	}
	// A publish that changes no feed delivers nothing; the page alone
	// changing is no change of any topic.
	same := docs("v1")
	same["/asia/"] = docs("v2")["/asia/"]
	h.Published(same)
	quiet(t, sub.delivered, 300*time.Millisecond, "delivery of an unchanged feed")
	if got := sub.count(); got != 1 {
		t.Errorf("%d deliveries, want 1", got)
	}
}

// Without a secret a delivery carries no signature.
func TestDeliveryUnsigned(t *testing.T) {
	h := startHub(t, store.NewMemory(), nil)
	sub := newSubscriber(t)
	h.subscribe(t, sub.URL)
	h.Published(docs("v1"))
	if d := next(t, sub.delivered, "delivery"); d.header.Get("X-Hub-Signature") != "" {
		t.Errorf("unsigned subscription got X-Hub-Signature %q", d.header.Get("X-Hub-Signature"))
	}
}

// A verification that fails leaves no subscription: a wrong echo, a
// denial (404), an error status, no answer at all.
func TestFailedVerificationNotSubscribed(t *testing.T) {
	for name, echo := range map[string]func(string) (int, string){
		"wrong echo":     func(c string) (int, string) { return http.StatusOK, "not-" + c },
		"empty echo":     func(string) (int, string) { return http.StatusOK, "" },
		"denied (404)":   func(c string) (int, string) { return http.StatusNotFound, c },
		"server error":   func(c string) (int, string) { return http.StatusInternalServerError, c },
		"echo and more":  func(c string) (int, string) { return http.StatusOK, c + " ok" },
		"redirect (302)": func(c string) (int, string) { return http.StatusFound, c },
	} {
		t.Run(name, func(t *testing.T) {
			h := startHub(t, store.NewMemory(), nil)
			sub := newSubscriber(t)
			sub.set(func(s *subscriber) { s.echo = echo })
			if code, _ := post(t, h.url, subscribeForm(sub.URL, topic)); code != http.StatusAccepted {
				t.Fatalf("subscribe: %d, want 202", code)
			}
			next(t, sub.verified, "verification")
			eventually(t, "the failure counted", func() bool {
				return counter(t, h.metrics, "syndicate_websub_verifications_total", map[string]string{"mode": "subscribe", "result": metrics.VerifyFailed}) == 1
			})
			if _, ok := h.subscription(t, sub.URL); ok {
				t.Error("subscribed although verification failed")
			}
			h.Published(docs("v1"))
			quiet(t, sub.delivered, 200*time.Millisecond, "delivery to a subscriber never verified")
		})
	}
}

// A failed renewal leaves the subscription as it was (section 5.1.2).
func TestFailedRenewalKeepsSubscription(t *testing.T) {
	h := startHub(t, store.NewMemory(), nil)
	sub := newSubscriber(t)
	first := h.subscribe(t, sub.URL, "hub.lease_seconds", "3600")
	sub.set(func(s *subscriber) { s.echo = func(string) (int, string) { return http.StatusOK, "wrong" } })
	post(t, h.url, subscribeForm(sub.URL, topic, "hub.lease_seconds", "60"))
	next(t, sub.verified, "first verification")
	next(t, sub.verified, "renewal's verification")
	eventually(t, "the failed renewal counted", func() bool {
		return counter(t, h.metrics, "syndicate_websub_verifications_total", map[string]string{"mode": "subscribe", "result": metrics.VerifyFailed}) == 1
	})
	if got, ok := h.subscription(t, sub.URL); !ok || got.Lease != first.Lease || !got.Expires.Equal(first.Expires) {
		t.Errorf("after a failed renewal: %+v (held %v), want the first subscription unchanged: %+v", got, ok, first)
	}
}

// A topic this hub does not publish is denied (section 5.2): the callback
// is told so, never asked to confirm, and nothing is stored.
func TestUnpublishedTopicDenied(t *testing.T) {
	h := startHub(t, store.NewMemory(), nil)
	sub := newSubscriber(t)
	for _, other := range []string{base + "/asia/", base + "/nowhere/atom.xml", "https://elsewhere.example/asia/atom.xml"} {
		if code, _ := post(t, h.url, subscribeForm(sub.URL, other)); code != http.StatusAccepted {
			t.Fatalf("subscribe to %s: %d, want 202 (then denied)", other, code)
		}
		q := next(t, sub.verified, "denial")
		if q.Get("hub.mode") != modeDenied || q.Get("hub.topic") != other || q.Get("hub.reason") == "" || q.Has("hub.challenge") {
			t.Errorf("answer to a subscription to %s: %v, want hub.mode=denied with topic and reason, no challenge", other, q)
		}
	}
	if subs, _ := h.store.Subscriptions(context.Background()); len(subs) != 0 {
		t.Errorf("subscriptions to unpublished topics stored: %+v", subs)
	}
	eventually(t, "three refusals counted", func() bool {
		return counter(t, h.metrics, "syndicate_websub_verifications_total", map[string]string{"mode": "subscribe", "result": metrics.VerifyRefused}) == 3
	})
}

func TestBadRequests(t *testing.T) {
	h := startHub(t, store.NewMemory(), nil)
	cb := "https://reader.example/cb"
	for _, tt := range []struct {
		name string
		form []string
		want string
	}{
		{"no mode", []string{"hub.topic", topic, "hub.callback", cb}, "hub.mode"},
		{"publish mode", []string{"hub.mode", "publish", "hub.topic", topic, "hub.callback", cb}, "hub.mode"},
		{"no topic", []string{"hub.mode", "subscribe", "hub.callback", cb}, "hub.topic"},
		{"no callback", []string{"hub.mode", "subscribe", "hub.topic", topic}, "hub.callback"},
		{"relative callback", []string{"hub.mode", "subscribe", "hub.topic", topic, "hub.callback", "/cb"}, "hub.callback"},
		{"ftp callback", []string{"hub.mode", "subscribe", "hub.topic", topic, "hub.callback", "ftp://reader.example/"}, "hub.callback"},
		{"long secret", []string{"hub.mode", "subscribe", "hub.topic", topic, "hub.callback", cb, "hub.secret", string(bytes.Repeat([]byte("s"), 200))}, "hub.secret"},
		{"bad lease", []string{"hub.mode", "subscribe", "hub.topic", topic, "hub.callback", cb, "hub.lease_seconds", "-5"}, "hub.lease_seconds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := map[string][]string{}
			for i := 0; i < len(tt.form); i += 2 {
				form[tt.form[i]] = []string{tt.form[i+1]}
			}
			code, body := post(t, h.url, form)
			if code != http.StatusBadRequest || !contains([]byte(body), "websub: "+tt.want) {
				t.Errorf("%d %q, want 400 naming %s", code, body, tt.want)
			}
		})
	}
	resp, err := http.Get(h.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d Allow %q, want 405 Allow POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// Leases are granted within the configured bounds.
func TestLeaseBounds(t *testing.T) {
	h := startHub(t, store.NewMemory(), func(o *Options, _ *timing) {
		o.Config.LeaseMin = config.Duration{Duration: time.Minute}
		o.Config.LeaseMax = config.Duration{Duration: time.Hour}
		o.Config.LeaseDefault = config.Duration{Duration: 10 * time.Minute}
	})
	for _, tt := range []struct{ asked, granted string }{{"", "600"}, {"1", "60"}, {"1800", "1800"}, {"999999999", "3600"}} {
		sub := newSubscriber(t)
		form := subscribeForm(sub.URL, topic)
		if tt.asked != "" {
			form.Set("hub.lease_seconds", tt.asked)
		}
		post(t, h.url, form)
		if q := next(t, sub.verified, "verification"); q.Get("hub.lease_seconds") != tt.granted {
			t.Errorf("asked %q: granted %s seconds, want %s", tt.asked, q.Get("hub.lease_seconds"), tt.granted)
		}
		s, _ := h.subscription(t, sub.URL)
		eventually(t, "subscribed", func() bool { s, _ = h.subscription(t, sub.URL); return s.Lease > 0 })
		if strconv.Itoa(int(s.Lease/time.Second)) != tt.granted {
			t.Errorf("asked %q: stored lease %v, want %s seconds", tt.asked, s.Lease, tt.granted)
		}
	}
}

// A callback that answers 500 is tried again, with backoff, until it
// takes the delivery.
func TestFailedDeliveryRetried(t *testing.T) { onEachStore(t, failedDeliveryRetried) }

func failedDeliveryRetried(t *testing.T, st Store) {
	h := startHub(t, st, nil)
	sub := newSubscriber(t)
	sub.set(func(s *subscriber) {
		s.answer = func(n int) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}
	})
	h.subscribe(t, sub.URL)
	h.Published(docs("v1"))
	var got []delivery
	for range 3 {
		got = append(got, next(t, sub.delivered, "delivery attempt"))
	}
	for i, d := range got {
		if !bytes.Equal(d.body, got[0].body) {
			t.Errorf("attempt %d carried other bytes", i+1)
		}
	}
	// Waits double: the one after the second failure is drawn from
	// [base, 2 base], so the third attempt comes at least base later.
	if gap := got[2].at.Sub(got[1].at); gap < h.timing.retryBase {
		t.Errorf("second retry %v after the first, want at least the doubled wait's half, %v", gap, h.timing.retryBase)
	}
	eventually(t, "the delivery settled", func() bool {
		st, _ := h.store.WebSubStats(context.Background())
		return st.Delivered == 1
	})
	stats, _ := h.store.WebSubStats(context.Background())
	if stats.Failed != 2 || stats.Retried != 2 || stats.Dropped != 0 || stats.Queued != 0 {
		t.Errorf("stats %+v, want 2 failed and retried, then delivered", stats)
	}
	for result, want := range map[string]float64{metrics.DeliveryRetried: 2, metrics.DeliveryOK: 1} {
		if n := counter(t, h.metrics, "syndicate_websub_deliveries_total", map[string]string{"result": result}); n != want {
			t.Errorf("deliveries{result=%s} = %v, want %v", result, n, want)
		}
	}
	quiet(t, sub.delivered, 300*time.Millisecond, "delivery after success")
}

// A callback that keeps failing is dropped once retries would pass the
// give-up time, and counted.
func TestDeliveryDroppedAfterGivingUp(t *testing.T) {
	h := startHub(t, store.NewMemory(), func(_ *Options, tm *timing) { tm.giveUp = 300 * time.Millisecond })
	sub := newSubscriber(t)
	sub.set(func(s *subscriber) { s.answer = func(int) int { return http.StatusBadGateway } })
	h.subscribe(t, sub.URL)
	h.Published(docs("v1"))
	eventually(t, "the delivery dropped", func() bool {
		return counter(t, h.metrics, "syndicate_websub_deliveries_total", map[string]string{"result": metrics.DeliveryDropped}) == 1
	})
	n := sub.count()
	time.Sleep(300 * time.Millisecond)
	if later := sub.count(); later != n {
		t.Errorf("%d attempts after the drop", later-n)
	}
	st, _ := h.store.WebSubStats(context.Background())
	if st.Dropped != 1 || st.Queued != 0 || st.Failed != int64(n) {
		t.Errorf("stats %+v after %d attempts, want every attempt failed and one drop", st, n)
	}
	if _, ok := h.subscription(t, sub.URL); !ok {
		t.Error("dropping a delivery ended the subscription; the next change should still be tried")
	}
}

// A callback that answers 410 Gone ends its subscription.
func TestGoneEndsSubscription(t *testing.T) {
	h := startHub(t, store.NewMemory(), nil)
	sub := newSubscriber(t)
	sub.set(func(s *subscriber) { s.answer = func(int) int { return http.StatusGone } })
	h.subscribe(t, sub.URL)
	h.Published(docs("v1"))
	next(t, sub.delivered, "delivery")
	eventually(t, "the subscription ended", func() bool { _, ok := h.subscription(t, sub.URL); return !ok })
	h.Published(docs("v2"))
	quiet(t, sub.delivered, 300*time.Millisecond, "delivery after 410")
}

// Unsubscribing, once verified, stops deliveries; another subscriber to
// the same topic, still subscribed, shows when the change went out.
func TestUnsubscribeStopsDeliveries(t *testing.T) { onEachStore(t, unsubscribeStopsDeliveries) }

func unsubscribeStopsDeliveries(t *testing.T, st Store) {
	h := startHub(t, st, nil)
	leaving, staying := newSubscriber(t), newSubscriber(t)
	h.subscribe(t, leaving.URL)
	h.subscribe(t, staying.URL)
	h.Published(docs("v1"))
	next(t, leaving.delivered, "delivery before unsubscribing")
	next(t, staying.delivered, "delivery")

	form := subscribeForm(leaving.URL, topic)
	form.Set("hub.mode", modeUnsubscribe)
	if code, _ := post(t, h.url, form); code != http.StatusAccepted {
		t.Fatalf("unsubscribe: %d, want 202", code)
	}
	next(t, leaving.verified, "subscribe verification")
	if q := next(t, leaving.verified, "unsubscribe verification"); q.Get("hub.mode") != modeUnsubscribe || q.Has("hub.lease_seconds") {
		t.Errorf("unsubscribe verification %v: want mode unsubscribe, no lease", q)
	}
	eventually(t, "unsubscribed", func() bool { _, ok := h.subscription(t, leaving.URL); return !ok })
	h.Published(docs("v2"))
	next(t, staying.delivered, "delivery to the remaining subscriber")
	quiet(t, leaving.delivered, 300*time.Millisecond, "delivery after unsubscribing")
}

// A lease that ends stops deliveries, and the sweep clears it.
func TestLeaseExpiryStopsDeliveries(t *testing.T) { onEachStore(t, leaseExpiryStopsDeliveries) }

func leaseExpiryStopsDeliveries(t *testing.T, st Store) {
	h := startHub(t, st, nil)
	lapsing, staying := newSubscriber(t), newSubscriber(t)
	s := h.subscribe(t, lapsing.URL, "hub.lease_seconds", "1")
	h.subscribe(t, staying.URL)
	time.Sleep(time.Until(s.Expires) + 50*time.Millisecond)
	h.Published(docs("v1"))
	next(t, staying.delivered, "delivery to the live subscriber")
	quiet(t, lapsing.delivered, 300*time.Millisecond, "delivery after the lease ended")
	eventually(t, "the ended lease cleared", func() bool {
		subs, _ := h.store.Subscriptions(context.Background())
		return len(subs) == 1
	})
	r, err := h.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Subscriptions) != 1 || len(r.Topics) != 1 || r.Topics[0].Subscribers != 1 {
		t.Errorf("report %+v: want the live subscription alone", r)
	}
}

// Callbacks on loopback, private, link-local and CGNAT addresses are
// refused unless the configuration allows them: no request reaches them,
// nothing is stored.
func TestPrivateCallbackRefused(t *testing.T) {
	h := startHub(t, store.NewMemory(), func(o *Options, _ *timing) { o.Config.AllowPrivateCallbacks = false })
	sub := newSubscriber(t)
	// Nothing listens at the others: the dialer refuses them before any
	// connection, which a test on a machine with such a network relies on.
	callbacks := []string{sub.URL, "http://10.0.0.1:9/cb", "http://192.168.1.1:9/cb", "http://169.254.169.254/latest/meta-data/",
		"http://100.64.0.1:9/cb", "http://[fe80::1]:9/cb", "http://[fd00::1]:9/cb"}
	for _, cb := range callbacks {
		if code, _ := post(t, h.url, subscribeForm(cb, topic)); code != http.StatusAccepted {
			t.Fatalf("subscribe %s: %d", cb, code)
		}
	}
	eventually(t, "every verification failed", func() bool {
		return counter(t, h.metrics, "syndicate_websub_verifications_total", map[string]string{"mode": "subscribe", "result": metrics.VerifyFailed}) == float64(len(callbacks))
	})
	if subs, _ := h.store.Subscriptions(context.Background()); len(subs) != 0 {
		t.Errorf("callbacks on non-public addresses subscribed: %+v", subs)
	}
	sub.mu.Lock()
	reached := len(sub.verifications) + len(sub.deliveries)
	sub.mu.Unlock()
	if reached != 0 {
		t.Error("the hub reached a loopback callback")
	}
	if _, ok := h.subscription(t, sub.URL); ok {
		t.Error("a loopback callback was subscribed")
	}
}

// Deliveries keep to the per-host bound of polling, and to the workers
// bound overall.
func TestDeliveryConcurrencyBounds(t *testing.T) {
	const subscribers = 6
	var mu sync.Mutex
	inFlight, most := map[string]int{}, map[string]int{}
	total, mostTotal := 0, 0
	var delivered atomic.Int64
	slow := func(host string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				w.Write([]byte(r.URL.Query().Get("hub.challenge")))
				return
			}
			mu.Lock()
			inFlight[host]++
			total++
			most[host], mostTotal = max(most[host], inFlight[host]), max(mostTotal, total)
			mu.Unlock()
			time.Sleep(100 * time.Millisecond)
			mu.Lock()
			inFlight[host]--
			total--
			mu.Unlock()
			delivered.Add(1)
		}
	}
	h := startHub(t, store.NewMemory(), func(o *Options, _ *timing) {
		o.Fetch.PerHost = 2
		o.Config.Workers = 3
	})
	// One host with many subscribers, and others with one each.
	shared := newSubscriber(t)
	shared.Config.Handler = slow("shared")
	for i := range subscribers {
		h.subscribe(t, shared.URL+"/cb/"+strconv.Itoa(i))
	}
	for i := range 3 {
		other := newSubscriber(t)
		other.Config.Handler = slow("other" + strconv.Itoa(i))
		h.subscribe(t, other.URL)
	}
	h.Published(docs("v1"))
	eventually(t, "every delivery made", func() bool { return delivered.Load() == subscribers+3 })
	mu.Lock()
	defer mu.Unlock()
	if most["shared"] > 2 {
		t.Errorf("%d deliveries at once to one host, want at most per_host = 2", most["shared"])
	}
	if mostTotal > 3 {
		t.Errorf("%d deliveries at once, want at most workers = 3", mostTotal)
	}
}

func TestRetryWait(t *testing.T) {
	base, limit := time.Second, time.Minute
	for attempts, full := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 7: time.Minute, 60: time.Minute} {
		for range 50 {
			if w := retryWait(base, limit, attempts); w < full/2 || w > full {
				t.Fatalf("wait after %d failures = %v, want within [%v, %v]", attempts, w, full/2, full)
			}
		}
	}
}

// A delivery whose topic this instance no longer publishes waits for it
// to catch up, then is dropped, not sent.
func TestDeliveryDroppedWhenTopicGone(t *testing.T) {
	h := startHub(t, store.NewMemory(), func(_ *Options, tm *timing) {
		tm.catchUp = 300 * time.Millisecond
		tm.retryBase = 400 * time.Millisecond
		tm.retryCap = 400 * time.Millisecond
	})
	sub := newSubscriber(t)
	sub.set(func(s *subscriber) { s.answer = func(int) int { return http.StatusServiceUnavailable } })
	h.subscribe(t, sub.URL)
	h.Published(docs("v1"))
	next(t, sub.delivered, "first attempt")
	withoutAsia := docs("v1")
	delete(withoutAsia, "/asia/atom.xml")
	h.Published(withoutAsia)
	eventually(t, "the delivery dropped", func() bool {
		return counter(t, h.metrics, "syndicate_websub_deliveries_total", map[string]string{"result": metrics.DeliveryDropped}) == 1
	})
	if n := sub.count(); n != 1 {
		t.Errorf("%d attempts, want the first alone: the topic was gone by the retry", n)
	}
}

// A callback that does not answer within the fetch timeout is retried
// like one that fails, and its subscriber gets the feed when it answers.
func TestDeliveryTimeoutRetried(t *testing.T) {
	h := startHub(t, store.NewMemory(), func(o *Options, _ *timing) { o.Fetch.Timeout = config.Duration{Duration: 200 * time.Millisecond} })
	sub := newSubscriber(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the server closes
	sub.set(func(s *subscriber) {
		s.answer = func(n int) int {
			if n == 1 {
				s.mu.Unlock() // the handler holds it; let the test read on
				<-release
				s.mu.Lock()
			}
			return http.StatusNoContent
		}
	})
	h.subscribe(t, sub.URL)
	h.Published(docs("v1"))
	eventually(t, "a retry after the timeout", func() bool {
		return counter(t, h.metrics, "syndicate_websub_deliveries_total", map[string]string{"result": metrics.DeliveryRetried}) == 1
	})
	eventually(t, "the delivery made by the retry", func() bool {
		st, _ := h.store.WebSubStats(context.Background())
		return st.Delivered == 1 && st.Failed == 1 && st.Queued == 0
	})
}

// External hubs that never answer delay nothing: the built-in hub's
// subscribers get the change while the pings still wait.
func TestHangingExternalHubDelaysNothing(t *testing.T) {
	release := make(chan struct{})
	pinged := make(chan struct{}, 10)
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pinged <- struct{}{}
		<-release
	}))
	t.Cleanup(ext.Close)
	t.Cleanup(func() { close(release) }) // before the hub's server closes
	h := startHub(t, store.NewMemory(), func(o *Options, _ *timing) { o.Config.Hubs = []string{ext.URL} })
	sub := newSubscriber(t)
	h.subscribe(t, sub.URL)
	h.Published(docs("v1"))
	next(t, pinged, "ping")
	next(t, sub.delivered, "delivery while the ping hangs")
	if st := h.pings.stats(); st.Sent != 0 || st.Pending == 0 {
		t.Errorf("ping stats %+v: want the pings still pending when the delivery arrived", st)
	}
}
