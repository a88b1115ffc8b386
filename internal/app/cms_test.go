package app

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/conformance"
	"syndicate/internal/redistest"
	"syndicate/internal/store"
)

// cmsConfig is a site fed by its CMS beside its Markdown folder. The
// source's url is the CMS's home page: the feed is found from there.
const cmsConfig = `
[site]
title = "The Meridian Review"
base_url = "%[1]s"
tag_authority = "meridian.example"

[content]
dir = "feeds"
poll_interval = "100ms"

[[section]]
slug = "latest"
title = "Latest"
limit = 3

[[section]]
slug = "middle-east"
title = "Middle East"

[[section]]
slug = "washington"
title = "Washington"

[[section]]
slug = "asia"
title = "Asia"

[[section]]
slug = "analysis"
title = "Analysis"

[[section]]
slug = "world"
title = "World"

[[source]]
id = "cms"
kind = "articles"
url = "%[2]s/"
interval = "1s"
default_sections = ["world"]
withdrawn = [%[3]s]

[source.route]
"Middle East" = "middle-east"
"washington politics" = "washington"
"Asia" = "asia"
"Analysis | QiOSK" = "analysis"
`

// cmsFixture is a WordPress-shaped CMS on loopback: its home page
// advertises its feeds; the feed it serves is switched by the test.
type cmsFixture struct {
	*httptest.Server
	feed atomic.Pointer[[]byte]
	site string // the Syndicate instance's base URL, which one item links to
}

func newCMS(t *testing.T) *cmsFixture {
	t.Helper()
	c := &cmsFixture{}
	home := readFixture(t, "home.html")
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=UTF-8")
			w.Write(home)
		case "/feed/":
			w.Header().Set("Content-Type", "application/rss+xml; charset=UTF-8")
			w.Write(*c.feed.Load())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *cmsFixture) serve(t *testing.T, name string) {
	t.Helper()
	b := []byte(strings.ReplaceAll(string(readFixture(t, name)), "{{SITE}}", c.site))
	c.feed.Store(&b)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cms", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startCMSSite starts an instance on st (shared by the instances a test
// starts one after the other) with withdrawn as the source's withdrawn.
func startCMSSite(t *testing.T, cms *cmsFixture, feed string, st store.Store, withdrawn ...string) (*App, *httptest.Server, context.CancelFunc) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "feeds"), 0o755)
	os.WriteFile(filepath.Join(dir, "feeds", "gulf-ports.md"), []byte(testArticle), 0o644)
	front := httptest.NewUnstartedServer(nil)
	if cms.site != "" {
		// A restarted site keeps its base URL, as a real one does: the
		// CMS links one item to it.
		ln, err := net.Listen("tcp", strings.TrimPrefix(cms.site, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		front.Listener.Close()
		front.Listener = ln
	}
	base := "http://" + front.Listener.Addr().String()
	cms.site = base
	cms.serve(t, feed)
	quoted := make([]string, len(withdrawn))
	for i, w := range withdrawn {
		quoted[i] = fmt.Sprintf("%q", w)
	}
	cfg, err := config.Parse(filepath.Join(dir, "config.toml"), []byte(fmt.Sprintf(cmsConfig, base, cms.URL, strings.Join(quoted, ", "))))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), st)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	front.Config.Handler = a.Handler()
	front.Start()
	t.Cleanup(front.Close)
	return a, front, cancel
}

// jsonItem is what the tests read of a JSON Feed item.
type jsonItem struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	Title     string `json:"title"`
	Content   string `json:"content_html"`
	Image     string `json:"image"`
	Published string `json:"date_published"`
	Modified  string `json:"date_modified"`
	Tags      []string
	Authors   []struct {
		Name string `json:"name"`
	} `json:"authors"`
	Attachments []struct {
		URL   string `json:"url"`
		Title string `json:"title"`
	} `json:"attachments"`
	Syndicate json.RawMessage `json:"_syndicate"`
}

