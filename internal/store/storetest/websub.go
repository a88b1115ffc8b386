package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"syndicate/internal/store"
)

// The hub's tests pass their own clock: the store keeps the caller's
// times, so leases, holds and retries are tested without waiting.
var t0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

const (
	topicAtom = "https://news.example/asia/atom.xml"
	topicRSS  = "https://news.example/asia/rss.xml"
	hold      = 30 * time.Second
	window    = time.Minute
)

func subscribe(t *testing.T, s store.Store, topic, callback string, expires time.Time) store.Subscription {
	t.Helper()
	sub := store.Subscription{Topic: topic, Callback: callback, Secret: "s3cret", Lease: expires.Sub(t0), Expires: expires, Verified: t0}
	if err := s.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	return sub
}

func record(t *testing.T, s store.Store, topic, prev, etag string, now time.Time) store.RecordedChange {
	t.Helper()
	rc, err := s.RecordChange(ctx, store.TopicChange{Topic: topic, Prev: prev, ETag: etag}, now, window)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

func claim(t *testing.T, s store.Store, now time.Time, n int) []store.Delivery {
	t.Helper()
	ds, err := s.ClaimDeliveries(ctx, now, n, hold)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// claimOne claims and wants exactly one delivery.
func claimOne(t *testing.T, s store.Store, now time.Time) store.Delivery {
	t.Helper()
	ds := claim(t, s, now, 10)
	if len(ds) != 1 {
		t.Fatalf("claim at %v: %d deliveries, want 1: %+v", now.Sub(t0), len(ds), ds)
	}
	return ds[0]
}

func stats(t *testing.T, s store.Store) store.WebSubStats {
	t.Helper()
	st, err := s.WebSubStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func testSubscriptions(t *testing.T, s store.Store) {
	if subs, err := s.Subscriptions(ctx); err != nil || len(subs) != 0 {
		t.Fatalf("Subscriptions of an empty store = %v, %v", subs, err)
	}
	a := subscribe(t, s, topicAtom, "https://reader.example/cb?u=1", t0.Add(time.Hour))
	subscribe(t, s, topicRSS, "https://reader.example/cb?u=1", t0.Add(time.Hour))
	renewed := subscribe(t, s, topicAtom, "https://reader.example/cb?u=1", t0.Add(48*time.Hour))
	subs, err := s.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Fatalf("%d subscriptions after a renewal, want 2 (one per topic): %+v", len(subs), subs)
	}
	for _, got := range subs {
		if got.Topic == topicAtom && !sameSub(got, renewed) {
			t.Errorf("renewed subscription = %+v, want %+v", got, renewed)
		}
	}
	if store.SubscriptionID(topicAtom, a.Callback) == store.SubscriptionID(topicRSS, a.Callback) {
		t.Error("two topics of one callback share an id")
	}
	if err := s.DeleteSubscription(ctx, topicAtom, a.Callback); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSubscription(ctx, topicAtom, a.Callback); err != nil {
		t.Errorf("deleting a subscription twice: %v", err)
	}
	if subs, _ := s.Subscriptions(ctx); len(subs) != 1 || subs[0].Topic != topicRSS {
		t.Errorf("after delete: %+v, want the RSS subscription alone", subs)
	}
}

func sameSub(a, b store.Subscription) bool {
	return a.Topic == b.Topic && a.Callback == b.Callback && a.Secret == b.Secret && a.Lease == b.Lease &&
		a.Expires.Equal(b.Expires) && a.Verified.Equal(b.Verified)
}

// A change is recorded once however many instances see it: the first
// caller queues a delivery per live subscriber of the topic, later
// callers with the same version, or with a step already recorded (an
// instance catching up), queue nothing.
func testRecordChange(t *testing.T, s store.Store) {
	live := subscribe(t, s, topicAtom, "https://a.example/cb", t0.Add(time.Hour))
	subscribe(t, s, topicAtom, "https://b.example/cb", t0.Add(time.Hour))
	subscribe(t, s, topicAtom, "https://lapsed.example/cb", t0.Add(-time.Second))
	subscribe(t, s, topicRSS, "https://other-topic.example/cb", t0.Add(time.Hour))

	rc := record(t, s, topicAtom, "", `"A"`, t0)
	if !rc.New || rc.Before != "" || rc.Queued != 2 {
		t.Errorf("first change = %+v, want new, nothing before, 2 queued (the lapsed and other topic's left out)", rc)
	}
	for i := range 2 {
		if rc := record(t, s, topicAtom, "", `"A"`, t0.Add(time.Second)); rc.New || rc.Queued != 0 || rc.Before != `"A"` {
			t.Errorf("instance %d recording the same change = %+v, want nothing new, before A", i+2, rc)
		}
	}
	if rc := record(t, s, topicAtom, `"A"`, `"B"`, t0.Add(2*time.Second)); !rc.New || rc.Before != `"A"` {
		t.Errorf("A to B = %+v, want new", rc)
	}
	// An instance that still served nothing now reaches A, a version the
	// fleet has moved past: the step was recorded, so it is no change.
	if rc := record(t, s, topicAtom, "", `"A"`, t0.Add(3*time.Second)); rc.New {
		t.Errorf("a late instance's step to A, recorded before, = %+v; want no change", rc)
	}
	// An edit undone is a change: the step B to A was never recorded.
	if rc := record(t, s, topicAtom, `"B"`, `"A"`, t0.Add(4*time.Second)); !rc.New || rc.Queued != 2 {
		t.Errorf("B back to A = %+v, want a new change queued twice", rc)
	}
	// Outside the window a step counts again.
	record(t, s, topicAtom, `"A"`, `"C"`, t0.Add(5*time.Second))
	if rc := record(t, s, topicAtom, "", `"A"`, t0.Add(5*time.Second+2*window)); !rc.New {
		t.Errorf("a step recorded longer than the window ago = %+v; want new", rc)
	}
	ds := claim(t, s, t0.Add(time.Hour-time.Second), 10)
	if len(ds) != 2 {
		t.Fatalf("claimed %d deliveries, want one per live subscriber: %+v", len(ds), ds)
	}
	for _, d := range ds {
		if d.ETag != `"A"` || d.Topic != topicAtom || d.Secret != "s3cret" || d.Attempts != 0 || d.Token == "" {
			t.Errorf("delivery %+v: want the newest version, A, with its subscription and a token", d)
		}
		if d.Callback == live.Callback && !d.Expires.Equal(live.Expires) {
			t.Errorf("delivery carries lease end %v, want %v", d.Expires, live.Expires)
		}
	}
}

// A claimed delivery is held: nobody else gets it until the hold ends,
// then another claimer does, and the first claim can no longer finish.
func testClaimHold(t *testing.T, s store.Store) {
	subscribe(t, s, topicAtom, "https://a.example/cb", t0.Add(time.Hour))
	record(t, s, topicAtom, "", `"A"`, t0)
	if ds := claim(t, s, t0.Add(-time.Second), 10); len(ds) != 0 {
		t.Errorf("claimed %d deliveries before they were due", len(ds))
	}
	first := claimOne(t, s, t0)
	if ds := claim(t, s, t0.Add(hold-time.Second), 10); len(ds) != 0 {
		t.Errorf("a held delivery was claimed again within its hold: %+v", ds)
	}
	second := claimOne(t, s, t0.Add(hold+time.Second))
	if second.Token == first.Token {
		t.Error("a delivery claimed again kept its token")
	}
	if err := s.AckDelivery(ctx, first, t0.Add(hold+2*time.Second)); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("ack by the claimer whose hold ended = %v, want ErrLeaseLost", err)
	}
	forged := second
	forged.Token = "forged"
	if err := s.RetryDelivery(ctx, forged, t0, time.Second, true); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("retry with a forged token = %v, want ErrLeaseLost", err)
	}
	if err := s.AckDelivery(ctx, second, t0.Add(hold+2*time.Second)); err != nil {
		t.Fatalf("ack by the holder: %v", err)
	}
	if ds := claim(t, s, t0.Add(2*hold), 10); len(ds) != 0 {
		t.Errorf("an acknowledged delivery was handed out again: %+v", ds)
	}
	if st := stats(t, s); st.Delivered != 1 || st.Queued != 0 || st.Failed != 0 {
		t.Errorf("stats = %+v, want 1 delivered, nothing queued or failed", st)
	}
}

