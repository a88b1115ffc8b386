package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate/internal/conformance"
	"syndicate/internal/redistest"
	"syndicate/internal/websub"
)

// allowLoopback lets the test subscribers, on loopback, be subscribed.
const allowLoopback = "[websub]\nallow_private_callbacks = true\nlease_min = \"1s\"\n"

// pushReceiver is a WebSub subscriber on loopback: it echoes every
// challenge and keeps every delivery.
type pushReceiver struct {
	*httptest.Server
	mu         sync.Mutex
	verified   []url.Values
	deliveries []pushed
	arrived    chan pushed
}

type pushed struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newPushReceiver(t *testing.T) *pushReceiver {
	p := &pushReceiver{arrived: make(chan pushed, 100)}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			p.mu.Lock()
			p.verified = append(p.verified, r.URL.Query())
			p.mu.Unlock()
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		d := pushed{header: r.Header.Clone(), body: b, at: time.Now()}
		p.mu.Lock()
		p.deliveries = append(p.deliveries, d)
		p.mu.Unlock()
		p.arrived <- d
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *pushReceiver) all() []pushed {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.deliveries)
}

// subscribeAt subscribes p to topic through the hub at hubURL and waits
// for the hub to hold it, as its verification and the report show.
func (p *pushReceiver) subscribeAt(t *testing.T, a *App, hubURL, topic, secret string) {
	t.Helper()
	p.ask(t, hubURL, topic, secret)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r, err := a.Hub.Report(context.Background())
		if err == nil && slices.ContainsFunc(r.Subscriptions, func(s websub.SubscriptionReport) bool {
			return s.Topic == topic && s.Callback == p.URL+"/push"
		}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not subscribed within 10s (report %+v, %v)", r, err)
		}
	}
}

// ask sends the subscription request of p to topic, which the hub must
// accept with 202.
func (p *pushReceiver) ask(t *testing.T, hubURL, topic, secret string) {
	t.Helper()
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {p.URL + "/push"}, "hub.secret": {secret}}
	resp, err := http.PostForm(hubURL, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("subscribe: %d, want 202", resp.StatusCode)
	}
}

// waitPush waits for a delivery whose body holds want, and returns it.
func (p *pushReceiver) waitPush(t *testing.T, want string) pushed {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case d := <-p.arrived:
			if bytes.Contains(d.body, []byte(want)) {
				return d
			}
		case <-deadline:
			t.Fatalf("no delivery holding %q within 15s", want)
		}
	}
}

