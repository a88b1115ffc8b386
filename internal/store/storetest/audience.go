package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"syndicate/internal/store"
)

func today() string { return store.Day(time.Now()) }

func daysAgo(n int) string { return store.Day(time.Now().AddDate(0, 0, -n)) }

func usageOf(t *testing.T, s store.Store, days ...string) map[string]store.Usage {
	t.Helper()
	list, err := s.Usage(ctx, days)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.Usage{}
	for _, u := range list {
		m[u.Day+" "+u.Partner+" "+u.Section] = u
	}
	return m
}

func testUsageSums(t *testing.T, s store.Store) {
	day, yesterday := today(), daysAgo(1)
	seen := time.Now().UTC().Truncate(time.Millisecond)
	// Three instances flushing what each counted.
	for i, u := range []store.Usage{
		{Day: day, Partner: "wire", Section: "asia", Requests: 10, NotModified: 4, Bytes: 1000, LastSeen: seen},
		{Day: day, Partner: "wire", Section: "asia", Requests: 5, NotModified: 5, Bytes: 0, LastSeen: seen.Add(-time.Minute)},
		{Day: day, Partner: "wire", Section: "asia", Requests: 1, Bytes: 300, LastSeen: seen.Add(time.Second)},
	} {
		if err := s.AddUsage(ctx, []store.Usage{u, {Day: yesterday, Partner: "wire", Section: "tag/iran", Requests: 1, LastSeen: seen.Add(-24 * time.Hour)}}); err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
	}
	got := usageOf(t, s, day, yesterday, daysAgo(2))
	want := store.Usage{Day: day, Partner: "wire", Section: "asia", Requests: 16, NotModified: 9, Bytes: 1300, LastSeen: seen.Add(time.Second)}
	if u := got[day+" wire asia"]; u.Requests != want.Requests || u.NotModified != want.NotModified || u.Bytes != want.Bytes || !u.LastSeen.Equal(want.LastSeen) {
		t.Errorf("today = %+v, want %+v", u, want)
	}
	if u := got[yesterday+" wire tag/iran"]; u.Requests != 3 {
		t.Errorf("yesterday = %+v, want 3 requests", u)
	}
	if len(got) != 2 {
		t.Errorf("usage %+v: want two entries", got)
	}
	if err := s.AddUsage(ctx, []store.Usage{{Day: "02/12/2026", Partner: "wire"}}); err == nil {
		t.Error("a malformed day was accepted")
	}
}

func testUsageRetention(t *testing.T, s store.Store) {
	old, kept := daysAgo(92), daysAgo(89)
	if err := s.AddUsage(ctx, []store.Usage{
		{Day: old, Partner: "wire", Section: "asia", Requests: 1},
		{Day: kept, Partner: "wire", Section: "asia", Requests: 2},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSubscribers(ctx, []store.SubscriberCount{{Day: old, Section: "asia", Reader: "Feedly", Feed: "/asia/rss.xml", Subscribers: 5}}); err != nil {
		t.Fatal(err)
	}
	got := usageOf(t, s, old, kept)
	if _, ok := got[old+" wire asia"]; ok {
		t.Errorf("usage of %s (92 days ago) still kept", old)
	}
	if got[kept+" wire asia"].Requests != 2 {
		t.Errorf("usage of %s (89 days ago) lost: %+v", kept, got)
	}
	days, err := s.AudienceDays(ctx, []string{old})
	if err != nil || len(days) != 0 {
		t.Errorf("audience of 92 days ago: %+v, %v", days, err)
	}
}

func testSubscribersAndAddresses(t *testing.T, s store.Store) {
	day := today()
	counts := []store.SubscriberCount{
		{Day: day, Section: "asia", Reader: "Feedly", Feed: "/asia/rss.xml", Subscribers: 100},
		{Day: day, Section: "asia", Reader: "Feedly", Feed: "/asia/atom.xml", Subscribers: 20},
		{Day: day, Section: "asia", Reader: "Inoreader", Feed: "/asia/rss.xml", Subscribers: 7},
		{Day: day, Section: "europe", Reader: "Feedly", Feed: "/europe/rss.xml", Subscribers: 1},
	}
	if err := s.SetSubscribers(ctx, counts); err != nil {
		t.Fatal(err)
	}
	// A later count replaces the reader's earlier one for that feed.
	if err := s.SetSubscribers(ctx, []store.SubscriberCount{{Day: day, Section: "asia", Reader: "Feedly", Feed: "/asia/rss.xml", Subscribers: 103}}); err != nil {
		t.Fatal(err)
	}
	for _, hs := range [][]string{{"a1", "b2"}, {"b2", "c3"}} {
		if err := s.AddAddresses(ctx, day, "asia", hs); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddAddresses(ctx, day, "tag/iran", []string{"a1"}); err != nil {
		t.Fatal(err)
	}
	days, err := s.AudienceDays(ctx, []string{day, daysAgo(1)})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]store.AudienceDay{}
	for _, d := range days {
		by[d.Section] = d
	}
	if a := by["asia"]; a.Day != day || a.Readers["Feedly"] != 123 || a.Readers["Inoreader"] != 7 || a.Subscribers() != 130 || a.Addresses != 3 {
		t.Errorf("asia = %+v, want Feedly 123, Inoreader 7, 130 in all, 3 addresses", a)
	}
	if e := by["europe"]; e.Subscribers() != 1 || e.Addresses != 0 {
		t.Errorf("europe = %+v", e)
	}
	if i := by["tag/iran"]; i.Addresses != 1 || i.Subscribers() != 0 {
		t.Errorf("tag/iran = %+v", i)
	}
	if len(days) != 3 {
		t.Errorf("%d entries, want 3: %+v", len(days), days)
	}
}

func testDaySalt(t *testing.T, s store.Store) {
	day := today()
	exp := time.Now().Add(time.Hour)
	first, err := s.DaySalt(ctx, day, []byte("salt-one"), exp)
	if err != nil || string(first) != "salt-one" {
		t.Fatalf("first salt %q, %v", first, err)
	}
	second, err := s.DaySalt(ctx, day, []byte("salt-two"), exp)
	if err != nil || !bytes.Equal(second, first) {
		t.Fatalf("another instance got %q, want the first %q", second, first)
	}
	other, _ := s.DaySalt(ctx, daysAgo(1), []byte("salt-three"), exp)
	if string(other) != "salt-three" {
		t.Errorf("another day shares the salt: %q", other)
	}
	// Once expired, the salt is forgotten: a fresh one takes its place.
	short := daysAgo(2)
	if _, err := s.DaySalt(ctx, short, []byte("gone-soon"), time.Now().Add(50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	if got, _ := s.DaySalt(ctx, short, []byte("after"), exp); !slices.Equal(got, []byte("after")) {
		t.Errorf("expired salt still answered: %q", got)
	}
}