func testRetryAndDrop(t *testing.T, s store.Store) {
	subscribe(t, s, topicAtom, "https://a.example/cb", t0.Add(time.Hour))
	record(t, s, topicAtom, "", `"A"`, t0)
	d := claimOne(t, s, t0)
	if err := s.RetryDelivery(ctx, d, t0, 10*time.Second, true); err != nil {
		t.Fatal(err)
	}
	if ds := claim(t, s, t0.Add(9*time.Second), 10); len(ds) != 0 {
		t.Errorf("a retry was handed out before its wait ended: %+v", ds)
	}
	d = claimOne(t, s, t0.Add(10*time.Second))
	if d.Attempts != 1 || !d.Since.Equal(t0) {
		t.Errorf("after one failure: attempts %d since %v, want 1 since the change", d.Attempts, d.Since)
	}
	// Deferring (the host was busy) counts no attempt.
	if err := s.RetryDelivery(ctx, d, t0.Add(10*time.Second), time.Second, false); err != nil {
		t.Fatal(err)
	}
	d = claimOne(t, s, t0.Add(11*time.Second))
	if d.Attempts != 1 {
		t.Errorf("a deferral counted as an attempt: %d", d.Attempts)
	}
	if err := s.DropDelivery(ctx, d, t0.Add(11*time.Second)); err != nil {
		t.Fatal(err)
	}
	if ds := claim(t, s, t0.Add(time.Minute), 10); len(ds) != 0 {
		t.Errorf("a dropped delivery was handed out again: %+v", ds)
	}
	if st := stats(t, s); st.Failed != 2 || st.Retried != 1 || st.Dropped != 1 || st.Delivered != 0 || st.Queued != 0 {
		t.Errorf("stats = %+v, want 2 failed, 1 retried, 1 dropped", st)
	}
}

