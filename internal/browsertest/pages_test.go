package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"syndicate/internal/document"
	"testing"
	"time"

	"syndicate/internal/browsertest"
	"syndicate/internal/item"
	"syndicate/internal/render"
)

var feedTypes = map[string]string{
	"application/rss+xml":   "rss.xml",
	"application/atom+xml":  "atom.xml",
	"application/feed+json": "feed.json",
}

// TestReaderPages loads the index and a section page in Chromium and checks
// what a reader and a feed reader's autodiscovery see.
func TestReaderPages(t *testing.T) {
	browsertest.Chromium(t)
	srv, site, sections := readerSite(t)

	for _, tt := range []struct {
		name    string
		path    string
		section string // whose feeds the page advertises in full
		current string // nav entry marked as the current page
		titles  []string
	}{
		{"index", "/", "latest", "", []string{"Tankers idle as Gulf insurers retreat", "Jakarta bets on nickel", "Why the grid matters"}},
		{"section", "/asia/", "asia", "asia", []string{"Jakarta bets on nickel", "Why the grid matters"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := browsertest.Parse(t, browsertest.DumpDOM(t, srv.URL+tt.path))

			t.Run("autodiscovery", func(t *testing.T) {
				advertised := map[string]string{} // type -> href of tt.section's feed
				for _, l := range browsertest.All(doc, "head link[rel=alternate]") {
					typ, href := browsertest.Attr(l, "type"), browsertest.Attr(l, "href")
					format, ok := feedTypes[typ]
					if !ok {
						t.Errorf("alternate link of unexpected type %q", typ)
						continue
					}
					u, err := url.Parse(href)
					if err != nil || !u.IsAbs() || u.Host != strings.TrimPrefix(site.BaseURL, "http://") {
						t.Errorf("alternate link %q is not an absolute URL under %s", href, site.BaseURL)
					}
					if !strings.HasSuffix(href, "/"+format) {
						t.Errorf("%s link %q does not end in /%s", typ, href, format)
					}
					if strings.HasPrefix(href, site.BaseURL+"/"+tt.section+"/") {
						advertised[typ] = href
					}
					getOK(t, href, typ)
				}
				for typ, format := range feedTypes {
					if want := site.BaseURL + "/" + tt.section + "/" + format; advertised[typ] != want {
						t.Errorf("no %s autodiscovery link to %s (have %q)", typ, want, advertised[typ])
					}
				}
			})

			t.Run("nav", func(t *testing.T) {
				links := browsertest.All(doc, "header.masthead nav a")
				if len(links) != len(sections) {
					t.Fatalf("%d nav links, want one per section (%d)", len(links), len(sections))
				}
				for i, a := range links {
					sec := sections[i]
					if got := browsertest.Text(a); got != sec.Title {
						t.Errorf("nav link %d reads %q, want %q", i, got, sec.Title)
					}
					if href := browsertest.Attr(a, "href"); href != site.BaseURL+"/"+sec.Slug+"/" {
						t.Errorf("nav link to %s is %q", sec.Slug, href)
					}
					if current := browsertest.Attr(a, "aria-current") == "page"; current != (sec.Slug == tt.current) {
						t.Errorf("nav link to %s: aria-current=page is %v", sec.Slug, current)
					}
				}
			})

			t.Run("items", func(t *testing.T) {
				var titles []string
				for _, a := range browsertest.All(doc, "article.card h3 a") {
					titles = append(titles, browsertest.Text(a))
				}
				for _, want := range tt.titles {
					if !slices.Contains(titles, want) {
						t.Errorf("item %q missing; cards: %q", want, titles)
					}
				}
				for _, card := range browsertest.All(doc, "article.card") {
					title := browsertest.Text(browsertest.One(card, "h3"))
					byline := browsertest.One(card, "p.byline")
					if byline == nil {
						t.Errorf("%q has no byline", title)
						continue
					}
					if browsertest.One(byline, "time[datetime]") == nil {
						t.Errorf("%q: byline %q has no <time datetime>", title, browsertest.Text(byline))
					}
					it := itemTitled(title)
					if it == nil {
						t.Errorf("card for unknown item %q", title)
						continue
					}
					for _, a := range it.Authors {
						if !strings.Contains(browsertest.Text(byline), a.Name) {
							t.Errorf("%q: byline %q lacks %s", title, browsertest.Text(byline), a.Name)
						}
					}
					if it.Origin != nil && !strings.Contains(browsertest.Text(byline), "via "+it.Origin.Title) {
						t.Errorf("%q: aggregated item's byline %q does not credit %s", title, browsertest.Text(byline), it.Origin.Title)
					}
					img := browsertest.One(card, "figure img")
					if (img != nil) != (it.Image != nil) {
						t.Errorf("%q: image shown %v, item has one %v", title, img != nil, it.Image != nil)
						continue
					}
					if img == nil {
						continue
					}
					if src := browsertest.Attr(img, "src"); src != it.Image.URL {
						t.Errorf("%q: img src %q, want %q", title, src, it.Image.URL)
					}
					if alt := browsertest.Attr(img, "alt"); alt != it.Image.Caption {
						t.Errorf("%q: img alt %q, want the caption %q", title, alt, it.Image.Caption)
					}
					if credit := browsertest.Text(browsertest.One(card, "figure figcaption")); credit != it.Image.Credit {
						t.Errorf("%q: image credit %q, want %q", title, credit, it.Image.Credit)
					}
				}
			})

			t.Run("subscribe", func(t *testing.T) {
				sub := browsertest.One(doc, "section.intro p.subscribe")
				if sub == nil {
					t.Fatal("no subscribe buttons in the page intro")
				}
				want := map[string]string{
					"RSS":       site.BaseURL + "/" + tt.section + "/rss.xml",
					"Atom":      site.BaseURL + "/" + tt.section + "/atom.xml",
					"JSON Feed": site.BaseURL + "/" + tt.section + "/feed.json",
					"OPML":      site.BaseURL + "/opml.xml",
				}
				got := map[string]string{}
				for _, a := range browsertest.All(sub, "a.button") {
					got[browsertest.Text(a)] = browsertest.Attr(a, "href")
				}
				for label, href := range want {
					if got[label] != href {
						t.Errorf("subscribe button %q links to %q, want %q", label, got[label], href)
					}
				}
			})
		})
	}

	t.Run("screenshot", func(t *testing.T) {
		for _, width := range []int{1280, 390} {
			path := filepath.Join(t.TempDir(), "index.png")
			browsertest.Screenshot(t, srv.URL+"/", path, width, 900)
			t.Logf("index at %dpx: %s", width, path)
		}
	})
}

