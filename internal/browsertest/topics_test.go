package browsertest_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/browsertest"
	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/publish"
	"syndicate/internal/render"
	"syndicate/internal/server"
)

// topicItems are three articles: two tagged Iran, two by Leila Haddad.
func topicItems(base string) []item.Item {
	at := func(day int) time.Time { return time.Date(2026, 10, day, 9, 0, 0, 0, time.UTC) }
	mk := func(id, title string, day int, tags []string, authors ...item.Person) item.Item {
		return item.Item{
			ID: "tag:dispatch.example,2026-01-01:article/" + id, URL: base + "/articles/" + id + "/",
			Title: title, Summary: "About " + title, ContentHTML: "<p>" + title + "</p>",
			Sections: []string{"middle-east"}, Tags: tags, Authors: authors, Published: at(day), Updated: at(day),
		}
	}
	leila := item.Person{Name: "Leila Haddad", URL: "https://example.org/leila"}
	return []item.Item{
		mk("tankers", "Tankers idle as Gulf insurers retreat", 14, []string{"Iran", "Shipping"}, leila),
		mk("sanctions", "Sanctions fatigue sets in", 12, []string{"Iran", "Strait of Hormuz"}, item.Person{Name: "Lee Jae-myung"}),
		mk("suez", "Egypt's Suez arithmetic", 10, []string{"Egypt"}, leila, item.Person{Name: "Rania Khoury (رانيا خوري)"}),
	}
}

// topicSite publishes the articles and serves them as an instance does:
// tag and author documents rendered on their first request.
func topicSite(t *testing.T) (*httptest.Server, render.Site, []item.Item) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	site := render.Site{
		Title: "The Dispatch", BaseURL: "http://" + ts.Listener.Addr().String(), Language: "en",
		TTL: 5 * time.Minute, TagAuthority: "dispatch.example", TagDate: "2026-01-01",
	}
	items := topicItems(site.BaseURL)
	p := publish.New(publish.Options{
		Site: site, TopicLimit: 50, StoreTimeout: time.Second,
		Sections: []config.Section{{Slug: "latest", Title: "Latest", Limit: 50}, {Slug: "middle-east", Title: "Middle East", Limit: 50}},
	})
	srv := server.New(server.Options{CacheMaxAge: time.Minute, Render: p.Render, OnDemandBytes: 1 << 20})
	p.OnPublish(srv.Update)
	p.OnStale(srv.Forget)
	if err := p.Publish(context.Background(), items, nil); err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, site, items
}

// TestTopicPages loads a tag page and an author page in Chromium: each
// shows the cards of its articles, whose tag and author links lead to
// pages that exist, and advertises its three feeds.
func TestTopicPages(t *testing.T) {
	browsertest.Chromium(t)
	ts, site, items := topicSite(t)
	for _, tt := range []struct {
		name, dir, heading string
		titles             []string
		homepage           string // the author's own page, linked from theirs
	}{
		{"tag", "/tag/iran/", "Iran", []string{"Tankers idle as Gulf insurers retreat", "Sanctions fatigue sets in"}, ""},
		{"author", "/author/leila-haddad/", "Leila Haddad", []string{"Tankers idle as Gulf insurers retreat", "Egypt's Suez arithmetic"}, "https://example.org/leila"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := browsertest.Parse(t, browsertest.DumpDOM(t, ts.URL+tt.dir))
			if h1 := browsertest.Text(browsertest.One(doc, "section.intro h1")); h1 != tt.heading {
				t.Errorf("heading %q, want %q", h1, tt.heading)
			}
			if tt.homepage != "" && browsertest.One(doc, "p.homepage a[href="+tt.homepage+"]") == nil {
				t.Errorf("no link to the author's own page %s", tt.homepage)
			}

			t.Run("autodiscovery", func(t *testing.T) {
				advertised := map[string]string{}
				for _, l := range browsertest.All(doc, "head link[rel=alternate]") {
					advertised[browsertest.Attr(l, "type")] = browsertest.Attr(l, "href")
				}
				for typ, format := range feedTypes {
					want := site.BaseURL + tt.dir + format
					if advertised[typ] != want {
						t.Errorf("%s autodiscovery link %q, want %q", typ, advertised[typ], want)
						continue
					}
					getOK(t, want, typ)
				}
				var buttons []string
				for _, a := range browsertest.All(doc, "section.intro p.subscribe a.button") {
					buttons = append(buttons, browsertest.Attr(a, "href"))
				}
				for _, format := range feedTypes {
					if !slices.Contains(buttons, site.BaseURL+tt.dir+format) {
						t.Errorf("no subscribe button for %s among %q", format, buttons)
					}
				}
			})

			t.Run("cards", func(t *testing.T) {
				cards := browsertest.All(doc, "article.card")
				var titles []string
				for _, card := range cards {
					titles = append(titles, browsertest.Text(browsertest.One(card, "h3 a")))
				}
				if !slices.Equal(titles, tt.titles) {
					t.Errorf("cards %q, want %q newest first", titles, tt.titles)
				}
				for _, card := range cards {
					title := browsertest.Text(browsertest.One(card, "h3 a"))
					it := itemCalled(items, title)
					if it == nil {
						continue
					}
					if href := browsertest.Attr(browsertest.One(card, "h3 a"), "href"); href != it.URL {
						t.Errorf("%q links to %q, want %q", title, href, it.URL)
					}
					var tags, authors []string
					for _, a := range browsertest.All(card, "p.tags a.tag") {
						tags = append(tags, browsertest.Text(a))
						getOK(t, browsertest.Attr(a, "href"), "text/html")
					}
					if !slices.Equal(tags, it.Tags) {
						t.Errorf("%q shows tags %q, want %q", title, tags, it.Tags)
					}
					for _, a := range browsertest.All(card, "p.byline a.author") {
						authors = append(authors, browsertest.Text(a))
						href := browsertest.Attr(a, "href")
						if !strings.HasPrefix(href, site.BaseURL+"/author/") {
							t.Errorf("%q: author link %q is not an author page", title, href)
						}
						getOK(t, href, "text/html")
					}
					if len(authors) != len(it.Authors) {
						t.Errorf("%q links %d authors, want %d", title, len(authors), len(it.Authors))
					}
				}
			})
		})
	}

	t.Run("index of tags", func(t *testing.T) {
		doc := browsertest.Parse(t, browsertest.DumpDOM(t, ts.URL+"/tags/"))
		got := map[string]string{}
		for _, li := range browsertest.All(doc, "ul.topics li") {
			got[browsertest.Text(browsertest.One(li, "a"))] = browsertest.Text(browsertest.One(li, "span.count"))
		}
		want := map[string]string{"Egypt": "1", "Iran": "2", "Shipping": "1", "Strait of Hormuz": "1"}
		if len(got) != len(want) {
			t.Errorf("tags listed %v, want %v", got, want)
		}
		for name, n := range want {
			if got[name] != n {
				t.Errorf("tag %s listed with count %q, want %s", name, got[name], n)
			}
		}
	})
}

func itemCalled(items []item.Item, title string) *item.Item {
	for i := range items {
		if items[i].Title == title {
			return &items[i]
		}
	}
	return nil
}