// Versions never overtake each other: a version queued while an older one
// is out waits for it, then goes at once, from its first attempt; one
// queued while an older one waits for a retry replaces it.
func testNewerVersion(t *testing.T, s store.Store) {
	subscribe(t, s, topicAtom, "https://a.example/cb", t0.Add(time.Hour))
	record(t, s, topicAtom, "", `"A"`, t0)
	a := claimOne(t, s, t0)
	record(t, s, topicAtom, `"A"`, `"B"`, t0.Add(time.Second))
	if ds := claim(t, s, t0.Add(2*time.Second), 10); len(ds) != 0 {
		t.Errorf("B was handed out while A was out: %+v", ds)
	}
	if err := s.RetryDelivery(ctx, a, t0.Add(3*time.Second), time.Hour, true); err != nil {
		t.Fatal(err)
	}
	b := claimOne(t, s, t0.Add(3*time.Second))
	if b.ETag != `"B"` || b.Attempts != 0 {
		t.Errorf("after A failed: %s with %d attempts, want B at once, from its first attempt", b.ETag, b.Attempts)
	}
	if err := s.RetryDelivery(ctx, b, t0.Add(4*time.Second), time.Hour, true); err != nil {
		t.Fatal(err)
	}
	record(t, s, topicAtom, `"B"`, `"C"`, t0.Add(5*time.Second))
	c := claimOne(t, s, t0.Add(5*time.Second))
	if c.ETag != `"C"` || c.Attempts != 0 {
		t.Errorf("C queued while B waited an hour: got %s with %d attempts, want C at once", c.ETag, c.Attempts)
	}
	record(t, s, topicAtom, `"C"`, `"D"`, t0.Add(6*time.Second))
	if err := s.AckDelivery(ctx, c, t0.Add(6*time.Second)); err != nil {
		t.Fatal(err)
	}
	if d := claimOne(t, s, t0.Add(6*time.Second)); d.ETag != `"D"` {
		t.Errorf("after C was delivered: %s, want D, queued while C was out", d.ETag)
	}
}

func testUnsubscribeAndExpiry(t *testing.T, s store.Store) {
	gone := subscribe(t, s, topicAtom, "https://gone.example/cb", t0.Add(time.Hour))
	short := subscribe(t, s, topicAtom, "https://short.example/cb", t0.Add(10*time.Second))
	renewed := subscribe(t, s, topicAtom, "https://renewed.example/cb", t0.Add(10*time.Second))
	record(t, s, topicAtom, "", `"A"`, t0)
	if err := s.DeleteSubscription(ctx, topicAtom, gone.Callback); err != nil {
		t.Fatal(err)
	}
	subscribe(t, s, topicAtom, renewed.Callback, t0.Add(time.Hour))
	n, err := s.ExpireSubscriptions(ctx, t0.Add(10*time.Second))
	if err != nil || n != 1 {
		t.Errorf("ExpireSubscriptions = %d, %v; want the short lease alone", n, err)
	}
	subs, _ := s.Subscriptions(ctx)
	if len(subs) != 1 || subs[0].Callback != renewed.Callback {
		t.Errorf("left: %+v, want the renewed subscription alone", subs)
	}
	ds := claim(t, s, t0.Add(20*time.Second), 10)
	if len(ds) != 1 || ds[0].Callback != renewed.Callback {
		t.Errorf("claimed %+v, want the renewed subscriber's delivery alone (%s unsubscribed, %s expired)", ds, gone.Callback, short.Callback)
	}
	// A lease that ends while its delivery waits ends the delivery too,
	// before any sweep.
	subscribe(t, s, topicRSS, "https://lapsing.example/cb", t0.Add(30*time.Second))
	record(t, s, topicRSS, "", `"R"`, t0.Add(20*time.Second))
	if ds := claim(t, s, t0.Add(31*time.Second), 10); len(ds) != 0 {
		t.Errorf("a delivery to a lapsed lease was handed out: %+v", ds)
	}
}

// Claimers racing for the same deliveries each get different ones, and
// together all of them.
func testClaimsExclusive(t *testing.T, s store.Store) {
	const subscribers, claimers = 40, 4
	for i := range subscribers {
		subscribe(t, s, topicAtom, "https://r.example/cb/"+string(rune('a'+i%26))+string(rune('a'+i/26)), t0.Add(time.Hour))
	}
	record(t, s, topicAtom, "", `"A"`, t0)
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	for range claimers {
		wg.Go(func() {
			for {
				ds, err := s.ClaimDeliveries(ctx, t0, 3, hold)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					got = append(got, d.Callback)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	if len(got) != subscribers || len(slices.Compact(got)) != subscribers {
		t.Errorf("%d claims of %d distinct callbacks, want each of %d once", len(got), len(slices.Compact(slices.Clone(got))), subscribers)
	}
}
