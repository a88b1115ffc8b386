package audience

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate/internal/server"
	"syndicate/internal/store"
)

// clock is a settable time for the collector.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// flaky is a store that fails while down.
type flaky struct {
	store.Store
	mu   sync.Mutex
	down bool
}

var errDown = errors.New("store down")

func (f *flaky) isDown() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.down }
func (f *flaky) AddUsage(ctx context.Context, u []store.Usage) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.AddUsage(ctx, u)
}
func (f *flaky) SetSubscribers(ctx context.Context, c []store.SubscriberCount) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.SetSubscribers(ctx, c)
}
func (f *flaky) AddAddresses(ctx context.Context, day, section string, h []string) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.AddAddresses(ctx, day, section, h)
}
func (f *flaky) DaySalt(ctx context.Context, day string, fresh []byte, exp time.Time) ([]byte, error) {
	if f.isDown() {
		return nil, errDown
	}
	return f.Store.DaySalt(ctx, day, fresh, exp)
}

func newCollector(t *testing.T, st store.Audience, clk *clock) *Collector {
	t.Helper()
	return New(Options{Store: st, Timeout: time.Second, Now: clk.now})
}

func feedHit(remote, ua string) server.Hit {
	return server.Hit{Path: "/asia/rss.xml", Section: "asia", Status: 200, Bytes: 100, UserAgent: ua, Remote: remote}
}

func audienceOn(t *testing.T, st store.Audience, day string) map[string]store.AudienceDay {
	t.Helper()
	days, err := st.AudienceDays(context.Background(), []string{day})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.AudienceDay{}
	for _, d := range days {
		m[d.Section] = d
	}
	return m
}

// recording keeps what reached the store's address sets.
type recording struct {
	store.Store
	mu     sync.Mutex
	hashes []string
}

func (r *recording) AddAddresses(ctx context.Context, day, section string, h []string) error {
	r.mu.Lock()
	r.hashes = append(r.hashes, h...)
	r.mu.Unlock()
	return r.Store.AddAddresses(ctx, day, section, h)
}

