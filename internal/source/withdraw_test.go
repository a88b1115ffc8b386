package source

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/redistest"
	"syndicate/internal/store"
)

// TestWithdrawWhileRunning: a withdrawn list changed while the poller
// runs applies to the stored items at once, though the upstream only
// answers 304, and polls keep the item out; the rest of the source's
// configuration stays as started. Taken off the list, the item returns at
// the next poll, which ignores the validators once.
func TestWithdrawWhileRunning(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	h.srv.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(rssDoc(
			rssEntry{guid: "a", title: "A", date: day(3)},
			rssEntry{guid: "b", title: "B", date: day(2)},
			rssEntry{guid: "c", title: "C", date: day(1)},
		))
	})
	src := h.src("t", "/feed")
	p := h.start(fastFetch(), src)
	h.mustPoll("t")
	outcome := func() string { st := h.state("t"); return st.History[len(st.History)-1].Outcome }

	withdrawn := src
	withdrawn.Withdrawn, withdrawn.WithdrawnKeys = []string{"a"}, map[string]bool{"a": true}
	withdrawn.Sections = []string{"gulf"} // not taken: a restart's business
	if err := p.Withdraw(ctx, withdrawn); err != nil {
		t.Fatal(err)
	}
	if got := ids(h.items("t")); !slices.Equal(got, []string{"t/b", "t/c"}) {
		t.Fatalf("stored after the withdrawal: %v", got)
	}
	if h.changes() != 2 {
		t.Errorf("OnChange called %d times, want once for the poll and once for the withdrawal", h.changes())
	}
	for _, it := range h.items("t") {
		if !slices.Equal(it.Sections, []string{"world"}) {
			t.Errorf("%s: sections %v: Withdraw took more than the withdrawn list", it.ID, it.Sections)
		}
	}
	h.mustPoll("t")
	if got := ids(h.items("t")); outcome() != "not_modified" || !slices.Equal(got, []string{"t/b", "t/c"}) {
		t.Fatalf("after a poll (%s): %v", outcome(), got)
	}

	// Withdrawn by its link this time, a taken off the list: the stored
	// copy of b goes at once, and the feed's copy is refused too.
	byLink := src
	link := "https://test.example/b"
	byLink.Withdrawn, byLink.WithdrawnKeys = []string{link}, map[string]bool{item.CanonicalLink(link): true}
	if err := p.Withdraw(ctx, byLink); err != nil {
		t.Fatal(err)
	}
	if got := ids(h.items("t")); !slices.Equal(got, []string{"t/c"}) {
		t.Fatalf("stored after the second withdrawal: %v", got)
	}
	h.mustPoll("t") // a came off the list: this poll ignores the validators
	if got := ids(h.items("t")); outcome() != "ok" || !slices.Equal(got, []string{"t/a", "t/c"}) {
		t.Fatalf("a poll of the whole feed (%s) stored %v, want a (no longer withdrawn) and c", outcome(), got)
	}

	before := h.changes()
	if err := p.Withdraw(ctx, src); err != nil {
		t.Fatal(err)
	}
	if h.changes() != before {
		t.Error("taking an item off the list reported a change before any poll")
	}
	h.mustPoll("t")
	if got := ids(h.items("t")); outcome() != "ok" || !slices.Equal(got, []string{"t/a", "t/b", "t/c"}) {
		t.Fatalf("the next poll (%s) stored %v, want the item taken off the list back", outcome(), got)
	}
	h.mustPoll("t")
	if outcome() != "not_modified" {
		t.Errorf("the poll after that was %s: the validators are ignored once only", outcome())
	}

	if err := p.Withdraw(ctx, config.Source{ID: "nope"}); err == nil {
		t.Error("no error for an unknown source")
	}
}

// TestWithdrawStoreDown: with the store unreachable, Withdraw fails but
// the list is in force, and the next poll, though the feed answers 304,
// takes the item out of the store once it is back.
func TestWithdrawStoreDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a redis-server")
	}
	srv := redistest.StartServer(t)
	st, err := store.Open(config.Store{RedisURL: srv.URL, Prefix: redistest.Prefix(t), Timeout: config.Duration{Duration: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	feed := newFeedServer(t)
	feed.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(rssDoc(rssEntry{guid: "a", title: "A", date: day(3)}, rssEntry{guid: "b", title: "B", date: day(2)}))
	})
	src := config.Source{ID: "t", URL: feed.URL + "/feed", Interval: config.Duration{Duration: 15 * time.Minute}, Sections: []string{"world"}, MaxItems: 200}
	p := NewPoller(Options{Sources: []config.Source{src}, Fetch: fastFetch(), Store: st, States: st, Now: func() time.Time { return t0 }})
	ctx := context.Background()
	if err := p.PollOnce(ctx, "t"); err != nil {
		t.Fatal(err)
	}

	srv.Pause()
	withdrawn := src
	withdrawn.Withdrawn, withdrawn.WithdrawnKeys = []string{"a"}, map[string]bool{"a": true}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	err = p.Withdraw(short, withdrawn)
	cancel()
	srv.Resume()
	if err == nil {
		t.Fatal("Withdraw reported no error with the store paused")
	}
	items, err := st.Items(ctx, "t")
	if err != nil || len(items) != 2 {
		t.Fatalf("store holds %d items (%v) before the next poll, want both", len(items), err)
	}
	if err := p.PollOnce(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	items, err = st.Items(ctx, "t")
	if got := ids(items); err != nil || !slices.Equal(got, []string{"t/b"}) {
		t.Fatalf("after the next poll the store holds %v (%v), want the withdrawn item gone", got, err)
	}
	if state, _ := st.SourceState(ctx, "t"); state.History[len(state.History)-1].Outcome != "not_modified" {
		t.Errorf("the next poll was %s, want a 304 (the list applied all the same)", state.History[len(state.History)-1].Outcome)
	}
}
