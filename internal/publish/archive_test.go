package publish

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/render"
	"syndicate/internal/server"
	"syndicate/internal/slug"
	"syndicate/internal/store"
)

// archiveSite is 40 articles, one every five days back from 20 November
// 2026 (so over seven months), each in one of two sections, with one or
// two of four tags and one of three writers; and 12 aggregated items in
// asia, one a fortnight. Limits are small so that every feed archives.
type archiveSite struct {
	articles, wire []item.Item
}

var (
	archiveTags    = []string{"Iran", "Shipping", "Strait of Hormuz", "Oil"}
	archiveAuthors = []item.Person{{Name: "Leila Haddad", URL: "https://example.org/leila"}, {Name: "Lee Jae-myung"}, {Name: "Rania Khoury (رانيا خوري)"}}
	archiveConfig  = []config.Section{{Slug: "latest", Title: "Latest", Limit: 6}, {Slug: "asia", Title: "Asia", Limit: 4}, {Slug: "middle-east", Title: "Middle East", Limit: 5}}
)

const archiveTopicLimit = 3

func newArchiveSite() archiveSite {
	var s archiveSite
	newest := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i := range 40 {
		t := newest.Add(-time.Duration(i) * 5 * 24 * time.Hour)
		it := article(fmt.Sprintf("a%02d", i), fmt.Sprintf("Article %d", i), 1, []string{"asia", "middle-east"}[i%2])
		it.Published, it.Updated = t, t
		it.Tags = []string{archiveTags[i%4]}
		if i%3 == 0 {
			it.Tags = append(it.Tags, archiveTags[(i+1)%4])
		}
		it.Authors = []item.Person{archiveAuthors[i%3]}
		s.articles = append(s.articles, it)
	}
	for i := range 12 {
		t := newest.Add(-time.Duration(i)*14*24*time.Hour - time.Hour)
		s.wire = append(s.wire, item.Item{
			ID: fmt.Sprintf("https://wire.example/story/%d", i), URL: fmt.Sprintf("https://wire.example/story/%d", i),
			Title: fmt.Sprintf("Wire %d", i), Summary: "From the wire", ContentHTML: "<p>wire</p>",
			Sections: []string{"asia"}, Tags: []string{"Iran"}, Published: t, Updated: t,
			Origin: &item.Origin{SourceID: "wire", Title: "Wire", FeedURL: "https://wire.example/feed"},
		})
	}
	return s
}

// expected lists, for each current feed path, the ids of every item the
// feed carries, worked out from the items themselves.
func (s archiveSite) expected() map[string][]string {
	out := map[string][]string{}
	add := func(dir string, it *item.Item) { out[dir] = append(out[dir], it.ID) }
	for _, list := range [][]item.Item{s.articles, s.wire} {
		for i := range list {
			it := &list[i]
			add("/latest/", it)
			for _, sec := range it.Sections {
				add("/"+sec+"/", it)
			}
			if it.Origin != nil {
				continue // topics are the site's own
			}
			for _, tag := range it.Tags {
				add("/tag/"+slug.Make(tag)+"/", it)
			}
			for _, a := range it.Authors {
				add("/author/"+slug.Make(a.Name)+"/", it)
			}
		}
	}
	return out
}

// archiveServer publishes the site and serves it as app does: a Server
// given the documents rendered ahead, rendering the rest on demand and
// forgetting what each publish makes stale.
func archiveServer(t *testing.T, s archiveSite) (*Publisher, *httptest.Server) {
	t.Helper()
	p := New(Options{Site: testSite, Sections: archiveConfig, TopicLimit: archiveTopicLimit, Sources: []string{"wire"}, Store: store.NewMemory(), StoreTimeout: testStoreTimeout})
	srv := server.New(server.Options{CacheMaxAge: time.Minute, Render: p.Render, OnDemandBytes: 16 << 20})
	p.OnPublish(srv.Update)
	p.OnStale(srv.Forget)
	ctx := context.Background()
	if err := p.PublishSource(ctx, "wire", s.wire); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(ctx, s.articles, nil); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return p, ts
}

