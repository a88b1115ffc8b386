package websub

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate/internal/document"
	"syndicate/internal/render"
	"syndicate/internal/store"
)

// onDemandSite stands in for the documents a publisher renders on demand:
// the feeds and page of each tag it has, and archive months, each at the
// version the test sets, counting renders per path.
type onDemandSite struct {
	mu       sync.Mutex
	versions map[string]string // "/tag/iran/" or "/asia/archive/2026-10/" → version
	renders  map[string]int
}

func newOnDemandSite(versions map[string]string) *onDemandSite {
	return &onDemandSite{versions: versions, renders: map[string]int{}}
}

var formatTypes = map[string]string{
	"rss.xml":   "application/rss+xml; charset=utf-8",
	"atom.xml":  "application/atom+xml; charset=utf-8",
	"feed.json": "application/feed+json; charset=utf-8",
	"":          "text/html; charset=utf-8",
}

func (s *onDemandSite) document(path string) (document.Document, bool) {
	dir, file := path[:strings.LastIndexByte(path, '/')+1], path[strings.LastIndexByte(path, '/')+1:]
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.versions[dir]
	ct, known := formatTypes[file]
	if !ok || !known {
		return document.Document{}, false
	}
	s.renders[path]++
	return render.NewDocument([]byte("<doc>"+path+" "+v+"</doc>"), ct, time.Time{}), true
}

func (s *onDemandSite) set(dir, version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.versions[dir] = version
}

func (s *onDemandSite) rendered() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.renders)
}

// feedPaths are the paths of the three feeds in dir.
func feedPaths(dir string) []string {
	return []string{dir + "rss.xml", dir + "atom.xml", dir + "feed.json"}
}

// Feeds rendered on demand are topics: a subscription to one is accepted,
// a change of its bytes that an edit makes stale is delivered, signed,
// and one that leaves its bytes as they were, or touches another feed,
// is not. A feed nobody subscribes to is not rendered to find out, a
// tag's page is not a topic, and a tag the site lacks is refused.
func TestOnDemandTopics(t *testing.T) { onEachStore(t, onDemandTopics) }

func onDemandTopics(t *testing.T, st Store) {
	site := newOnDemandSite(map[string]string{"/tag/iran/": "v0", "/tag/oil/": "v0", "/asia/archive/2026-10/": "v0"})
	h := startHub(t, st, func(o *Options, _ *timing) { o.Document = site.document })
	sub := newSubscriber(t)
	iran := base + "/tag/iran/atom.xml"
	h.subscribeTo(t, iran, sub.URL, "hub.secret", "k")
	if q := next(t, sub.verified, "verification"); q.Get("hub.mode") != modeSubscribe || q.Get("hub.topic") != iran {
		t.Errorf("verification %v", q)
	}
	// An archive month is a feed like any other (completed months never
	// change, so their subscribers simply get nothing).
	month := base + "/asia/archive/2026-10/feed.json"
	monthSub := newSubscriber(t)
	h.subscribeTo(t, month, monthSub.URL)

	for _, other := range []string{base + "/tag/nowhere/atom.xml", base + "/tag/iran/", base + "/tag/iran/opml.xml"} {
		denied := newSubscriber(t)
		if code, _ := post(t, h.url, subscribeForm(denied.URL, other)); code != http.StatusAccepted {
			t.Fatalf("subscribe to %s: %d, want 202 (then denied)", other, code)
		}
		if q := next(t, denied.verified, "denial"); q.Get("hub.mode") != modeDenied {
			t.Errorf("subscription to %s: callback sent %v, want a denial", other, q)
		}
	}
	if n := site.rendered()["/tag/iran/"]; n != 0 {
		t.Errorf("a subscription to a page rendered it %d times", n)
	}

	before := site.rendered()
	site.set("/tag/iran/", "v1")
	site.set("/tag/oil/", "v1")
	start := time.Now()
	h.Stale(append(append(feedPaths("/tag/iran/"), feedPaths("/tag/oil/")...), "/tag/iran/", "/tags/"))
	d := next(t, sub.delivered, "delivery of the stale tag feed")
	if took := d.at.Sub(start); took > 2*time.Second {
		t.Errorf("delivered %v after the edit, want within 2s", took)
	}
	want, _ := site.document("/tag/iran/atom.xml")
	if !bytes.Equal(d.body, want.Body) || d.header.Get("Content-Type") != want.ContentType {
		t.Errorf("delivered %q (%s), want the tag's new Atom feed", d.body, d.header.Get("Content-Type"))
	}
	if got := d.header.Get("X-Hub-Signature"); got != Signature("k", d.body) {
		t.Errorf("X-Hub-Signature %q does not sign the body", got)
	}
	after := site.rendered()
	for _, path := range append(feedPaths("/tag/oil/"), "/tag/iran/rss.xml", "/tag/iran/feed.json", "/tag/iran/") {
		if after[path] != before[path] {
			t.Errorf("%s, which nobody subscribes to, was rendered %d times for the hub", path, after[path]-before[path])
		}
	}

	// Stale, but the same bytes: nothing to deliver. Another tag's
	// change: nothing either.
	h.Stale(feedPaths("/tag/iran/"))
	site.set("/tag/oil/", "v2")
	h.Stale(feedPaths("/tag/oil/"))
	quiet(t, sub.delivered, 300*time.Millisecond, "delivery of an unchanged or untouched feed")
	quiet(t, monthSub.delivered, 0, "delivery of an unchanged archive month")

	site.set("/tag/iran/", "v2")
	h.Stale(feedPaths("/tag/iran/"))
	if d := next(t, sub.delivered, "delivery of v2"); !bytes.Contains(d.body, []byte("v2")) {
		t.Errorf("delivered %q, want v2", d.body)
	}
	// The tag goes away: nothing is delivered, and its feed is no longer
	// a topic.
	site.mu.Lock()
	delete(site.versions, "/tag/iran/")
	site.mu.Unlock()
	h.Stale(feedPaths("/tag/iran/"))
	quiet(t, sub.delivered, 300*time.Millisecond, "delivery of a tag that is gone")
	if n := sub.count(); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}
}