// startPushApp starts one instance on the memory store, its sources
// polled from up every second, and serves it.
func startPushApp(t *testing.T, up string) (*App, *httptest.Server, string) {
	t.Helper()
	return serveApp(t, "gulf-ports.md", testArticle, func(base string) string {
		return fmt.Sprintf(testConfig, base, up) + allowLoopback
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// Feeds advertise the built-in hub in their bodies and headers, and still
// pass the conformance checks with the hub links in them.
func TestFeedsAdvertiseBuiltinHub(t *testing.T) {
	up := newUpstream(t)
	_, front, _ := startPushApp(t, up.URL)
	hub := front.URL + websub.Path
	for _, format := range []string{"rss.xml", "atom.xml", "feed.json"} {
		resp, err := http.Get(front.URL + "/middle-east/" + format)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := []string{"<" + hub + `>; rel="hub"`, "<" + front.URL + "/middle-east/" + format + `>; rel="self"`}
		if got := resp.Header.Values("Link"); !slices.Equal(got, want) {
			t.Errorf("%s Link = %q, want %q", format, got, want)
		}
		if !bytes.Contains(body, []byte(hub)) {
			t.Errorf("%s does not name the hub %s", format, hub)
		}
	}
	if resp, err := http.Get(front.URL + "/middle-east/"); err == nil {
		resp.Body.Close()
		if l := resp.Header.Values("Link"); l != nil {
			t.Errorf("the section page carries Link %q; only feeds do", l)
		}
	}
	conformance.Dir(t)
	rss, atom := fetch(t, front.URL+"/middle-east/rss.xml"), fetch(t, front.URL+"/middle-east/atom.xml")
	conformance.W3CRules(t, front.URL+"/middle-east/rss.xml", rss, front.URL+"/middle-east/atom.xml", atom)
	conformance.Atom(t, atom)
	conformance.JSONFeed(t, fetch(t, front.URL+"/middle-east/feed.json"))
}

// A subscriber subscribes at /websub, is verified, and receives a signed
// delivery of the whole feed within 2 s of an article edit and of a new
// upstream item.
func TestPushOnEditAndUpstreamItem(t *testing.T) {
	up := newUpstream(t)
	a, front, dir := startPushApp(t, up.URL)
	topic := front.URL + "/middle-east/atom.xml"
	waitFor(t, topic, "First wire story")
	sub := newPushReceiver(t)
	sub.subscribeAt(t, a, front.URL+websub.Path, topic, "s3cret")

	check := func(d pushed) {
		t.Helper()
		if got := d.header.Get("X-Hub-Signature"); got != websub.Signature("s3cret", d.body) {
			t.Errorf("X-Hub-Signature %q does not sign the body", got)
		}
		if ct := d.header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if l := d.header.Values("Link"); !slices.Contains(l, "<"+topic+`>; rel="self"`) {
			t.Errorf("Link %q lacks the topic as self", l)
		}
	}
	within(t, "article edit, from the write to the delivery", 2*time.Second, func(round int) time.Duration {
		title := fmt.Sprintf("Gulf ports race to automate, revision %d", round)
		path := filepath.Join(dir, "feeds", "gulf-ports.md")
		text, _ := os.ReadFile(path)
		start := time.Now()
		os.WriteFile(path, []byte(strings.Replace(string(text), `title = "Gulf ports race to automate`, `title = "`+title, 1)), 0o644)
		d := sub.waitPush(t, title)
		check(d)
		if served := fetch(t, topic); !bytes.Equal(served, d.body) && bytes.Contains(served, []byte(title)) {
			t.Error("the delivery is not the feed as served")
		}
		return d.at.Sub(start)
	})
	within(t, "upstream item, from its appearance upstream to the delivery (polled every 1s)", 2*time.Second, func(round int) time.Duration {
		title := fmt.Sprintf("Wire story %d", round)
		start := time.Now()
		up.add(title)
		d := sub.waitPush(t, title)
		check(d)
		return d.at.Sub(start)
	})
}

// Three instances on one Redis: a subscriber that subscribed through one
// of them gets every version of the feed once, whichever instance polled
// the change or saw the edit first.
func TestFleetPushesEachChangeOnce(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t)
	fleet := startFleet(t, 3, fleetSetup{store: redisURL(srv), feedURL: up.URL, extra: allowLoopback})
	topic := "http://feeds.example/middle-east/atom.xml"
	served := func(in *instance) string { body, _ := feedOf(t, in); return body }
	for _, in := range fleet {
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(served(in), "First wire story"); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the fleet never served the first story")
			}
		}
	}
	sub := newPushReceiver(t)
	sub.subscribeAt(t, fleet[1].app, fleet[1].http.URL+websub.Path, topic, "fleet")
	// The tag's feed is rendered on demand by each instance.
	tagSub := newPushReceiver(t)
	tagSub.subscribeAt(t, fleet[2].app, fleet[2].http.URL+websub.Path, "http://feeds.example/tag/ports/atom.xml", "tag")

	start := time.Now()
	up.add("Wire story two")
	sub.waitPush(t, "Wire story two")
	t.Logf("upstream item delivered %v after it appeared (sources polled every 1s)", time.Since(start))
	title := "Gulf ports race to automate, fleet revision"
	start = time.Now()
	for _, in := range fleet {
		path := filepath.Join(in.dir, "feeds", "gulf-ports.md")
		text, _ := os.ReadFile(path)
		os.WriteFile(path, []byte(strings.Replace(string(text), `title = "Gulf ports race to automate`, `title = "`+title, 1)), 0o644)
	}
	last := sub.waitPush(t, title)
	tagSub.waitPush(t, title)
	t.Logf("edit delivered %v after it was written", time.Since(start))
	// Both sources carry the new wire story, and each instance polls them
	// apart, so the feed may pass through a version in between; settle,
	// then count.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		body, _ := feedOf(t, fleet[0])
		if got := sub.all(); bytes.Equal(got[len(got)-1].body, []byte(body)) && strings.Contains(body, "Wire story two") && strings.Contains(body, title) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the last delivery never matched the served feed")
		}
	}
	time.Sleep(time.Second) // room for a duplicate to show
	got := sub.all()
	seen := map[string]int{}
	for _, d := range got {
		if d.header.Get("X-Hub-Signature") != websub.Signature("fleet", d.body) {
			t.Error("a delivery is not signed with the subscriber's secret")
		}
		seen[string(d.body)]++
	}
	for body, n := range seen {
		if n != 1 {
			t.Errorf("a version was delivered %d times (title %q)", n, titlesIn(body))
		}
	}
	if !bytes.Contains(last.body, []byte(title)) || len(got) < 2 {
		t.Errorf("%d deliveries, want at least the upstream item's and the edit's", len(got))
	}
	// The tag carries the article, not the wire: one change, one delivery.
	tagGot := tagSub.all()
	if len(tagGot) != 1 || !bytes.Contains(tagGot[0].body, []byte(title)) || tagGot[0].header.Get("X-Hub-Signature") != websub.Signature("tag", tagGot[0].body) {
		t.Errorf("%d deliveries to the tag's subscriber, want the edit's once, signed", len(tagGot))
	}
	rep, err := fleet[2].app.Hub.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(got) + len(tagGot)); rep.Deliveries.Delivered != want || rep.Deliveries.Failed != 0 {
		t.Errorf("fleet counts %+v, want %d delivered and no failure", rep.Deliveries, want)
	}
}