// jsonItems reads every item of the JSON Feed at url, its archive
// included (following next_url), by title.
func jsonItems(t *testing.T, url string) map[string]jsonItem {
	t.Helper()
	out := map[string]jsonItem{}
	for page := url; page != ""; {
		var f struct {
			NextURL string `json:"next_url"`
			Items   []struct {
				jsonItem
				Tags []string `json:"tags"`
			} `json:"items"`
		}
		if err := json.Unmarshal(fetch(t, page), &f); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		for _, it := range f.Items {
			it.jsonItem.Tags = it.Tags
			if _, dup := out[it.Title]; dup {
				t.Errorf("%s lists %q twice (again on %s)", url, it.Title, page)
			}
			out[it.Title] = it.jsonItem
		}
		page = f.NextURL
	}
	return out
}

const (
	tehran  = "Tehran weighs a new enrichment offer"
	senate  = "Senate stalls on the Gulf arms package"
	seoul   = "Seoul’s chip diplomacy meets its limits"
	amman   = "Letters from Amman: a city of arrivals"
	basra   = "Correction pending: the Basra pipeline figures"
	gulf    = "Gulf ports race to automate"
	manila  = "Manila tests a maritime militia of its own"
	cmsTags = "tag:meridian.example,2026-01-01:article/cms/"
)