// Every stale feed is pinged to the external hubs, once, without being
// rendered; a stale page is not.
func TestOnDemandStalePinged(t *testing.T) {
	ext := newExternalHub(t, func(int) int { return http.StatusNoContent })
	site := newOnDemandSite(map[string]string{"/tag/iran/": "v0", "/author/omar-said/": "v0"})
	h := startHub(t, store.NewMemory(), func(o *Options, _ *timing) {
		o.Document = site.document
		o.Config.Hubs = []string{ext.URL}
	})
	stale := append(feedPaths("/tag/iran/"), "/tag/iran/", "/author/omar-said/atom.xml", "/tags/opml.xml")
	h.Stale(stale)
	want := map[string]bool{}
	for _, p := range append(feedPaths("/tag/iran/"), "/author/omar-said/atom.xml") {
		want[base+p] = true
	}
	got := map[string]int{}
	for range len(want) {
		got[next(t, ext.got, "ping").Get("hub.url")]++
	}
	quiet(t, ext.got, 300*time.Millisecond, "ping of a page or a second ping")
	for topic := range want {
		if got[topic] != 1 {
			t.Errorf("%s pinged %d times, want once", topic, got[topic])
		}
	}
	if r := site.rendered(); len(r) != 0 {
		t.Errorf("pinging rendered %v; stale is enough to ping", r)
	}
	// A subscribed feed's changes are recorded too, but each is pinged
	// only once.
	sub := newSubscriber(t)
	h.subscribeTo(t, base+"/tag/iran/rss.xml", sub.URL)
	for _, v := range []string{"v1", "v2"} {
		site.set("/tag/iran/", v)
		h.Stale([]string{"/tag/iran/rss.xml"})
		next(t, sub.delivered, "delivery of "+v)
		if f := next(t, ext.got, "ping"); f.Get("hub.url") != base+"/tag/iran/rss.xml" {
			t.Errorf("pinged %v", f)
		}
		quiet(t, ext.got, 300*time.Millisecond, "second ping of one change")
	}
}

// Three instances on one Redis, each rendering the tag feed itself, see
// the same edit: each subscriber gets each version once, whichever
// instance it subscribed through and whichever records the change.
func TestFleetDeliversOnDemandChangeOnce(t *testing.T) {
	site := newOnDemandSite(map[string]string{"/tag/iran/": "v0"})
	hubs := fleet(t, 3, func(o *Options, _ *timing) { o.Document = site.document })
	iran := base + "/tag/iran/atom.xml"
	subs := []*subscriber{newSubscriber(t), newSubscriber(t)}
	hubs[1].subscribeTo(t, iran, subs[0].URL, "hub.secret", "one")
	hubs[2].subscribeTo(t, iran, subs[1].URL)
	versions := []string{"v1", "v2", "v3"}
	for _, v := range versions {
		site.set("/tag/iran/", v)
		for _, h := range []*testHub{hubs[2], hubs[0], hubs[1]} {
			h.Stale(feedPaths("/tag/iran/"))
		}
		for _, s := range subs {
			if d := next(t, s.delivered, "delivery of "+v); !bytes.HasSuffix(d.body, []byte(" "+v+"</doc>")) {
				t.Errorf("delivery for %s carries %q", v, d.body)
			}
		}
	}
	for i, s := range subs {
		quiet(t, s.delivered, 500*time.Millisecond, "second delivery of a change")
		if n := s.count(); n != len(versions) {
			t.Errorf("subscriber %d: %d deliveries of %d changes", i, n, len(versions))
		}
	}
	st, err := hubs[0].store.WebSubStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Delivered != int64(2*len(versions)) || st.Queued != 0 {
		t.Errorf("fleet stats %+v, want %d delivered and nothing queued", st, 2*len(versions))
	}
}
