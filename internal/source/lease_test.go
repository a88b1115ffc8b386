package source_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/source"
	"syndicate/internal/store"
)

// pollLease is the lease a poll of source "wire" takes, as every
// instance of a fleet names it.
const pollLease = "src:wire:poll"

const leaseFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link><description>d</description>
<item><title>One</title><link>https://wire.example/1</link><guid>https://wire.example/1</guid><pubDate>Mon, 02 Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>`

// leaseUpstream serves leaseFeed after delay, counting requests.
func leaseUpstream(t *testing.T, delay time.Duration) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, leaseFeed)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func leasePoller(st store.Store, url string, fetchTimeout time.Duration) *source.Poller {
	fetch := config.Defaults().Fetch
	fetch.Timeout = config.Duration{Duration: fetchTimeout}
	return source.NewPoller(source.Options{
		Sources: []config.Source{{ID: "wire", URL: url + "/feed.xml", Interval: config.Duration{Duration: time.Second}, MaxItems: config.DefaultMaxItems}},
		Fetch:   fetch,
		Store:   st, States: st, Leases: st,
	})
}

// A source whose lease another instance holds is not fetched.
func TestPollSkipsLeasedSource(t *testing.T) {
	up, hits := leaseUpstream(t, 0)
	st := store.NewMemory()
	if _, ok, err := st.Acquire(context.Background(), pollLease, time.Minute); !ok || err != nil {
		t.Fatal("could not take the lease for the other instance")
	}
	if err := leasePoller(st, up.URL, 5*time.Second).Cycle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("a source leased by another instance was fetched %d times", n)
	}
}

// While a fetch outlasts the interval, the lease is still held: it lasts
// the fetch timeout plus a margin, not an interval. When the poll is done
// the lease stays held until about when the source is next due, then
// frees itself.
func TestPollLeaseCoversSlowFetch(t *testing.T) {
	const delay = 1500 * time.Millisecond // longer than the 1s interval
	up, hits := leaseUpstream(t, delay)
	st := store.NewMemory()
	p := leasePoller(st, up.URL, 10*time.Second)
	if ttl := p.LeaseTTL(); ttl <= 10*time.Second {
		t.Errorf("LeaseTTL %v, want more than the 10s fetch timeout", ttl)
	}
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- p.Cycle(ctx) }()
	for hits.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	// Past the interval, mid-fetch. A late wake-up finds the poll over and
	// the lease re-timed to the next due time: held all the same.
	time.Sleep(1200 * time.Millisecond)
	if _, ok, _ := st.Acquire(ctx, pollLease, time.Minute); ok {
		t.Fatal("the lease of a fetch slower than the interval was free mid-fetch")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	state, err := st.SourceState(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	if l, ok, _ := st.Acquire(ctx, pollLease, time.Minute); ok {
		// Free is right only if the machine stalled until about the due time.
		if early := time.Until(state.NextFetch); early > 100*time.Millisecond {
			t.Errorf("lease free %v before the source is next due", early)
		}
		st.Release(ctx, l)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok, _ := st.Acquire(ctx, pollLease, time.Minute); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease still held 5s after the source was due at %v", state.NextFetch)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