func TestFirstPartySource(t *testing.T) {
	cms := newCMS(t)
	st := store.NewMemory()
	// Withdrawn by its link, written without the trailing slash.
	a, front, stop := startCMSSite(t, cms, "feed-v1.xml", st, "https://cms.meridian.example/2026/10/29/basra-pipeline")
	waitFor(t, front.URL+"/latest/feed.json", tehran)

	t.Run("routing", func(t *testing.T) {
		for _, tt := range []struct {
			section   string
			want, not []string
		}{
			{"latest", []string{tehran, senate, seoul, amman, gulf}, []string{basra}},
			{"middle-east", []string{tehran, senate, gulf}, []string{seoul, amman, basra}},
			{"washington", []string{senate}, []string{tehran, seoul, amman}},
			{"asia", []string{seoul}, []string{tehran, senate, amman}},
			{"analysis", []string{seoul}, []string{tehran, senate, amman}},
			{"world", []string{amman}, []string{tehran, senate, seoul}},
		} {
			t.Run(tt.section, func(t *testing.T) {
				items := jsonItems(t, front.URL+"/"+tt.section+"/feed.json")
				for _, w := range tt.want {
					if _, ok := items[w]; !ok {
						t.Errorf("%s lacks %q", tt.section, w)
					}
				}
				for _, n := range tt.not {
					if _, ok := items[n]; ok {
						t.Errorf("%s carries %q", tt.section, n)
					}
				}
			})
		}
	})

	items := jsonItems(t, front.URL+"/latest/feed.json")
	sections := []string{"middle-east", "washington", "asia", "analysis", "world"}
	t.Run("first-party items", func(t *testing.T) {
		// The Markdown article and the CMS's copy of it share a link:
		// one story, the Markdown article's.
		if g := items[gulf]; !strings.HasSuffix(g.URL, "/articles/gulf-ports/") || strings.Contains(g.Content, "syndicated back") {
			t.Errorf("the story both publish is %+v, want the Markdown article", g)
		}
		tests := []struct {
			title, id   string
			tags        []string
			authors     []string
			image       string
			imageTitle  string
			notInRender []string
		}{
			{tehran, cmsTags + "https://cms.meridian.example/%3Fp=101", []string{"Iran"}, []string{"Leila Haddad"},
				"https://cms.meridian.example/wp-content/uploads/2026/11/vienna-talks.jpg", "Delegations arrive at the Palais Coburg in Vienna.", []string{"track(", "<script"}},
			{senate, cmsTags + "https://cms.meridian.example/%3Fp=102", []string{"Arms Control"}, []string{"Daniel Okafor", "Mira Castellanos"},
				"https://cms.meridian.example/wp-content/uploads/2026/11/capitol-dusk.jpg", "", nil},
			{seoul, cmsTags + "https://cms.meridian.example/%3Fp=103", nil, []string{"Ji-woo Park"},
				"https://cms.meridian.example/wp-content/uploads/2026/10/fab-line.jpg", "A fabrication line south of Seoul.", nil},
			{amman, cmsTags + "https://cms.meridian.example/%3Fp=104", []string{"Culture"}, []string{"Rania Khoury"}, "", "", nil},
		}
		for _, tt := range tests {
			t.Run(tt.title, func(t *testing.T) {
				it, ok := items[tt.title]
				if !ok {
					t.Fatalf("missing")
				}
				if it.ID != tt.id {
					t.Errorf("id = %q, want %q", it.ID, tt.id)
				}
				// JSON Feed tags are the item's sections, then its tags.
				var tags []string
				for _, tag := range it.Tags {
					if !slices.Contains(sections, tag) {
						tags = append(tags, tag)
					}
				}
				if !slices.Equal(tags, tt.tags) {
					t.Errorf("tags = %q, want %q (the categories that route nowhere)", it.Tags, tt.tags)
				}
				var names []string
				for _, p := range it.Authors {
					names = append(names, p.Name)
				}
				if strings.Join(names, "|") != strings.Join(tt.authors, "|") {
					t.Errorf("authors = %q, want %q", names, tt.authors)
				}
				if it.Image != tt.image {
					t.Errorf("image = %q, want %q", it.Image, tt.image)
				}
				if tt.imageTitle != "" && (len(it.Attachments) == 0 || it.Attachments[0].Title != tt.imageTitle) {
					t.Errorf("attachments = %+v, want the image captioned %q", it.Attachments, tt.imageTitle)
				}
				if it.Syndicate != nil {
					t.Errorf("first-party item attributed: _syndicate = %s", it.Syndicate)
				}
				if it.Content == "" {
					t.Error("full content dropped")
				}
				for _, bad := range tt.notInRender {
					if strings.Contains(it.Content, bad) {
						t.Errorf("content keeps %q", bad)
					}
				}
			})
		}
	})

	t.Run("no attribution, credits", func(t *testing.T) {
		rss := string(fetch(t, front.URL+"/latest/rss.xml"))
		atom := string(fetch(t, front.URL+"/latest/atom.xml"))
		if strings.Contains(rss, "<source") || strings.Contains(atom, "<source") {
			t.Error("first-party items carry a <source>")
		}
		for _, want := range []string{"<media:credit>Sara Mahmoudi / Meridian</media:credit>", "Delegations arrive at the Palais Coburg in Vienna."} {
			if !strings.Contains(rss, want) {
				t.Errorf("RSS lacks %q", want)
			}
		}
		// The section's page shows them as the site's own: bylines and
		// tags link to their pages, and no "via".
		page := string(fetch(t, front.URL+"/middle-east/"))
		for _, want := range []string{`href="` + front.URL + `/author/daniel-okafor/"`, `href="` + front.URL + `/tag/iran/"`, "Sara Mahmoudi / Meridian"} {
			if !strings.Contains(page, want) {
				t.Errorf("section page lacks %q", want)
			}
		}
		if strings.Contains(page, " · via ") {
			t.Error("section page attributes first-party items")
		}
	})

	t.Run("tags and authors", func(t *testing.T) {
		if _, ok := jsonItems(t, front.URL+"/tag/iran/feed.json")[tehran]; !ok {
			t.Error("/tag/iran/ lacks the CMS item tagged Iran")
		}
		if _, ok := jsonItems(t, front.URL+"/tag/culture/feed.json")[amman]; !ok {
			t.Error("/tag/culture/ lacks the CMS item tagged Culture")
		}
		leila := jsonItems(t, front.URL+"/author/leila-haddad/feed.json")
		if _, ok := leila[tehran]; !ok {
			t.Error("/author/leila-haddad/ lacks her CMS article")
		}
		if _, ok := leila[gulf]; !ok {
			t.Error("/author/leila-haddad/ lacks her Markdown article")
		}
		if _, ok := jsonItems(t, front.URL+"/author/mira-castellanos/feed.json")[senate]; !ok {
			t.Error("a second author has no feed")
		}
		resp, err := http.Get(front.URL + "/tag/middle-east/feed.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("a routed category made a tag feed: %d", resp.StatusCode)
			}
		}
	})

	t.Run("archive", func(t *testing.T) {
		// latest holds 3 items; the older ones are archived by month.
		b := string(fetch(t, front.URL+"/latest/archive/2026-10/feed.json"))
		if !strings.Contains(b, amman) {
			t.Error("the October archive of latest lacks the CMS item of October")
		}
	})

	t.Run("discovery", func(t *testing.T) {
		var src struct {
			DiscoveredURL  string `json:"discovered_url"`
			DiscoveredFrom string `json:"discovered_from"`
			Status         string `json:"status"`
		}
		if err := json.Unmarshal(fetch(t, front.URL+"/api/v1/sources/cms"), &src); err != nil {
			t.Fatal(err)
		}
		if src.DiscoveredURL != cms.URL+"/feed/" || src.DiscoveredFrom != cms.URL+"/" || src.Status != "ok" {
			t.Errorf("source = %+v, want the feed found at %s/feed/ from %s/", src, cms.URL, cms.URL)
		}
	})

	t.Run("conformance", func(t *testing.T) {
		for _, slug := range []string{"latest", "middle-east", "asia", "tag/iran", "author/leila-haddad"} {
			t.Run(slug, func(t *testing.T) {
				page := front.URL + "/" + slug + "/"
				rss, atom := fetch(t, page+"rss.xml"), fetch(t, page+"atom.xml")
				conformance.W3CRules(t, page+"rss.xml", rss, page+"atom.xml", atom)
				conformance.Atom(t, atom)
				conformance.JSONFeed(t, fetch(t, page+"feed.json"))
			})
		}
	})

	// The CMS edits an item and lets another leave its window.
	before := items[tehran]
	cms.serve(t, "feed-v2.xml")
	waitFor(t, front.URL+"/latest/feed.json", "confirmed the offer in writing")
	after := jsonItems(t, front.URL+"/latest/feed.json")
	t.Run("edit is an update", func(t *testing.T) {
		it := after[tehran]
		if it.ID != before.ID || it.Published != before.Published {
			t.Errorf("edited item is %q published %s, was %q published %s", it.ID, it.Published, before.ID, before.Published)
		}
		mod, err := time.Parse(time.RFC3339, it.Modified)
		if pub, _ := time.Parse(time.RFC3339, it.Published); err != nil || !mod.After(pub) {
			t.Errorf("date_modified = %q, want after date_published %q", it.Modified, it.Published)
		}
		var a struct {
			Entries []struct {
				ID      string `xml:"id"`
				Updated string `xml:"updated"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(fetch(t, front.URL+"/middle-east/atom.xml"), &a); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range a.Entries {
			if e.ID == before.ID {
				n++
				if e.Updated != it.Modified {
					t.Errorf("Atom updated = %q, JSON Feed date_modified = %q", e.Updated, it.Modified)
				}
			}
		}
		if n != 1 {
			t.Errorf("the edited item is in the Atom feed %d times", n)
		}
	})
	t.Run("window exit", func(t *testing.T) {
		if _, ok := after[seoul]; !ok {
			t.Error("an item that left the CMS feed's window was unpublished")
		}
		if _, ok := jsonItems(t, front.URL+"/asia/feed.json")[seoul]; !ok {
			t.Error("an item that left the window left its section")
		}
		if it, ok := after[manila]; !ok || it.Image != "https://cms.meridian.example/wp-content/uploads/2026/11/manila-bay.jpg" {
			t.Errorf("new item = %+v, want it with its media:thumbnail", it)
		}
	})

	// The operator withdraws an item already published, by the id the
	// site publishes it under, and restarts.
	stop()
	front.Close()
	withdrawnID := items[amman].ID
	a, front, _ = startCMSSite(t, cms, "feed-v2.xml", st, "https://cms.meridian.example/2026/10/29/basra-pipeline", withdrawnID)
	waitFor(t, front.URL+"/latest/feed.json", manila)
	t.Run("withdrawn everywhere", func(t *testing.T) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			stored, err := st.Items(context.Background(), "cms")
			if err != nil {
				t.Fatal(err)
			}
			held := false
			for _, it := range stored {
				held = held || it.Title == amman
			}
			if !held {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the withdrawn item stays in the store")
			}
			time.Sleep(50 * time.Millisecond)
		}
		n := 0
		for path, doc := range a.Publisher.Documents() {
			n++
			if strings.Contains(string(doc.Body), "Letters from Amman") {
				t.Errorf("%s still carries the withdrawn item", path)
			}
		}
		for path := range a.Publisher.OnDemand() {
			doc, ok := a.Publisher.Render(path)
			if !ok {
				continue
			}
			n++
			if strings.Contains(string(doc.Body), "Letters from Amman") {
				t.Errorf("%s still carries the withdrawn item", path)
			}
		}
		if n < 20 {
			t.Errorf("looked at %d documents only", n)
		}
		if _, ok := jsonItems(t, front.URL+"/latest/feed.json")[seoul]; !ok {
			t.Error("withdrawing one item lost another")
		}
	})
}

// cmsAtomFeed is a CMS's Atom feed of the entries given, with tombstones.
func cmsAtomFeed(tombstones string, entries ...string) []byte {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">
<title>The Meridian Review</title><id>tag:cms.meridian.example,2026:feed</id><updated>2026-11-05T00:00:00Z</updated>` + tombstones
	for _, e := range entries {
		doc += e
	}
	return []byte(doc + "</feed>")
}

func cmsAtomEntry(n int, title, category string) string {
	return fmt.Sprintf(`<entry><id>tag:cms.meridian.example,2026:post-%[1]d</id><title>%[2]s</title>
<link href="https://cms.meridian.example/posts/%[1]d/"/><author><name>Leila Haddad</name></author>
<published>2026-11-0%[1]dT08:00:00Z</published><updated>2026-11-0%[1]dT08:00:00Z</updated>
<category term="%[3]s"/><content type="html">&lt;p&gt;%[2]s.&lt;/p&gt;</content></entry>`, n, title, category)
}

// TestFirstPartyTombstone: an entry the CMS's Atom feed marks deleted
// leaves every feed of a running instance, which still held it, and the
// store, and does not come back.
func TestFirstPartyTombstone(t *testing.T) {
	var body atomic.Pointer[[]byte]
	set := func(b []byte) { body.Store(&b) }
	set(cmsAtomFeed("", cmsAtomEntry(1, "Kept in Amman", "Jordan"), cmsAtomEntry(2, "Pulled from Basra", "Iraq")))
	cms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(*body.Load())
	}))
	defer cms.Close()
	a, front, _ := serveApp(t, "gulf-ports.md", testArticle, func(base string) string {
		return fmt.Sprintf("[site]\nbase_url = %q\n[[section]]\nslug = \"middle-east\"\ntitle = \"Middle East\"\n"+
			"[[source]]\nid = \"cms\"\nkind = \"articles\"\nurl = %q\ninterval = \"1s\"\ndefault_sections = [\"middle-east\"]\n", base, cms.URL+"/feed")
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	waitFor(t, front.URL+"/latest/feed.json", "Pulled from Basra")
	if !strings.Contains(string(fetch(t, front.URL+"/tag/iraq/feed.json")), "Pulled from Basra") {
		t.Fatal("no tag feed of the entry before it was deleted")
	}

	set(cmsAtomFeed(`<at:deleted-entry ref="tag:cms.meridian.example,2026:post-2" when="2026-11-05T09:00:00Z"/>`,
		cmsAtomEntry(1, "Kept in Amman", "Jordan")))
	deadline := time.Now().Add(10 * time.Second)
	for strings.Contains(string(fetch(t, front.URL+"/latest/feed.json")), "Pulled from Basra") {
		if time.Now().After(deadline) {
			t.Fatal("the deleted entry stays in latest")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Another poll or two: nothing brings it back.
	time.Sleep(2500 * time.Millisecond)
	for _, path := range []string{"/latest/feed.json", "/middle-east/atom.xml", "/middle-east/", "/author/leila-haddad/rss.xml"} {
		b := string(fetch(t, front.URL+path))
		if strings.Contains(b, "Pulled from Basra") {
			t.Errorf("%s still carries the deleted entry", path)
		}
		if !strings.Contains(b, "Kept in Amman") {
			t.Errorf("%s lost the entry kept", path)
		}
	}
	if resp, err := http.Get(front.URL + "/tag/iraq/feed.json"); err != nil || resp.StatusCode != 404 {
		t.Errorf("the deleted entry's tag feed: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	stored, err := a.Store.Items(context.Background(), "cms")
	if err != nil || len(stored) != 1 {
		t.Errorf("store holds %d items (%v), want the one kept", len(stored), err)
	}
}

// TestFleetFirstPartyTombstone: whichever instance polls the tombstone,
// every instance drops the deleted entry, though each held it, and none
// re-seeds the shared store with it.
func TestFleetFirstPartyTombstone(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t)
	var body atomic.Pointer[[]byte]
	set := func(b []byte) { body.Store(&b) }
	set(cmsAtomFeed("", cmsAtomEntry(1, "Kept in Amman", "Jordan"), cmsAtomEntry(2, "Pulled from Basra", "Iraq")))
	cms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(*body.Load())
	}))
	defer cms.Close()
	fleet := startFleet(t, 2, fleetSetup{store: redisURL(srv), feedURL: up.URL, extra: fmt.Sprintf(
		"[[source]]\nid = \"cms\"\nkind = \"articles\"\nurl = %q\ninterval = \"1s\"\ndefault_sections = [\"middle-east\"]\n", cms.URL+"/feed")})
	for _, in := range fleet {
		waitFor(t, in.http.URL+"/latest/feed.json", "Pulled from Basra")
	}

	set(cmsAtomFeed(`<at:deleted-entry ref="tag:cms.meridian.example,2026:post-2" when="2026-11-05T09:00:00Z"/>`,
		cmsAtomEntry(1, "Kept in Amman", "Jordan")))
	deadline := time.Now().Add(15 * time.Second)
	for _, in := range fleet {
		for strings.Contains(string(fetch(t, in.http.URL+"/latest/feed.json")), "Pulled from Basra") {
			if time.Now().After(deadline) {
				t.Fatal("an instance keeps the deleted entry")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	time.Sleep(3 * time.Second) // polls by either instance, reloads by both
	for i, in := range fleet {
		b := string(fetch(t, in.http.URL+"/middle-east/atom.xml"))
		if strings.Contains(b, "Pulled from Basra") || !strings.Contains(b, "Kept in Amman") {
			t.Errorf("instance %d: the deleted entry came back, or the kept one went", i)
		}
	}
	stored, err := fleet[0].app.Store.Items(context.Background(), "cms")
	if err != nil || len(stored) != 1 {
		t.Errorf("the shared store holds %d items (%v), want the one kept", len(stored), err)
	}
}