// otherArticle shares no tag and no author with testArticle.
const otherArticle = `+++
id = "oil-output"
title = "Oil output holds steady"
standfirst = "Quotas unchanged."
published = 2026-11-02T09:00:00Z
sections = ["middle-east"]
tags = ["oil"]
[[authors]]
name = "Omar Said"
+++
Body text.
`

// editTitle rewrites the title of the article in file, which starts with
// from, to title.
func editTitle(t *testing.T, dir, file, from, title string) {
	t.Helper()
	path := filepath.Join(dir, "feeds", file)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(text), `title = "`+from, `title = "`+title, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Tag and author feeds, rendered on demand, are topics like the
// sections': they advertise the hub, a subscriber to one is verified and
// gets a signed delivery within 2 s of an edit that changes it, and
// nothing from an edit that does not; a tag the site does not have, or a
// page, is refused.
func TestPushTagAndAuthorFeeds(t *testing.T) {
	up := newUpstream(t)
	a, front, dir := serveArticles(t, map[string]string{"gulf-ports.md": testArticle, "oil-output.md": otherArticle}, func(base string) string {
		return fmt.Sprintf(testConfig, base, up.URL) + allowLoopback
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tagTopic := front.URL + "/tag/ports/atom.xml"
	authorTopic := front.URL + "/author/leila-haddad/feed.json"
	otherTopic := front.URL + "/tag/oil/rss.xml"

	hub := front.URL + websub.Path
	for _, topic := range []string{tagTopic, authorTopic, otherTopic} {
		resp, err := http.Get(topic)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := []string{"<" + hub + `>; rel="hub"`, "<" + topic + `>; rel="self"`}
		if got := resp.Header.Values("Link"); !slices.Equal(got, want) {
			t.Errorf("%s Link = %q, want %q", topic, got, want)
		}
		if !bytes.Contains(body, []byte(hub)) {
			t.Errorf("%s does not name the hub", topic)
		}
	}
	resp, err := http.Get(front.URL + "/tag/ports")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/tag/ports/" {
		t.Errorf("/tag/ports ends at %s with %d, want the tag's page", resp.Request.URL.Path, resp.StatusCode)
	}

	tagSub, authorSub, otherSub := newPushReceiver(t), newPushReceiver(t), newPushReceiver(t)
	tagSub.subscribeAt(t, a, hub, tagTopic, "tag-secret")
	authorSub.subscribeAt(t, a, hub, authorTopic, "")
	otherSub.subscribeAt(t, a, hub, otherTopic, "other-secret")

	within(t, "article edit, from the write to the tag and author feeds' deliveries", 2*time.Second, func(round int) time.Duration {
		title := fmt.Sprintf("Gulf ports race to automate, tag revision %d", round)
		start := time.Now()
		editTitle(t, dir, "gulf-ports.md", "Gulf ports race to automate", title)
		d := tagSub.waitPush(t, title)
		if got := d.header.Get("X-Hub-Signature"); got != websub.Signature("tag-secret", d.body) {
			t.Errorf("X-Hub-Signature %q does not sign the body", got)
		}
		if ct := d.header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
			t.Errorf("tag delivery Content-Type %q", ct)
		}
		if l := d.header.Values("Link"); !slices.Equal(l, []string{"<" + hub + `>; rel="hub"`, "<" + tagTopic + `>; rel="self"`}) {
			t.Errorf("tag delivery Link %q", l)
		}
		if served := fetch(t, tagTopic); !bytes.Equal(served, d.body) {
			t.Error("the tag delivery is not the tag feed as served")
		}
		ad := authorSub.waitPush(t, title)
		if sig := ad.header.Get("X-Hub-Signature"); sig != "" {
			t.Errorf("an unsigned subscription's delivery carries X-Hub-Signature %q", sig)
		}
		if ct := ad.header.Get("Content-Type"); ct != "application/feed+json; charset=utf-8" {
			t.Errorf("author delivery Content-Type %q", ct)
		}
		return max(d.at.Sub(start), ad.at.Sub(start))
	})
	if n := len(otherSub.all()); n != 0 {
		t.Errorf("the oil tag's subscriber got %d deliveries of an edit that does not touch it", n)
	}

	tagBefore, authorBefore := len(tagSub.all()), len(authorSub.all())
	editTitle(t, dir, "oil-output.md", "Oil output holds steady", "Oil output edges up")
	d := otherSub.waitPush(t, "Oil output edges up")
	if got := d.header.Get("X-Hub-Signature"); got != websub.Signature("other-secret", d.body) {
		t.Errorf("X-Hub-Signature %q does not sign the body", got)
	}
	time.Sleep(500 * time.Millisecond) // room for a wrong delivery to arrive
	if got := len(tagSub.all()); got != tagBefore {
		t.Errorf("the ports tag's subscriber got %d deliveries of an edit that does not touch the tag", got-tagBefore)
	}
	if got := len(authorSub.all()); got != authorBefore {
		t.Errorf("Leila Haddad's subscriber got %d deliveries of an edit that is not hers", got-authorBefore)
	}

	// A tag the site does not have, and a tag's page, are denied.
	for _, topic := range []string{front.URL + "/tag/no-such-tag/atom.xml", front.URL + "/tag/ports/"} {
		sub := newPushReceiver(t)
		sub.ask(t, hub, topic, "")
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			sub.mu.Lock()
			v := slices.Clone(sub.verified)
			sub.mu.Unlock()
			if len(v) > 0 {
				if v[0].Get("hub.mode") != "denied" || v[0].Get("hub.topic") != topic {
					t.Errorf("%s: the callback was sent %v, want a denial", topic, v[0])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no denial within 10s", topic)
			}
		}
	}
	r, err := a.Hub.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Subscriptions) != 3 {
		t.Errorf("%d subscriptions, want the 3 verified ones: %+v", len(r.Subscriptions), r.Subscriptions)
	}

	conformance.Dir(t)
	rss, atom := fetch(t, front.URL+"/tag/ports/rss.xml"), fetch(t, tagTopic)
	conformance.W3CRules(t, front.URL+"/tag/ports/rss.xml", rss, tagTopic, atom)
	conformance.Atom(t, atom)
	conformance.JSONFeed(t, fetch(t, authorTopic))
}

