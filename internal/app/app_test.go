package app

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/conformance"
)

// upstreamRSS is a partner feed with the hostile markup a real one may
// carry, relative links, and a story the site also links.
const upstreamRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Partner Wire</title><link>https://partner.example/</link><description>Wire copy</description>
<item>
  <title>Ceasefire talks resume in Doha</title>
  <link>https://partner.example/world/doha-talks?utm_source=rss</link>
  <guid isPermaLink="false">pw-1001</guid>
  <pubDate>Mon, 02 Nov 2026 08:00:00 +0000</pubDate>
  <category>Qatar</category>
  <description><![CDATA[<p onclick="steal()">Negotiators met <a href="/world/background">again</a>.</p><script>alert(1)</script><img src="javascript:alert(2)"><iframe src="https://evil.example/x"></iframe><a href="javascript:alert(3)">click</a>]]></description>
</item>
<item>
  <title>Sponsored: luxury travel in the Gulf</title>
  <link>https://partner.example/ads/1</link>
  <guid isPermaLink="false">pw-ad</guid>
  <pubDate>Mon, 02 Nov 2026 07:00:00 +0000</pubDate>
  <description>An advertisement.</description>
</item>
</channel></rss>`

const testConfig = `
[site]
title = "Test Review"
base_url = "%[1]s"
tag_authority = "news.example"

[content]
dir = "feeds"
poll_interval = "100ms"

[[section]]
slug = "middle-east"
title = "Middle East"

