// Package storetest is the one behaviour suite every store.Store
// implementation must pass.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syndicate/internal/document"
	"testing"
	"time"

	"syndicate/internal/item"
	"syndicate/internal/store"
)

// Run runs the suite; newStore returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"empty store", testEmpty},
		{"items round-trip", testItemsRoundTrip},
		{"replace items", testReplaceItems},
		{"items by id", testItemsByID},
		{"item heads", testItemHeads},
		{"first-party heads whole", testFirstPartyHeadsWhole},
		{"sources are separate", testSourcesSeparate},
		{"documents round-trip", testDocumentsRoundTrip},
		{"document overwrite", testDocumentOverwrite},
		{"sealed document stored whole", testSealedDocument},
		{"documents are independent", testDocumentsIndependent},
		{"returned values are copies", testNoAliasing},
		{"source state round-trip", testSourceState},
		{"concurrent use", testConcurrent},
		{"readers see whole writes", testWholeWrites},
		{"canceled context", testCanceled},
		{"leases are exclusive", testLeasesExclusive},
		{"leases belong to their holder", testLeasesOwned},
		{"released lease is free at once", testLeaseRelease},
		{"expired lease can be taken over", testLeaseTakeover},
		{"extend re-times a lease", testLeaseExtend},
		{"changes reach every subscriber", testChanges},
		{"subscription ends with its context", testSubscriptionEnds},
		{"websub subscriptions", testSubscriptions},
		{"websub change recorded once", testRecordChange},
		{"websub claim holds a delivery", testClaimHold},
		{"websub retry and drop", testRetryAndDrop},
		{"websub newer version waits its turn", testNewerVersion},
		{"websub unsubscribe and expiry", testUnsubscribeAndExpiry},
		{"websub claims are exclusive", testClaimsExclusive},
		{"usage sums across instances", testUsageSums},
		{"usage and audience kept 90 days", testUsageRetention},
		{"subscribers and addresses", testSubscribersAndAddresses},
		{"day salt shared, then forgotten", testDaySalt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

var ctx = context.Background()

// sampleItem fills every field, so a lossy encoding shows.
func sampleItem(id string) item.Item {
	pub := time.Date(2026, 10, 14, 9, 30, 1, 123456789, time.UTC)
	return item.Item{
		ID: id, URL: "https://news.example/" + id, Title: "Talks in Muscat — « قطر » 中文 🙂",
		Summary: "A standfirst & <more>", ContentHTML: "<p>Body with <a href=\"https://x.example\">link</a></p>",
		Authors:  []item.Person{{Name: "Leila Haddad", Email: "leila@news.example", URL: "https://news.example/a/leila"}, {Name: "Tomás Ruiz"}},
		Sections: []string{"middle-east", "analysis"}, Tags: []string{"oman", "diplomacy"},
		Image: &item.Image{URL: "https://news.example/i.jpg", Caption: "A harbour", Credit: "Photo: Desk", Type: "image/jpeg", Length: 18432},
		Enclosures: []item.Enclosure{{URL: "https://news.example/ep1.mp3", Type: "audio/mpeg", Length: 55000000, Medium: "audio", Title: "MP3", Duration: 3723},
			{URL: "https://news.example/ep1.pdf", Type: "application/pdf"}},
		Podcast:   &item.Podcast{Duration: 3723, Image: "https://news.example/ep1.jpg", Episode: 7, Explicit: "false"},
		Published: pub, Updated: pub.Add(90 * time.Minute),
		Origin: &item.Origin{SourceID: "wire", FeedID: "urn:wire", Title: "Wire", FeedURL: "https://wire.example/feed", HomeURL: "https://wire.example/"},
	}
}

func sampleDoc(body string) document.Document {
	return document.Document{
		Body:         []byte(body),
		Gzip:         []byte{0x1f, 0x8b, 0, 0, 0xff, 0, 1},
		ETag:         `"` + body[:min(8, len(body))] + `"`,
		LastModified: time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC),
		ContentType:  "application/atom+xml; charset=utf-8",
		RenderedAt:   time.Date(2026, 11, 2, 8, 31, 0, 5, time.UTC),
		Input:        "in-" + body[:min(8, len(body))],
	}
}