var published = time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC)

var readerItems = []*item.Item{
	{
		ID: "gulf-shipping-insurance", Title: "Tankers idle as Gulf insurers retreat",
		Summary:   "War-risk premiums have tripled since spring.",
		Authors:   []item.Person{{Name: "Leila Haddad", URL: "https://example.org/leila"}},
		Sections:  []string{"middle-east"},
		Image:     &item.Image{Caption: "A tanker at anchor off Fujairah", Credit: "Photo: Example Agency", Type: "image/jpeg"},
		Published: published, Updated: published,
	},
	{
		ID: "jakarta-nickel", Title: "Jakarta bets on nickel",
		Authors:   []item.Person{{Name: "Arif Santoso"}, {Name: "Mei Lin"}},
		Sections:  []string{"asia"},
		Image:     &item.Image{Caption: "A smelter in Sulawesi", Credit: "Photo: Example Wire"},
		Published: published.Add(-time.Hour), Updated: published.Add(-time.Hour),
	},
	{
		ID: "grid-explainer", Title: "Why the grid matters",
		URL: "https://partner.example/grid", Sections: []string{"asia"},
		Authors:   []item.Person{{Name: "Partner Desk"}},
		Origin:    &item.Origin{SourceID: "partner", Title: "Partner Review", FeedURL: "https://partner.example/feed.xml", HomeURL: "https://partner.example/"},
		Published: published.Add(-2 * time.Hour), Updated: published.Add(-2 * time.Hour),
	},
}

func itemTitled(title string) *item.Item {
	for _, it := range readerItems {
		if it.Title == title {
			return it
		}
	}
	return nil
}

// readerSite serves the index, a section page, every section's feeds and
// the stylesheet, rendered for the test server's own URL so that every
// absolute link in them points back at it.
func readerSite(t *testing.T) (*httptest.Server, render.Site, []render.Section) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	site := render.Site{
		Title: "The Dispatch", BaseURL: "http://" + srv.Listener.Addr().String(), Language: "en",
		TTL: 5 * time.Minute, TagAuthority: "dispatch.example", TagDate: "2026-01-01",
	}
	for _, it := range readerItems {
		if it.URL == "" {
			it.URL = site.BaseURL + "/articles/" + it.ID + "/"
		}
		if it.Image != nil && it.Image.URL == "" {
			it.Image.URL = site.BaseURL + "/media/" + it.ID + ".jpg"
		}
	}
	sections := []render.Section{
		{Slug: "latest", Title: "Latest", Items: readerItems},
		{Slug: "middle-east", Title: "Middle East", Description: "The Gulf, the Levant and beyond."},
		{Slug: "asia", Title: "Asia"},
	}
	for _, it := range readerItems {
		for i := range sections {
			if slices.Contains(it.Sections, sections[i].Slug) {
				sections[i].Items = append(sections[i].Items, it)
			}
		}
	}

	docs := map[string]document.Document{"/static/style.css": render.Stylesheet()}
	index, err := render.IndexPage(site, sections)
	if err != nil {
		t.Fatal(err)
	}
	docs["/"] = index
	for _, sec := range sections {
		page, err := render.SectionPage(site, sections, sec)
		if err != nil {
			t.Fatal(err)
		}
		docs["/"+sec.Slug+"/"] = page
		feeds, err := render.Feeds(site, sec)
		if err != nil {
			t.Fatal(err)
		}
		for format, d := range feeds {
			docs["/"+sec.Slug+"/"+format] = d
		}
	}
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", d.ContentType)
		w.Write(d.Body)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, site, sections
}

// getOK checks that an advertised feed exists and has the advertised type.
func getOK(t *testing.T, href, typ string) {
	t.Helper()
	resp, err := http.Get(href)
	if err != nil {
		t.Errorf("GET %s: %v", href, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), typ) {
		t.Errorf("GET %s: %s, Content-Type %q; want 200 %s", href, resp.Status, resp.Header.Get("Content-Type"), typ)
	}
}