// page is one feed document as a client following RFC 5005 reads it.
type page struct {
	ids        []string
	prev, next string // prev-archive, next-archive
	current    string
	archived   bool // fh:archive
	etag       string
}

type xmlLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

const nsHistory = "http://purl.org/syndication/history/1.0"

func fetchPage(t *testing.T, url, format string) page {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	p := page{etag: resp.Header.Get("ETag")}
	fromLinks := func(links []xmlLink) {
		for _, l := range links {
			switch l.Rel {
			case "prev-archive":
				p.prev = l.Href
			case "next-archive":
				p.next = l.Href
			case "current":
				p.current = l.Href
			}
		}
	}
	switch format {
	case render.FormatAtom:
		var doc struct {
			Links   []xmlLink `xml:"http://www.w3.org/2005/Atom link"`
			Archive *struct{} `xml:"http://purl.org/syndication/history/1.0 archive"`
			Entries []struct {
				ID string `xml:"id"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		fromLinks(doc.Links)
		p.archived = doc.Archive != nil
		for _, e := range doc.Entries {
			p.ids = append(p.ids, e.ID)
		}
	case render.FormatRSS:
		var doc struct {
			Channel struct {
				Links   []xmlLink `xml:"http://www.w3.org/2005/Atom link"`
				Archive *struct{} `xml:"http://purl.org/syndication/history/1.0 archive"`
				Items   []struct {
					GUID string `xml:"guid"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		fromLinks(doc.Channel.Links)
		p.archived = doc.Channel.Archive != nil
		for _, it := range doc.Channel.Items {
			p.ids = append(p.ids, it.GUID)
		}
	case render.FormatJSON:
		var doc struct {
			NextURL string `json:"next_url"`
			Items   []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		p.prev = doc.NextURL
		for _, it := range doc.Items {
			p.ids = append(p.ids, it.ID)
		}
	}
	return p
}

// TestWalkArchives walks prev-archive from every feed's current document,
// in every format, and reaches each of the feed's items exactly once,
// through archive documents that say they are and link back.
func TestWalkArchives(t *testing.T) {
	s := newArchiveSite()
	_, ts := archiveServer(t, s)
	base := testSite.BaseURL
	expected := s.expected()
	if len(expected) != 1+2+len(archiveTags)+len(archiveAuthors) {
		t.Fatalf("the fixture makes %d feeds", len(expected))
	}
	for dir, want := range expected {
		for _, format := range render.FeedFormats {
			t.Run(strings.Trim(dir, "/")+"/"+format, func(t *testing.T) {
				seen := map[string]int{}
				archives := 0
				url := base + dir + format
				var newer string // the archive document the walk came from; "" from the current one
				for url != "" {
					p := fetchPage(t, ts.URL+strings.TrimPrefix(url, base), format)
					if archives > 0 && format != render.FormatJSON {
						if !p.archived || p.current != base+dir+format || p.next != newer {
							t.Errorf("%s: fh:archive %v, current %q, next-archive %q; want true, %s, %s", url, p.archived, p.current, p.next, base+dir+format, newer)
						}
					}
					if archives == 0 && p.archived {
						t.Errorf("%s: the current document is marked fh:archive", url)
					}
					for _, id := range p.ids {
						seen[id]++
					}
					if archives > 0 {
						newer = url
					}
					url = p.prev
					archives++
					if archives > 50 {
						t.Fatal("prev-archive does not end")
					}
				}
				for id, n := range seen {
					if n != 1 {
						t.Errorf("item %s reached %d times", id, n)
					}
				}
				if len(seen) != len(want) {
					t.Errorf("reached %d items in %d documents, want %d", len(seen), archives, len(want))
				}
				for _, id := range want {
					if seen[id] == 0 {
						t.Errorf("item %s never reached", id)
					}
				}
				if archives < 2 {
					t.Errorf("%d documents: the fixture should archive every feed", archives)
				}
			})
		}
	}
}

// atomETags fetches the ETag of every Atom document: the sections'
// current ones and every one rendered on demand.
func atomETags(t *testing.T, p *Publisher, ts *httptest.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	paths := slices.Collect(p.OnDemand())
	for _, sec := range archiveConfig {
		paths = append(paths, "/"+sec.Slug+"/"+render.FormatAtom)
	}
	for _, path := range paths {
		if strings.HasSuffix(path, render.FormatAtom) {
			out[path] = fetchPage(t, ts.URL+path, render.FormatAtom).etag
		}
	}
	return out
}

// TestClosedMonthKeepsItsBytes: an edit in a closed month changes that
// month's documents and no other; a new article or a new item of a
// source changes the current documents of its feeds and the newest month
// the current document moved into, and no closed month. Each time the
// server forgot and rendered again what the publish named, and unchanged
// documents came out byte for byte as before.
func TestClosedMonthKeepsItsBytes(t *testing.T) {
	s := newArchiveSite()
	p, ts := archiveServer(t, s)
	ctx := context.Background()
	var forgotten []string
	p.OnStale(func(paths []string) { forgotten = append(forgotten, paths...) })
	before := atomETags(t, p, ts)

	// publish runs an edit and returns the Atom documents whose ETag
	// changed, and those the server was told to forget.
	publish := func(edit func() error) (changed, forgot []string) {
		t.Helper()
		forgotten = nil
		if err := edit(); err != nil {
			t.Fatal(err)
		}
		after := atomETags(t, p, ts)
		for path, etag := range after {
			if before[path] != etag {
				changed = append(changed, path)
			}
		}
		for _, path := range forgotten {
			if strings.HasSuffix(path, render.FormatAtom) {
				forgot = append(forgot, path)
			}
		}
		slices.Sort(changed)
		slices.Sort(forgot)
		before = after
		return changed, forgot
	}

	t.Run("edit in a closed month", func(t *testing.T) {
		it := &s.articles[20] // 1 August 2026: asia, Iran, Rania Khoury
		month := it.Published.Format("2006-01")
		feeds := []string{"/latest/", "/asia/", "/tag/iran/", "/author/rania-khoury/"}
		var want []string
		for _, dir := range feeds {
			want = append(want, dir+"archive/"+month+"/"+render.FormatAtom)
		}
		slices.Sort(want)
		changed, forgot := publish(func() error {
			it.Title = "Article 20, corrected"
			it.Updated = it.Updated.Add(time.Hour)
			return p.Publish(ctx, slices.Clone(s.articles), nil)
		})
		if !slices.Equal(changed, want) {
			t.Errorf("changed %q, want only the month of the edit %q", changed, want)
		}
		// The tag's and author's current documents are forgotten as
		// touched, though their bytes come out the same.
		wantForgot := slices.Concat(want, []string{"/author/rania-khoury/atom.xml", "/tag/iran/atom.xml"})
		slices.Sort(wantForgot)
		if !slices.Equal(forgot, wantForgot) {
			t.Errorf("the server forgot %q, want %q", forgot, wantForgot)
		}
	})

	// For a new item, a feed's current document changes, and the month
	// its oldest item moved into; so may the month that was the newest,
	// which gains a next-archive link when that month is a new one.
	newItem := func(t *testing.T, feeds []string, publishIt func() error) {
		t.Helper()
		allowed := map[string]bool{}
		newest := func() {
			for _, dir := range feeds {
				allowed[dir+render.FormatAtom] = true
				if prev := fetchPage(t, ts.URL+dir+render.FormatAtom, render.FormatAtom).prev; prev != "" {
					allowed[strings.TrimPrefix(prev, testSite.BaseURL)] = true
				}
			}
		}
		newest()
		changed, _ := publish(publishIt)
		newest()
		for _, path := range changed {
			if !allowed[path] {
				t.Errorf("%s changed", path)
			}
		}
		for _, dir := range feeds {
			if !slices.Contains(changed, dir+render.FormatAtom) {
				t.Errorf("%s did not change", dir+render.FormatAtom)
			}
		}
	}
	t.Run("new article", func(t *testing.T) {
		newItem(t, []string{"/latest/", "/middle-east/", "/tag/oil/", "/author/leila-haddad/"}, func() error {
			it := article("new", "New", 1, "middle-east")
			it.Published = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			it.Updated, it.Tags, it.Authors = it.Published, []string{"Oil"}, []item.Person{archiveAuthors[0]}
			s.articles = append([]item.Item{it}, s.articles...)
			return p.Publish(ctx, slices.Clone(s.articles), nil)
		})
	})
	t.Run("new item of a source", func(t *testing.T) {
		newItem(t, []string{"/latest/", "/asia/"}, func() error {
			it := s.wire[0]
			it.ID, it.URL, it.Title = "https://wire.example/story/new", "https://wire.example/story/new", "Wire, new"
			it.Published = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
			it.Updated = it.Published
			s.wire = append([]item.Item{it}, s.wire...)
			return p.PublishSource(ctx, "wire", slices.Clone(s.wire))
		})
	})
}

// TestRenderOnDemand: Render answers every path OnDemand lists and
// nothing else, before the first publish nothing at all.
func TestRenderOnDemand(t *testing.T) {
	p := New(Options{Site: testSite, Sections: archiveConfig, TopicLimit: archiveTopicLimit, StoreTimeout: testStoreTimeout})
	if _, ok := p.Render("/tags/"); ok {
		t.Error("Render answered before the first publish")
	}
	if err := p.Publish(context.Background(), newArchiveSite().articles, nil); err != nil {
		t.Fatal(err)
	}
	listed := slices.Collect(p.OnDemand())
	for _, want := range []string{"/tags/", "/authors/opml.xml", "/tag/iran/", "/tag/iran/feed.json", "/author/rania-khoury/atom.xml", "/asia/archive/2026-07/rss.xml", "/tag/strait-of-hormuz/archive/2026-07/"} {
		if !slices.Contains(listed, want) {
			t.Errorf("OnDemand lacks %s", want)
		}
	}
	for _, path := range listed {
		doc, ok := p.Render(path)
		if !ok || len(doc.Body) == 0 || doc.ETag == "" {
			t.Errorf("Render(%s) = %v, %d bytes", path, ok, len(doc.Body))
		}
		if _, ok := p.Documents()[path]; ok {
			t.Errorf("%s is both rendered ahead and on demand", path)
		}
	}
	for _, path := range []string{
		"/asia/atom.xml",                   // rendered ahead
		"/tag/nowhere/atom.xml",            // no such tag
		"/tag/iran/archive/2026-11/",       // every November item is current
		"/tag/iran/archive/2025-01/",       // before the first article
		"/tag/iran/page.html",              // no such format
		"/unknown/archive/2026-07/rss.xml", // no such section
		"/tags/rss.xml",
	} {
		if _, ok := p.Render(path); ok {
			t.Errorf("Render(%s) answered", path)
		}
	}
}

// TestSlugInAnotherScript: an author whose name has no Latin letters gets
// a slug in their own script, which links carry percent-encoded and the
// server answers.
func TestSlugInAnotherScript(t *testing.T) {
	s := newArchiveSite()
	s.articles[0].Authors = []item.Person{{Name: "رانيا خوري"}}
	_, ts := archiveServer(t, s)
	const escaped = "/author/%D8%B1%D8%A7%D9%86%D9%8A%D8%A7-%D8%AE%D9%88%D8%B1%D9%8A/"
	resp, err := http.Get(ts.URL + escaped + render.FormatAtom)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", escaped, resp.StatusCode)
	}
	for _, want := range []string{`href="` + testSite.BaseURL + escaped + `atom.xml" rel="self"`, "<title>Test Review: رانيا خوري</title>"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the feed lacks %s", want)
		}
	}
}