// olderPortsArticle is a second article on ports, a month older than
// testArticle: with one item per tag's current document, it is in the
// tag's archive for October.
const olderPortsArticle = `+++
id = "port-cranes"
title = "Port cranes arrive"
standfirst = "From Shanghai."
published = 2026-10-20T09:00:00Z
sections = ["middle-east"]
tags = ["ports"]
[[authors]]
name = "Omar Said"
+++
Body text.
`

// An archive month's feed advertises the hub and may be subscribed to:
// an edit of an article in it is delivered; an edit of the current
// document's article is not, since the month's bytes stay the same.
func TestPushArchiveFeed(t *testing.T) {
	up := newUpstream(t)
	a, front, dir := serveArticles(t, map[string]string{"gulf-ports.md": testArticle, "port-cranes.md": olderPortsArticle}, func(base string) string {
		cfg := fmt.Sprintf(testConfig, base, up.URL) + allowLoopback
		return strings.Replace(cfg, "[content]\n", "[content]\ntopic_limit = 1\n", 1)
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	hub := front.URL + websub.Path
	topic := front.URL + "/tag/ports/archive/2026-10/atom.xml"
	resp, err := http.Get(topic)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("Port cranes arrive")) {
		t.Fatalf("%s: %d %s", topic, resp.StatusCode, body)
	}
	if got, want := resp.Header.Values("Link"), []string{"<" + hub + `>; rel="hub"`, "<" + topic + `>; rel="self"`}; !slices.Equal(got, want) {
		t.Errorf("archive Link = %q, want %q", got, want)
	}
	sub := newPushReceiver(t)
	sub.subscribeAt(t, a, hub, topic, "archive")

	editTitle(t, dir, "gulf-ports.md", "Gulf ports race to automate", "Gulf ports race to automate, edited")
	waitFor(t, front.URL+"/tag/ports/atom.xml", "Gulf ports race to automate, edited")
	editTitle(t, dir, "port-cranes.md", "Port cranes arrive", "Port cranes arrive early")
	d := sub.waitPush(t, "Port cranes arrive early")
	if d.header.Get("X-Hub-Signature") != websub.Signature("archive", d.body) {
		t.Error("the archive delivery is not signed with the subscriber's secret")
	}
	time.Sleep(300 * time.Millisecond) // room for a wrong delivery to arrive
	if n := len(sub.all()); n != 1 {
		t.Errorf("%d deliveries to the archive month's subscriber, want 1: the current document's edit leaves the month as it was", n)
	}
}