func TestCollectorAudience(t *testing.T) {
	st := &recording{Store: store.NewMemory()}
	now := time.Now().UTC()
	clk := &clock{t: now}
	c := newCollector(t, st, clk)
	for range 3 { // a client polling counts once
		c.Observe(feedHit("198.51.100.7:5000", "NetNewsWire"))
	}
	c.Observe(feedHit("198.51.100.7:5001", "Reeder")) // another app behind the same address
	c.Observe(feedHit("[2001:db8::1]:443", "NetNewsWire"))
	c.Observe(feedHit("203.0.113.9:1", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 40 subscribers; )"))
	c.Observe(feedHit("203.0.113.10:1", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )"))
	c.Observe(server.Hit{Path: "/asia/atom.xml", Section: "asia", Status: 304, UserAgent: "Mozilla/5.0 (compatible; inoreader.com; 5 subscribers)", Remote: "192.0.2.5:9"})
	c.Observe(server.Hit{Path: "/asia/", Section: "", Status: 200, Remote: "192.0.2.99:9"})            // a page: not counted
	c.Observe(server.Hit{Path: "/asia/rss.xml", Section: "asia", Status: 404, Remote: "192.0.2.98:9"}) // not served
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := audienceOn(t, st, store.Day(now))["asia"]
	if a.Readers["Feedly"] != 42 || a.Readers["Inoreader"] != 5 || a.Addresses != 2 {
		t.Errorf("asia = %+v, want Feedly's latest 42, Inoreader 5, and 2 addresses", a)
	}
	for _, h := range st.hashes {
		if len(h) != 16 || strings.Contains(h, ".") || strings.Contains(h, ":") {
			t.Errorf("the store was given %q, not a 64-bit hash", h)
		}
	}
}

func TestCollectorDailyRollover(t *testing.T) {
	st := store.NewMemory()
	day1 := time.Now().UTC().Truncate(24 * time.Hour).Add(-time.Second) // 23:59:59 yesterday
	clk := &clock{t: day1}
	c := newCollector(t, st, clk)
	c.Observe(feedHit("198.51.100.7:5000", "NetNewsWire"))
	c.Observe(server.Hit{Partner: "wire", Section: "asia", Path: "/asia/rss.xml", Status: 200, Bytes: 10})
	clk.set(day1.Add(2 * time.Second)) // the flush just past midnight
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Observe(feedHit("198.51.100.7:5000", "NetNewsWire")) // seen yesterday, not yet today
	c.Observe(server.Hit{Partner: "wire", Section: "asia", Path: "/asia/rss.xml", Status: 304})
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	d1, d2 := store.Day(day1), store.Day(day1.Add(2*time.Second))
	if a := audienceOn(t, st, d1)["asia"]; a.Addresses != 1 {
		t.Errorf("%s: %+v, want the address", d1, a)
	}
	if a := audienceOn(t, st, d2)["asia"]; a.Addresses != 1 {
		t.Errorf("%s: %+v, want the address counted again on the new day", d2, a)
	}
	usage, _ := st.Usage(context.Background(), []string{d1, d2})
	got := map[string]store.Usage{}
	for _, u := range usage {
		got[u.Day] = u
	}
	if got[d1].Requests != 1 || got[d1].Bytes != 10 || got[d2].Requests != 1 || got[d2].NotModified != 1 {
		t.Errorf("usage by day %+v: want one request on each, the second a 304", got)
	}
	// The two days' hashes of one address differ: the salt rotated.
	s1, _ := st.DaySalt(context.Background(), d1, []byte("x"), time.Now().Add(time.Hour))
	s2, _ := st.DaySalt(context.Background(), d2, []byte("y"), time.Now().Add(time.Hour))
	if string(s1) == string(s2) || hashAddr(s1, "198.51.100.7") == hashAddr(s2, "198.51.100.7") {
		t.Error("one salt for two days")
	}
}

func TestCollectorOutageLosesOneInterval(t *testing.T) {
	st := &flaky{Store: store.NewMemory()}
	clk := &clock{t: time.Now().UTC()}
	c := newCollector(t, st, clk)
	hit := server.Hit{Partner: "wire", Section: "asia", Path: "/asia/rss.xml", Status: 200, Bytes: 10}
	c.Observe(hit)
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.down = true
	st.mu.Unlock()
	c.Observe(hit)
	c.Observe(hit)
	if err := c.Flush(context.Background()); !errors.Is(err, errDown) {
		t.Fatalf("flush while down: %v", err)
	}
	st.mu.Lock()
	st.down = false
	st.mu.Unlock()
	c.Observe(hit)
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	usage, _ := st.Usage(context.Background(), []string{store.Day(clk.now())})
	if len(usage) != 1 || usage[0].Requests != 2 {
		t.Errorf("usage %+v: want the 2 requests of the intervals the store was up", usage)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) != 0 || len(c.usage) != 0 {
		t.Error("a failed flush kept its counts in memory")
	}
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:80": "192.0.2.1", "[2001:db8::1]:443": "2001:db8::1", "192.0.2.1": "192.0.2.1", "": "",
	} {
		if got := host(in); got != want {
			t.Errorf("host(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReports(t *testing.T) {
	st := store.NewMemory()
	now := time.Now().UTC()
	ctx := context.Background()
	st.AddUsage(ctx, []store.Usage{
		{Day: store.Day(now), Partner: "wire", Section: "asia", Requests: 4, NotModified: 1, Bytes: 400, LastSeen: now},
		{Day: store.Day(now.AddDate(0, 0, -3)), Partner: "wire", Section: "europe", Requests: 6, NotModified: 6},
		{Day: store.Day(now), Partner: "old", Section: "asia", Requests: 1},
	})
	reps, err := Partners(ctx, st, nil, now, Days)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]PartnerReport{}
	for _, r := range reps {
		by[r.ID] = r
	}
	w := by["wire"]
	if w.Today.Requests != 4 || w.Today.NotModifiedShare != 0.25 || w.Period.Requests != 10 || w.Period.NotModified != 7 || len(w.Daily) != 2 || w.Daily[0].Day != store.Day(now) || w.BySection[0].Section != "europe" {
		t.Errorf("wire = %+v", w)
	}
	if !by["old"].Removed {
		t.Error("a partner not configured is not marked removed")
	}
	st.SetSubscribers(ctx, []store.SubscriberCount{{Day: store.Day(now.AddDate(0, 0, -1)), Section: "asia", Reader: "Feedly", Feed: "/asia/rss.xml", Subscribers: 9}})
	aud, err := Audience(ctx, st, now, Days)
	if err != nil {
		t.Fatal(err)
	}
	if len(aud) != 1 || len(aud[0].Days) != Days || aud[0].Days[Days-2].Subscribers != 9 || aud[0].Today.Subscribers != 0 {
		t.Errorf("audience %+v", aud)
	}
}

// hanging is a store whose writes wait until released.
type hanging struct {
	store.Store
	release chan struct{}
}

func (h *hanging) AddUsage(ctx context.Context, u []store.Usage) error {
	select {
	case <-h.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return h.Store.AddUsage(ctx, u)
}

// A flush stuck on the store holds up no response: Observe goes on
// counting into the next interval meanwhile.
func TestObserveDoesNotWaitForTheStore(t *testing.T) {
	st := &hanging{Store: store.NewMemory(), release: make(chan struct{})}
	c := New(Options{Store: st, Timeout: time.Minute})
	hit := server.Hit{Partner: "wire", Section: "asia", Path: "/asia/rss.xml", Status: 200, Bytes: 1}
	c.Observe(hit)
	flushed := make(chan error, 1)
	go func() { flushed <- c.Flush(context.Background()) }()
	observed := make(chan struct{})
	go func() {
		for range 1000 {
			c.Observe(hit)
			c.Observe(feedHit("192.0.2.1:1", "NetNewsWire"))
		}
		close(observed)
	}()
	select {
	case <-observed:
	case <-time.After(10 * time.Second):
		t.Fatal("Observe waited for a hung store")
	}
	close(st.release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	usage, _ := st.Usage(context.Background(), []string{store.Day(time.Now())})
	if len(usage) != 1 || usage[0].Requests != 1001 {
		t.Errorf("usage %+v: want all 1001 requests, across the two flushes", usage)
	}
}