func testEmpty(t *testing.T, s store.Store) {
	if _, err := s.Document(ctx, "asia", "atom.xml"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Document on empty store: %v, want ErrNotFound", err)
	}
	if _, err := s.SourceState(ctx, "wire"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SourceState on empty store: %v, want ErrNotFound", err)
	}
	items, err := s.Items(ctx, "wire")
	if err != nil || len(items) != 0 {
		t.Errorf("Items on empty store = %v, %v", items, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testItemsRoundTrip(t *testing.T, s store.Store) {
	want := []item.Item{sampleItem("a"), sampleItem("b")}
	want[1].Image, want[1].Origin, want[1].Authors = nil, nil, nil
	// A first-party item: its categories and the mark on its origin.
	want = append(want, sampleItem("c"))
	want[2].Categories = []string{"Middle East", "Oman"}
	want[2].Origin.FirstParty = true
	if err := s.ReplaceItems(ctx, "wire", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Items(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]item.Item{}
	for _, it := range got {
		byID[it.ID] = it
	}
	for _, w := range want {
		if g := byID[w.ID]; !reflect.DeepEqual(g, w) {
			t.Errorf("item %s:\n got %+v\nwant %+v", w.ID, g, w)
		}
	}
}

func testReplaceItems(t *testing.T, s store.Store) {
	s.ReplaceItems(ctx, "wire", []item.Item{sampleItem("old1"), sampleItem("old2")})
	if err := s.ReplaceItems(ctx, "wire", []item.Item{sampleItem("new")}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Items(ctx, "wire")
	if len(got) != 1 || got[0].ID != "new" {
		t.Errorf("after replace: %d items, want only new", len(got))
	}
	if err := s.ReplaceItems(ctx, "wire", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Items(ctx, "wire"); len(got) != 0 {
		t.Errorf("replace with none left %d items", len(got))
	}
}

func testItemsByID(t *testing.T, s store.Store) {
	all := []item.Item{sampleItem("a"), sampleItem("b"), sampleItem("c")}
	if err := s.ReplaceItems(ctx, "wire", all); err != nil {
		t.Fatal(err)
	}
	s.ReplaceItems(ctx, "other", []item.Item{sampleItem("d")})
	for _, tc := range []struct {
		name string
		ids  []string
		want string
	}{
		{"some", []string{"c", "a"}, "a,c"},
		{"one held, one not, one of another source", []string{"b", "zz", "d"}, "b"},
		{"none asked", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ItemsByID(ctx, "wire", tc.ids)
			if err != nil {
				t.Fatal(err)
			}
			if g := ids(got); g != tc.want {
				t.Errorf("ItemsByID(%v) = %s, want %s", tc.ids, g, tc.want)
			}
			for _, it := range got {
				if !reflect.DeepEqual(it, sampleItem(it.ID)) {
					t.Errorf("item %s read back as %+v", it.ID, it)
				}
			}
		})
	}
	if got, err := s.ItemsByID(ctx, "nobody", []string{"a"}); err != nil || len(got) != 0 {
		t.Errorf("ItemsByID of an unknown source = %v, %v", got, err)
	}
}

// testItemHeads: heads are the slim versions of what ReplaceItems last
// wrote, told apart by their digests.
func testItemHeads(t *testing.T, s store.Store) {
	a, b, c := sampleItem("a"), sampleItem("b"), sampleItem("c")
	c.Title = "Another title, same everything else"
	s.ReplaceItems(ctx, "wire", []item.Item{sampleItem("old"), a})
	if err := s.ReplaceItems(ctx, "wire", []item.Item{a, b, c}); err != nil {
		t.Fatal(err)
	}
	heads, err := s.ItemHeads(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(heads); got != "a,b,c" {
		t.Fatalf("heads of %s, want a,b,c", got)
	}
	digest := map[string]string{}
	for _, h := range heads {
		digest[h.ID] = h.ContentHTML
		whole := map[string]item.Item{"a": a, "b": b, "c": c}[h.ID]
		if want := item.Slim(&whole); !item.IsSlim(&h) || !item.Equal(&h, &want) {
			t.Errorf("head of %s:\n got %+v\nwant %+v", h.ID, h, want)
		}
		if h.Title != "" || h.Summary != "" || h.Authors != nil {
			t.Errorf("head of %s carries what placing it does not need: %+v", h.ID, h)
		}
	}
	if digest["a"] == digest["c"] {
		t.Error("items differing in title have the same digest")
	}
}

// testFirstPartyHeadsWhole: the items of a first-party source (the
// site's own articles from a CMS) come back whole from ItemHeads, since
// their tags and authors make the topic feeds, also after the source
// held aggregated items.
func testFirstPartyHeadsWhole(t *testing.T, s store.Store) {
	s.ReplaceItems(ctx, "cms", []item.Item{sampleItem("before")})
	a := sampleItem("a")
	a.Origin = &item.Origin{SourceID: "cms", FirstParty: true}
	a.Tags = []string{"Iran", "Oil"}
	a.Authors = []item.Person{{Name: "Leila Haddad"}}
	if err := s.ReplaceItems(ctx, "cms", []item.Item{a}); err != nil {
		t.Fatal(err)
	}
	heads, err := s.ItemHeads(ctx, "cms")
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != 1 || item.IsSlim(&heads[0]) || !item.Equal(&heads[0], &a) {
		t.Errorf("heads of a first-party source = %+v, want the whole item %+v", heads, a)
	}
}

func testSourcesSeparate(t *testing.T, s store.Store) {
	s.ReplaceItems(ctx, "wire", []item.Item{sampleItem("w")})
	s.ReplaceItems(ctx, "partner", []item.Item{sampleItem("p1"), sampleItem("p2")})
	w, _ := s.Items(ctx, "wire")
	p, _ := s.Items(ctx, "partner")
	if got := ids(w); got != "w" {
		t.Errorf("wire holds %s, want w", got)
	}
	if got := ids(p); got != "p1,p2" {
		t.Errorf("partner holds %s, want p1,p2", got)
	}
}

func testDocumentsRoundTrip(t *testing.T, s store.Store) {
	big := bytes.Repeat([]byte("<entry>0123456789</entry>\n"), 1<<20/26)
	for name, doc := range map[string]document.Document{
		"small": sampleDoc("<feed/>"),
		"1 MiB": sampleDoc(string(big)),
		"zeros": {Body: []byte{0, 0, 1}, Gzip: []byte{0, 0}, ETag: `"z"`},
	} {
		t.Run(name, func(t *testing.T) {
			if got := stored(t, s, doc); !sameDoc(got, doc) {
				t.Errorf("document changed in the store: etag %q lastmod %v rendered %v", got.ETag, got.LastModified, got.RenderedAt)
			}
		})
	}
}

// A smaller document must not inherit anything from the one it replaces.
func testDocumentOverwrite(t *testing.T, s store.Store) {
	if err := s.PutDocument(ctx, "asia", "atom.xml", sampleDoc("<feed>first</feed>")); err != nil {
		t.Fatal(err)
	}
	got := stored(t, s, document.Document{Body: []byte("<feed>second</feed>"), ETag: `"2"`})
	if string(got.Body) != "<feed>second</feed>" || len(got.Gzip) != 0 || got.ETag != `"2"` ||
		got.ContentType != "" || !got.LastModified.IsZero() || !got.RenderedAt.IsZero() || got.Input != "" {
		t.Errorf("after overwrite: %+v", got)
	}
}

// A document whose parts were sealed into in-memory files (as the
// publisher keeps them) is stored with its bytes, not its empty fields.
func testSealedDocument(t *testing.T, s store.Store) {
	doc := sampleDoc("<feed>" + strings.Repeat("sealed ", document.FileMin/7+1) + "</feed>")
	doc.Gzip = bytes.Repeat([]byte{0x1f}, document.FileMin)
	if got := stored(t, s, doc.Seal()); !sameDoc(got, doc) {
		t.Errorf("stored a sealed document as %d body and %d gzip bytes, want %d and %d", len(got.Body), len(got.Gzip), len(doc.Body), len(doc.Gzip))
	}
}

func testDocumentsIndependent(t *testing.T, s store.Store) {
	keys := [][2]string{{"asia", "atom.xml"}, {"asia", "rss.xml"}, {"middle-east", "atom.xml"}}
	for i, k := range keys {
		s.PutDocument(ctx, k[0], k[1], sampleDoc(fmt.Sprintf("doc-%d-body", i)))
	}
	for i, k := range keys {
		got, err := s.Document(ctx, k[0], k[1])
		if err != nil || string(got.Body) != fmt.Sprintf("doc-%d-body", i) {
			t.Errorf("%s/%s = %q, %v", k[0], k[1], got.Body, err)
		}
	}
}

func testNoAliasing(t *testing.T, s store.Store) {
	in := []item.Item{sampleItem("a")}
	s.ReplaceItems(ctx, "wire", in)
	in[0].Tags[0] = "changed by caller"
	got, _ := s.Items(ctx, "wire")
	got[0].Authors[0].Name = "changed by reader"
	got[0].Image.Caption = "changed by reader"
	again, _ := s.Items(ctx, "wire")
	if again[0].Tags[0] != "oman" || again[0].Authors[0].Name != "Leila Haddad" || again[0].Image.Caption != "A harbour" {
		t.Error("store shares memory with its callers")
	}

	doc := sampleDoc("<feed>original</feed>")
	s.PutDocument(ctx, "asia", "atom.xml", doc)
	doc.Body[1] = 'X'
	got1, _ := s.Document(ctx, "asia", "atom.xml")
	got1.Body[2] = 'Y'
	got2, _ := s.Document(ctx, "asia", "atom.xml")
	if string(got2.Body) != "<feed>original</feed>" {
		t.Errorf("document aliased: %q", got2.Body)
	}
	s.PutDocument(ctx, "asia", "atom.xml", sampleDoc("<feed>replaced</feed>"))
	if string(got2.Body) != "<feed>original</feed>" {
		t.Errorf("a later Put changed a document a reader holds: %q", got2.Body)
	}
}

func testSourceState(t *testing.T, s store.Store) {
	now := time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)
	want := store.SourceState{
		ID: "wire", URL: "https://wire.example/feed", Status: store.StatusError, HTTPStatus: 503,
		LastFetch: now, LastSuccess: now.Add(-time.Hour), NextFetch: now.Add(time.Minute),
		ConsecutiveErrors: 3, LastError: "http: 503 Service Unavailable", Items: 12, Warnings: 2, DurationMS: 41,
		MovedTo: "https://wire.example/new", ETag: `"abc"`, LastModified: "Mon, 02 Nov 2026 08:00:00 GMT",
		BodyHash: "ff00", FeedTitle: "Wire", DiscoveredURL: "https://wire.example/atom.xml", DiscoveredFrom: "https://wire.example/",
		Deleted: []string{"urn:wire:7", "urn:wire:9"}, History: []store.Poll{{At: now, Outcome: "error", HTTPStatus: 503, DurationMS: 41}},
	}
	if err := s.PutSourceState(ctx, "wire", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.SourceState(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("state:\n got %+v\nwant %+v", got, want)
	}
}

func testConcurrent(t *testing.T, s store.Store) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				section := fmt.Sprintf("s%d", g%3)
				if err := s.PutDocument(ctx, section, "atom.xml", sampleDoc(fmt.Sprintf("g%d-i%d-body", g, i))); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Document(ctx, section, "atom.xml"); err != nil {
					t.Error(err)
					return
				}
				if err := s.ReplaceItems(ctx, section, []item.Item{sampleItem(fmt.Sprint(i))}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Every method must give up on a canceled context and say so.
func testCanceled(t *testing.T, s store.Store) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	calls := map[string]func() error{
		"Document":       func() error { _, err := s.Document(c, "asia", "atom.xml"); return err },
		"PutDocument":    func() error { return s.PutDocument(c, "asia", "atom.xml", sampleDoc("<x/>")) },
		"Items":          func() error { _, err := s.Items(c, "wire"); return err },
		"ReplaceItems":   func() error { return s.ReplaceItems(c, "wire", nil) },
		"SourceState":    func() error { _, err := s.SourceState(c, "wire"); return err },
		"PutSourceState": func() error { return s.PutSourceState(c, "wire", store.SourceState{ID: "wire"}) },
		"Ping":           func() error { return s.Ping(c) },
		"Acquire":        func() error { _, _, err := s.Acquire(c, "src:wire:poll", time.Second); return err },
		"Extend":         func() error { return s.Extend(c, store.Lease{Name: "src:wire:poll", Token: "t"}, time.Second) },
		"Release":        func() error { return s.Release(c, store.Lease{Name: "src:wire:poll", Token: "t"}) },
		"Announce":       func() error { _, err := s.Announce(c, "me", "wire"); return err },
		"Version":        func() error { _, err := s.Version(c); return err },
		"Subscribe":      func() error { _, err := s.Subscribe(c); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: %v, want context.Canceled", name, err)
		}
	}
}

// testWholeWrites catches torn writes: while writers swap whole documents
// and whole item sets, every read must return exactly one of them.
func testWholeWrites(t *testing.T, s store.Store) {
	sets := [][]item.Item{
		{sampleItem("a1"), sampleItem("a2"), sampleItem("a3")},
		{sampleItem("b1"), sampleItem("b2")},
	}
	docs := []document.Document{sampleDoc("<feed>aaaaaaaaaa</feed>"), {Body: []byte("<feed>b</feed>"), ETag: `"<feed>b"`}}
	s.ReplaceItems(ctx, "wire", sets[0])
	s.PutDocument(ctx, "asia", "atom.xml", docs[0])
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 30 {
				if g%2 == 0 {
					s.ReplaceItems(ctx, "wire", sets[i%2])
					s.PutDocument(ctx, "asia", "atom.xml", docs[i%2])
					continue
				}
				items, err := s.Items(ctx, "wire")
				if got := ids(items); err != nil || (got != "a1,a2,a3" && got != "b1,b2") {
					t.Errorf("torn item set %s, %v", got, err)
					return
				}
				doc, err := s.Document(ctx, "asia", "atom.xml")
				if err != nil || !sameDoc(doc, docs[0]) && !sameDoc(doc, docs[1]) {
					t.Errorf("torn document %+v, %v", doc, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// sameDoc compares documents by content: an empty and a nil byte slice
// are the same, and times are equal whatever their location.
// stored puts doc in s as asia's atom.xml and returns what s then holds.
func stored(t *testing.T, s store.Store, doc document.Document) document.Document {
	t.Helper()
	if err := s.PutDocument(ctx, "asia", "atom.xml", doc); err != nil {
		t.Fatal(err)
	}
	got, err := s.Document(ctx, "asia", "atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func sameDoc(a, b document.Document) bool {
	return bytes.Equal(a.Body, b.Body) && bytes.Equal(a.Gzip, b.Gzip) && a.ETag == b.ETag &&
		a.ContentType == b.ContentType && a.LastModified.Equal(b.LastModified) && a.RenderedAt.Equal(b.RenderedAt) && a.Input == b.Input
}

// ids lists the ids of items, sorted, for comparing sets.
func ids(items []item.Item) string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// Waits in the lease and change tests poll for the outcome rather than
// sleep a fixed time, so a busy machine makes them slower, not wrong.
const patience = 5 * time.Second

func acquire(t *testing.T, s store.Store, name string, ttl time.Duration) store.Lease {
	t.Helper()
	l, ok, err := s.Acquire(ctx, name, ttl)
	if err != nil || !ok {
		t.Fatalf("Acquire(%s) = %v, %v; want the lease", name, ok, err)
	}
	if l.Name != name || l.Token == "" {
		t.Fatalf("Acquire(%s) returned %+v, want the name and a token", name, l)
	}
	return l
}

// held reports whether somebody holds name, by trying to take it (and
// giving back what it took).
func held(t *testing.T, s store.Store, name string) bool {
	t.Helper()
	l, ok, err := s.Acquire(ctx, name, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		if err := s.Release(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	return !ok
}

// takeWithin tries to take name until it gets it, and fails the test
// after patience.
func takeWithin(t *testing.T, s store.Store, name string, ttl time.Duration) store.Lease {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		l, ok, err := s.Acquire(ctx, name, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease %s still held after %v", name, patience)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLeasesExclusive(t *testing.T, s store.Store) {
	a := acquire(t, s, "src:wire:poll", time.Minute)
	if _, ok, err := s.Acquire(ctx, "src:wire:poll", time.Minute); ok || err != nil {
		t.Errorf("a held lease was acquired again (%v)", err)
	}
	b := acquire(t, s, "src:partner:poll", time.Minute)
	if a.Token == b.Token {
		t.Error("two leases share a token")
	}
}

// A holder whose lease expired and was taken by another must not be able
// to touch the new holder's lease; nor may anybody who never held it.
func testLeasesOwned(t *testing.T, s store.Store) {
	holder := acquire(t, s, "src:wire:poll", time.Minute)
	for name, other := range map[string]store.Lease{
		"forged token": {Name: "src:wire:poll", Token: "not-the-holder"},
		"empty token":  {Name: "src:wire:poll"},
	} {
		if err := s.Extend(ctx, other, time.Millisecond); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("%s: Extend by a non-holder = %v, want ErrLeaseLost", name, err)
		}
		if err := s.Release(ctx, other); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("%s: Release by a non-holder = %v, want ErrLeaseLost", name, err)
		}
	}
	// Had the 1ms Extend or the Release taken effect, the lease would be free.
	time.Sleep(20 * time.Millisecond)
	if !held(t, s, "src:wire:poll") {
		t.Fatal("a non-holder's Extend or Release freed the holder's lease")
	}
	if err := s.Extend(ctx, holder, time.Minute); err != nil {
		t.Errorf("the holder's Extend after others tried: %v", err)
	}
	if err := s.Release(ctx, holder); err != nil {
		t.Errorf("the holder's Release: %v", err)
	}
}

func testLeaseRelease(t *testing.T, s store.Store) {
	first := acquire(t, s, "sec:asia:render", time.Minute)
	if err := s.Release(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := acquire(t, s, "sec:asia:render", time.Minute) // at once, not after a minute
	if second.Token == first.Token {
		t.Error("a lease taken again kept its old token")
	}
	if err := s.Release(ctx, first); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("second Release by the former holder = %v, want ErrLeaseLost", err)
	}
	if !held(t, s, "sec:asia:render") {
		t.Error("the former holder's second Release freed the new holder's lease")
	}
}

func testLeaseTakeover(t *testing.T, s store.Store) {
	old := acquire(t, s, "src:wire:poll", 50*time.Millisecond)
	taker := takeWithin(t, s, "src:wire:poll", time.Minute)
	if err := s.Extend(ctx, old, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Extend by the holder whose lease expired = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, old); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Release by the holder whose lease expired = %v, want ErrLeaseLost", err)
	}
	if !held(t, s, "src:wire:poll") {
		t.Fatal("the expired holder's calls freed the new holder's lease")
	}
	if err := s.Extend(ctx, taker, time.Minute); err != nil {
		t.Errorf("the new holder's Extend: %v", err)
	}

	// A lease nobody took after it expired is lost to its holder too.
	lapsed := acquire(t, s, "src:partner:poll", 20*time.Millisecond)
	time.Sleep(60 * time.Millisecond)
	if err := s.Extend(ctx, lapsed, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Extend of an expired lease = %v, want ErrLeaseLost", err)
	}
}

func testLeaseExtend(t *testing.T, s store.Store) {
	short := acquire(t, s, "src:wire:poll", time.Minute)
	if err := s.Extend(ctx, short, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	takeWithin(t, s, "src:wire:poll", time.Minute) // shortened: free long before the minute

	// A machine that stalls between Acquire and Extend for longer than the
	// first TTL loses the lease; a longer first TTL is then tried.
	for first := 100 * time.Millisecond; ; first *= 4 {
		long := acquire(t, s, "src:partner:poll", first)
		err := s.Extend(ctx, long, time.Minute)
		if errors.Is(err, store.ErrLeaseLost) && first < patience {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		// However late this wakes, the first TTL is over; the minute is not.
		time.Sleep(first + 200*time.Millisecond)
		if !held(t, s, "src:partner:poll") {
			t.Errorf("a lease lengthened by Extend expired at its first TTL (%v)", first)
		}
		return
	}
}

func receive(t *testing.T, ch <-chan store.Change) store.Change {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed early")
		}
		return c
	case <-time.After(patience):
		t.Fatalf("no change delivered within %v", patience)
	}
	return store.Change{}
}

func testChanges(t *testing.T, s store.Store) {
	if v, err := s.Version(ctx); err != nil || v != 0 {
		t.Fatalf("Version of an empty store = %d, %v; want 0", v, err)
	}
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	first, err := s.Subscribe(subCtx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Subscribe(subCtx)
	if err != nil {
		t.Fatal(err)
	}
	announced := []store.Change{{Version: 1, Origin: "inst-a", Source: "wire"}, {Version: 2, Origin: "inst-b", Source: "partner"}}
	for _, c := range announced {
		v, err := s.Announce(ctx, c.Origin, c.Source)
		if err != nil || v != c.Version {
			t.Fatalf("Announce(%s, %s) = %d, %v; want version %d", c.Origin, c.Source, v, err, c.Version)
		}
	}
	// Delivery is best effort and, on a Cluster, two messages published
	// through different nodes may arrive in either order: every change
	// must arrive once, in whatever order.
	for name, ch := range map[string]<-chan store.Change{"first": first, "second": second} {
		got := map[store.Change]int{}
		for range announced {
			got[receive(t, ch)]++
		}
		for _, want := range announced {
			if got[want] != 1 {
				t.Errorf("%s subscriber got %v, want each of %+v once", name, got, announced)
			}
		}
	}
	if v, err := s.Version(ctx); err != nil || v != 2 {
		t.Errorf("Version after two changes = %d, %v; want 2", v, err)
	}
}

func testSubscriptionEnds(t *testing.T, s store.Store) {
	subCtx, cancel := context.WithCancel(ctx)
	ch, err := s.Subscribe(subCtx)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.After(patience)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("subscription still open %v after its context ended", patience)
		}
	}
}