[[source]]
id = "partner-wire"
url = "%[2]s/feed.xml"
interval = "1s"
sections = ["middle-east"]
exclude = ["(?i)sponsored"]
`

const testArticle = `+++
id = "gulf-ports"
title = "Gulf ports race to automate"
standfirst = "Three ports, one bet."
published = 2026-11-01T09:00:00Z
sections = ["middle-east"]
tags = ["ports"]
[[authors]]
name = "Leila Haddad"
+++
Body text.
`

func newTestApp(t *testing.T, upstream string) (*App, *httptest.Server) {
	t.Helper()
	a, front, _ := serveApp(t, "gulf-ports.md", testArticle, func(base string) string {
		return fmt.Sprintf(testConfig, base, upstream)
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return a, front
}

// serveApp writes one article into a temporary site folder, builds an
// instance from the config that configFor returns for the front server's
// base URL, starts it and serves it. It returns the site folder too.
func serveApp(t *testing.T, name, article string, configFor func(base string) string, log *slog.Logger) (*App, *httptest.Server, string) {
	t.Helper()
	return serveArticles(t, map[string]string{name: article}, configFor, log)
}

// serveArticles is serveApp with articles by file name.
func serveArticles(t *testing.T, articles map[string]string, configFor func(base string) string, log *slog.Logger) (*App, *httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "feeds"), 0o755)
	for name, article := range articles {
		os.WriteFile(filepath.Join(dir, "feeds", name), []byte(article), 0o644)
	}
	front := httptest.NewUnstartedServer(nil)
	cfg, err := config.Parse(filepath.Join(dir, "config.toml"), []byte(configFor("http://"+front.Listener.Addr().String())))
	if err != nil {
		t.Fatal(err)
	}
	a, _, cancel := startApp(t, cfg, log)
	t.Cleanup(cancel)
	front.Config.Handler = a.Handler()
	front.Start()
	t.Cleanup(front.Close)
	return a, front, dir
}

// startApp makes an App of cfg logging to log and starts it; cancel stops
// its background work (polling, watching), which the caller ties to its
// own teardown.
func startApp(t testing.TB, cfg *config.Config, log *slog.Logger) (*App, context.Context, context.CancelFunc) {
	t.Helper()
	a, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := a.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	return a, ctx, cancel
}

func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return b
}

// waitFor polls url until its body contains want.
func waitFor(t *testing.T, url, want string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b := fetch(t, url)
		if strings.Contains(string(b), want) {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never contained %q:\n%s", url, want, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAggregatedItemsInEveryFormat(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, upstreamRSS)
	}))
	defer upstream.Close()
	_, front := newTestApp(t, upstream.URL)

	rss := waitFor(t, front.URL+"/middle-east/rss.xml", "Ceasefire talks resume in Doha")
	atom := fetch(t, front.URL+"/middle-east/atom.xml")
	jsonFeed := fetch(t, front.URL+"/middle-east/feed.json")

	for name, doc := range map[string][]byte{"rss": rss, "atom": atom, "json": jsonFeed} {
		t.Run(name, func(t *testing.T) {
			text := string(doc)
			for _, bad := range []string{"<script", "onclick", "javascript:", "evil.example", "alert(1)"} {
				if strings.Contains(text, bad) || strings.Contains(text, strings.ReplaceAll(bad, "<", "&lt;")) || strings.Contains(text, strings.ReplaceAll(bad, "<", `\u003c`)) {
					t.Errorf("%s output still carries %q", name, bad)
				}
			}
			if strings.Contains(text, "Sponsored") {
				t.Errorf("%s: excluded item published", name)
			}
			if !strings.Contains(text, "https://partner.example/world/background") {
				t.Errorf("%s: relative link not resolved against the item link", name)
			}
			if !strings.Contains(text, "Gulf ports race to automate") {
				t.Errorf("%s: the site's own article is missing beside the aggregated one", name)
			}
		})
	}

	var r struct {
		Items []struct {
			Title  string `xml:"title"`
			Source struct {
				URL   string `xml:"url,attr"`
				Title string `xml:",chardata"`
			} `xml:"source"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(rss, &r); err != nil {
		t.Fatal(err)
	}
	var a struct {
		Entries []struct {
			Title  string `xml:"title"`
			Source *struct {
				ID    string `xml:"id"`
				Title string `xml:"title"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(atom, &a); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Items []struct {
			Title     string `json:"title"`
			Syndicate *struct {
				SourceID    string `json:"source_id"`
				SourceTitle string `json:"source_title"`
				SourceURL   string `json:"source_url"`
			} `json:"_syndicate"`
		} `json:"items"`
	}
	if err := json.Unmarshal(jsonFeed, &j); err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 2 || len(a.Entries) != 2 || len(j.Items) != 2 {
		t.Fatalf("items: rss %d, atom %d, json %d; want 2 each", len(r.Items), len(a.Entries), len(j.Items))
	}
	for i := range 2 {
		aggregated := r.Items[i].Title == "Ceasefire talks resume in Doha"
		if r.Items[i].Title != a.Entries[i].Title || r.Items[i].Title != j.Items[i].Title {
			t.Errorf("item %d differs across formats", i)
		}
		if aggregated {
			if r.Items[i].Source.URL != upstream.URL+"/feed.xml" || r.Items[i].Source.Title != "Partner Wire" {
				t.Errorf("rss source = %+v", r.Items[i].Source)
			}
			if a.Entries[i].Source == nil || a.Entries[i].Source.Title != "Partner Wire" || a.Entries[i].Source.ID == "" {
				t.Errorf("atom source = %+v", a.Entries[i].Source)
			}
			if s := j.Items[i].Syndicate; s == nil || s.SourceID != "partner-wire" || s.SourceTitle != "Partner Wire" || s.SourceURL != upstream.URL+"/feed.xml" {
				t.Errorf("json _syndicate = %+v", s)
			}
		} else if r.Items[i].Source.URL != "" || a.Entries[i].Source != nil || j.Items[i].Syndicate != nil {
			t.Errorf("the site's own article is attributed to a source")
		}
	}

	t.Run("conformance", func(t *testing.T) {
		conformance.W3CRules(t, front.URL+"/middle-east/rss.xml", rss, front.URL+"/middle-east/atom.xml", atom)
		conformance.Atom(t, atom)
		conformance.JSONFeed(t, jsonFeed)
	})
}

// The sample publication's feeds, every section, tag and author and every
// archive month, in every format, keep the W3C validator's rules; the
// sections' and a current and an archive document of each kind pass the
// Atom grammar and the JSON Feed schema. Limits are cut so that every
// feed has an archive.
func TestSamplePublicationConforms(t *testing.T) {
	conformance.Dir(t)
	cfg, err := config.Load("../../config.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Content.TopicLimit = 1
	for i := range cfg.Sections {
		cfg.Sections[i].Limit = 4
	}
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := a.PublishOnce(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("publish: %v %v", err, problems)
	}
	docs := maps.Clone(a.Publisher.Documents())
	var dirs []string
	for _, s := range cfg.Sections {
		dirs = append(dirs, "/"+s.Slug+"/")
	}
	for path := range a.Publisher.OnDemand() {
		if strings.HasSuffix(path, "/atom.xml") && !strings.HasPrefix(path, "/tags/") && !strings.HasPrefix(path, "/authors/") {
			dirs = append(dirs, strings.TrimSuffix(path, "atom.xml"))
		}
		if doc, ok := a.Publisher.Render(path); ok {
			docs[path] = doc
		}
	}
	// The grammars take a process each: they check the sections and the
	// first current and archive document of each kind.
	grammar := map[string]bool{}
	for _, s := range cfg.Sections {
		grammar["/"+s.Slug+"/"] = true
	}
	seen := map[string]bool{}
	for _, dir := range dirs[len(cfg.Sections):] {
		kind := "section"
		if k := strings.SplitN(dir, "/", 3)[1]; k == "tag" || k == "author" {
			kind = k
		}
		if strings.Contains(dir, "/archive/") {
			kind += " archive"
		}
		if !seen[kind] {
			seen[kind], grammar[dir] = true, true
		}
	}
	if len(seen) != 5 {
		t.Fatalf("documents rendered on demand are of kinds %v: the sample should have every kind", slices.Sorted(maps.Keys(seen)))
	}
	for _, dir := range dirs {
		t.Run(strings.Trim(dir, "/"), func(t *testing.T) {
			rss, atom, jsonFeed := docs[dir+"rss.xml"].Body, docs[dir+"atom.xml"].Body, docs[dir+"feed.json"].Body
			if len(rss) == 0 || len(atom) == 0 || len(jsonFeed) == 0 {
				t.Fatalf("missing a format")
			}
			base := cfg.Site.BaseURL + dir
			conformance.W3CRules(t, base+"rss.xml", rss, base+"atom.xml", atom)
			if grammar[dir] {
				conformance.Atom(t, atom)
				conformance.JSONFeed(t, jsonFeed)
			}
		})
	}
}
