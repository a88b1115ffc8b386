package app

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/conformance"
	"syndicate/internal/store"
)

// The fidelity suite: feeds shaped like those found in the wild (see
// testdata/fidelity), served over loopback HTTP, polled by the real poller
// into sections, and every section checked in every format for what issue
// 9 asks: no item lost, every enclosure, author and date kept, HTML that
// validates, and no warning from the W3C validator's rules, RFC 4287's
// grammar or the JSON Feed schema.

// fidelitySources are the fixtures, by source id, in config order: which
// file, served as what, into which section.
var fidelitySources = []struct {
	id, file, contentType, section string
}{
	{"harbour", "podcast.xml", "application/rss+xml", "podcasts"},
	{"dockcam", "video.xml", "application/rss+xml", "podcasts"},
	{"nightnotes", "blog.xml", "application/rss+xml", "blogs"},
	{"coastwire", "wire.xml", "application/rss+xml", "blogs"},
	{"looseends", "malformed.json", "application/feed+json", "json"},
	{"matchreports", "authors.xml", "application/rss+xml", "blogs"},
	{"sloppy", "sloppy.xml", "text/xml; charset=utf-8", "blogs"},
	{"clips", "clips.atom", "application/atom+xml", "blogs"},
	{"tides", "undated.xml", "application/rss+xml", "blogs"},
	{"odd", "odd.xml", "application/rss+xml", "blogs"},
	{"laughing", "entities.xml", "application/rss+xml", "broken"},
}

// fidelityCounts are the items each section must carry: every item of every
// feed but the one story two sources carry (kept once), the empty items
// (nothing to show) and the feed that declares entities (refused).
var fidelityCounts = map[string]int{
	"podcasts": 12 + 3,
	"blogs":    10 + 2 + 5 + 6 + 5 + 5 + 3 + 1, // the last one the site's own article
	"json":     15,
	"broken":   0,
	"latest":   1 + 15 + 36 + 15,
}

const fidelityArticle = `+++
id = "harbour-after-dark"
title = "The harbour after dark"
standfirst = "What the night shift sees."
published = 2026-11-18T08:00:00Z
sections = ["blogs"]
[[authors]]
name = "Leila Haddad"
+++
Body text.
`

func fidelityConfig(base, upstream string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
[site]
title = "Fidelity Review"
base_url = %q
tag_authority = "fidelity.example"

[podcast]
email = "podcasts@fidelity.example"
category = "News"

[content]
dir = "feeds"
`, base)
	for _, s := range []string{"podcasts", "blogs", "json", "broken", "latest"} {
		fmt.Fprintf(&b, "\n[[section]]\nslug = %q\ntitle = %q\nlimit = 500\n", s, strings.ToUpper(s[:1])+s[1:])
	}
	for _, s := range fidelitySources {
		fmt.Fprintf(&b, "\n[[source]]\nid = %q\nurl = \"%s/%s\"\ninterval = \"1h\"\nsections = [%q]\n", s.id, upstream, s.file, s.section)
	}
	return b.String()
}

// startFidelity serves the fixtures, starts an instance polling them and
// waits until every source has been polled and published.
func startFidelity(t *testing.T) (*App, *httptest.Server) {
	t.Helper()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, s := range fidelitySources {
			if r.URL.Path == "/"+s.file {
				body, err := os.ReadFile(filepath.Join("testdata", "fidelity", s.file))
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				w.Header().Set("Content-Type", s.contentType)
				w.Write(body)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(upstream.Close)

	a, front, _ := serveApp(t, "harbour-after-dark.md", fidelityArticle, func(base string) string {
		return fidelityConfig(base, upstream.URL)
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))

	deadline := time.Now().Add(30 * time.Second)
	for {
		polled := 0
		for _, s := range fidelitySources {
			if st, err := a.Store.SourceState(context.Background(), s.id); err == nil && !st.LastFetch.IsZero() {
				polled++
			}
		}
		if polled == len(fidelitySources) && countItems(t, fetch(t, front.URL+"/latest/feed.json")) == fidelityCounts["latest"] {
			return a, front
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s, %d of %d sources polled and latest holds %d items, want %d",
				polled, len(fidelitySources), countItems(t, fetch(t, front.URL+"/latest/feed.json")), fidelityCounts["latest"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countItems(t *testing.T, jsonFeed []byte) int {
	t.Helper()
	var f struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(jsonFeed, &f); err != nil {
		t.Fatalf("feed.json: %v", err)
	}
	return len(f.Items)
}

// fidelityDoc is what the suite reads of a section in each format.
type fidelityDoc struct {
	rss struct {
		Channel struct {
			Items []struct {
				Title       string   `xml:"title"`
				Link        string   `xml:"link"`
				GUID        string   `xml:"guid"`
				Description *string  `xml:"description"`
				Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
				Creators    []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
				Enclosures  []struct {
					URL    string `xml:"url,attr"`
					Length string `xml:"length,attr"`
					Type   string `xml:"type,attr"`
				} `xml:"enclosure"`
				Media []struct {
					URL    string `xml:"url,attr"`
					Medium string `xml:"medium,attr"`
				} `xml:"http://search.yahoo.com/mrss/ content"`
				Duration string `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd duration"`
				Episode  string `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd episode"`
				Explicit string `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd explicit"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	atom struct {
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Summary string `xml:"summary"`
			Content string `xml:"content"`
			Authors []struct {
				Name  string `xml:"name"`
				Email string `xml:"email"`
			} `xml:"author"`
			Links []struct {
				Href string `xml:"href,attr"`
				Rel  string `xml:"rel,attr"`
				Type string `xml:"type,attr"`
			} `xml:"link"`
			Source struct {
				ID string `xml:"id"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	json struct {
		Items []struct {
			Title       string   `json:"title"`
			ContentHTML string   `json:"content_html"`
			Tags        []string `json:"tags"`
			Attachments []struct {
				URL      string `json:"url"`
				MIMEType string `json:"mime_type"`
				Size     int64  `json:"size_in_bytes"`
			} `json:"attachments"`
		} `json:"items"`
	}
	raw map[string][]byte // by format
}

func readSection(t *testing.T, front, slug string) *fidelityDoc {
	t.Helper()
	d := &fidelityDoc{raw: map[string][]byte{}}
	for _, format := range []string{"rss.xml", "atom.xml", "feed.json"} {
		d.raw[format] = fetch(t, front+"/"+slug+"/"+format)
	}
	if err := xml.Unmarshal(d.raw["rss.xml"], &d.rss); err != nil {
		t.Fatalf("%s rss: %v", slug, err)
	}
	if err := xml.Unmarshal(d.raw["atom.xml"], &d.atom); err != nil {
		t.Fatalf("%s atom: %v", slug, err)
	}
	if err := json.Unmarshal(d.raw["feed.json"], &d.json); err != nil {
		t.Fatalf("%s json: %v", slug, err)
	}
	return d
}

func TestFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("polls eleven feeds through a whole instance")
	}
	a, front := startFidelity(t)
	sections := map[string]*fidelityDoc{}
	for slug := range fidelityCounts {
		sections[slug] = readSection(t, front.URL, slug)
	}

	t.Run("no item lost", func(t *testing.T) {
		for slug, want := range fidelityCounts {
			d := sections[slug]
			if n, m, k := len(d.rss.Channel.Items), len(d.atom.Entries), len(d.json.Items); n != want || m != want || k != want {
				t.Errorf("%s: rss %d, atom %d, json %d items; want %d", slug, n, m, k, want)
			}
		}
		blogs := sections["blogs"]
		var notes, wire []string
		for _, it := range blogs.rss.Channel.Items {
			switch {
			case strings.HasPrefix(it.Link, "https://nightnotes.example/2026/11/26.html#a"):
				notes = append(notes, it.Link)
			case strings.Contains(it.Title, "wire"):
				wire = append(wire, it.Title)
			}
		}
		if len(notes) != 10 {
			t.Errorf("%d of Night Notes' 10 posts, whose links differ only in their fragment: %q", len(notes), notes)
		}
		if !slices.Equal(wire, []string{"A show on the wire"}) {
			t.Errorf("wire items %q: the one that repeats a Night Notes post goes, the one linking to a shared home page stays", wire)
		}
	})

	t.Run("podcast", func(t *testing.T) {
		for _, it := range sections["podcasts"].rss.Channel.Items {
			if !strings.HasPrefix(it.Title, "Episode ") {
				continue
			}
			if len(it.Enclosures) != 1 || it.Enclosures[0].Type != "audio/mpeg" || !strings.HasSuffix(it.Enclosures[0].URL, ".mp3") || it.Enclosures[0].Length < "55000000" {
				t.Errorf("%s: enclosures %+v, want the episode's audio", it.Title, it.Enclosures)
			}
			if it.Duration == "" || it.Episode == "" || (it.Explicit != "true" && it.Explicit != "false") {
				t.Errorf("%s: itunes duration %q, episode %q, explicit %q", it.Title, it.Duration, it.Episode, it.Explicit)
			}
			// The chapters (podcast:chapters, psc:chapters) are no enclosure.
			if len(it.Media) != 1 || it.Media[0].Medium != "image" || !strings.HasSuffix(it.Media[0].URL, ".jpg") {
				t.Errorf("%s: media:content %+v, want the episode's artwork", it.Title, it.Media)
			}
		}
		rss := string(sections["podcasts"].raw["rss.xml"])
		for _, want := range []string{`<itunes:category text="News">`, `<itunes:email>podcasts@fidelity.example</itunes:email>`, `<itunes:duration>3723</itunes:duration>`} {
			if !strings.Contains(rss, want) {
				t.Errorf("podcasts RSS lacks %s", want)
			}
		}
		for _, it := range sections["podcasts"].json.Items {
			if strings.HasPrefix(it.Title, "Episode ") && (len(it.Attachments) != 2 || it.Attachments[1].MIMEType != "audio/mpeg" || it.Attachments[1].Size < 55000000) {
				t.Errorf("%s: attachments %+v, want artwork and audio", it.Title, it.Attachments)
			}
		}
	})

	t.Run("video", func(t *testing.T) {
		for _, e := range sections["podcasts"].atom.Entries {
			if e.Title != "Cranes at first light" {
				continue
			}
			var enc []string
			for _, l := range e.Links {
				if l.Rel == "enclosure" {
					enc = append(enc, l.Href)
				}
			}
			want := []string{"https://cdn.dockcam.example/cranes.jpg", "https://cdn.dockcam.example/cranes.vtt",
				"https://cdn.dockcam.example/cranes-1080.mp4", "https://cdn.dockcam.example/cranes-480.mp4"}
			if !slices.Equal(enc, want) {
				t.Errorf("enclosure links %q, want %q", enc, want)
			}
		}
	})

	t.Run("authors", func(t *testing.T) {
		got := map[string][]string{}
		for _, e := range sections["blogs"].atom.Entries {
			for _, p := range e.Authors {
				got[e.Title] = append(got[e.Title], p.Name+" "+p.Email)
			}
		}
		want := map[string][]string{
			"Live: the cup final, minute by minute": {"Nick Ames (now) ", "Ed Aarons ", "Ben Fisher (earlier) "},
			"A name and an address":                 {"Jane Doe jane.doe@matchreports.example"},
			"Guidance on stadium safety":            {"Department for Culture, Media and Sport "},
			"Overnight desk":                        {"Overnight Desk desk@matchreports.example"},
		}
		for title, w := range want {
			if !slices.Equal(got[title], w) {
				t.Errorf("%s: authors %q, want %q", title, got[title], w)
			}
		}
		if long := got["Twelve reporters, one election night"]; len(long) != 12 || long[11] != "Eva Benkova " {
			t.Errorf("the long byline: %q, want twelve whole names", long)
		}
	})

	t.Run("html", func(t *testing.T) {
		for slug, d := range sections {
			for _, body := range [][]byte{d.raw["rss.xml"], d.raw["atom.xml"], d.raw["feed.json"]} {
				if strings.Contains(string(body), "<iframe") || strings.Contains(string(body), "&lt;iframe") {
					t.Errorf("%s: an iframe in a feed", slug)
				}
			}
		}
		contents := map[string]string{}
		for _, it := range sections["blogs"].json.Items {
			contents[it.Title] = it.ContentHTML
		}
		for title, want := range map[string]string{
			"A YouTube embed": `<a href="https://www.youtube.com/watch?v=tOuR_2026-x" rel="nofollow noopener noreferrer">Harbour tour by boat</a>`,
			"A Vimeo embed, scheme-relative, inside a link": `<a href="https://clips.example/films" rel="nofollow noopener noreferrer">Films: https://vimeo.com/76979871</a></p><a href="https://vimeo.com/76979872"`,
			"A privacy-enhanced embed":                      `<a href="https://www.youtube.com/watch?v=n0c00kie"`,
			"Embeds that are refused":                       `<p>Kept text.</p>`,
			"A self-closed iframe in the summary":           `<a href="https://www.youtube.com/watch?v=sl0ppy5" rel="nofollow noopener noreferrer">https://www.youtube.com/watch?v=sl0ppy5</a><p>Then read on.</p>`,
			"Unclosed lists":                                `<ul><li>one</li><li>two<ul><li>nested</li></ul></li><li>three<ol><li>four</li></ol></li></ul>`,
		} {
			if !strings.Contains(contents[title], want) {
				t.Errorf("%s: content lacks %s:\n%s", title, want, contents[title])
			}
		}
		if c := contents["Embeds that are refused"]; strings.Contains(c, "evil") || strings.Contains(c, "plainhttp") || strings.Contains(c, "fallback") {
			t.Errorf("a refused embed left a trace: %s", c)
		}
		for _, it := range sections["blogs"].rss.Channel.Items {
			if it.Title == "A self-closed iframe in the summary" && (it.Description == nil || *it.Description != "Watch this: Then read on.") {
				t.Errorf("summary after a self-closed iframe: %v", it.Description)
			}
		}
	})

	t.Run("dates", func(t *testing.T) {
		var tides []time.Time
		for _, e := range sections["blogs"].atom.Entries {
			if strings.HasPrefix(e.Title, "High water, ") {
				u, err := time.Parse(time.RFC3339, e.Updated)
				if err != nil {
					t.Fatal(err)
				}
				tides = append(tides, u)
			}
		}
		// Newest first, so in the feed's own order, a second apart.
		if len(tides) != 5 {
			t.Fatalf("%d undated items", len(tides))
		}
		for i := 1; i < len(tides); i++ {
			if d := tides[i-1].Sub(tides[i]); d != time.Second {
				t.Errorf("undated items %d and %d are %v apart, want 1s", i-1, i, d)
			}
		}
		if time.Since(tides[0]) > time.Minute || time.Since(tides[0]) < -time.Minute {
			t.Errorf("first seen %v, want about now", tides[0])
		}
	})

	t.Run("empty items", func(t *testing.T) {
		for _, e := range sections["blogs"].atom.Entries {
			if e.Title == "Only a title" && e.Summary != "Only a title" {
				t.Errorf("summary %q, want the title", e.Summary)
			}
		}
		for _, it := range sections["blogs"].rss.Channel.Items {
			if it.Title == "Only a title" && it.Description != nil {
				t.Errorf("an empty description: %q", *it.Description)
			}
		}
	})

	t.Run("source ids", func(t *testing.T) {
		for _, e := range sections["blogs"].atom.Entries {
			if strings.HasPrefix(e.Title, "Note at ") && e.Source.ID != "https://nightnotes.example/" {
				t.Errorf("%s: source id %q, want the home page in canonical form", e.Title, e.Source.ID)
			}
			if e.Title == "A YouTube embed" && e.Source.ID != "tag:clips.example,2026:feed" {
				t.Errorf("source id %q, want the upstream's own Atom id", e.Source.ID)
			}
		}
	})

	t.Run("health", func(t *testing.T) {
		ctx := context.Background()
		state := func(id string) store.SourceState {
			st, err := a.Store.SourceState(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		if st := state("looseends"); st.Status != store.StatusOK || st.Items != 15 || st.Warnings < 14 {
			t.Errorf("looseends: status %s, items %d, warnings %d; want ok, 15 and one or more per malformed field", st.Status, st.Items, st.Warnings)
		}
		if st := state("odd"); st.Warnings != 2 {
			t.Errorf("odd: warnings %d, want the two empty items", st.Warnings)
		}
		if st := state("laughing"); st.Status != store.StatusError || !strings.Contains(st.LastError, "entity declarations are not accepted") {
			t.Errorf("laughing: status %s, error %q", st.Status, st.LastError)
		}
		if st := state("harbour"); st.Warnings != 0 {
			t.Errorf("harbour: %d warnings for a sound feed", st.Warnings)
		}
	})

	t.Run("conformance", func(t *testing.T) {
		for slug, d := range sections {
			t.Run(slug, func(t *testing.T) {
				page := a.Config.Site.BaseURL + "/" + slug + "/"
				conformance.W3CRules(t, page+"rss.xml", d.raw["rss.xml"], page+"atom.xml", d.raw["atom.xml"])
				conformance.Atom(t, d.raw["atom.xml"])
				conformance.JSONFeed(t, d.raw["feed.json"])
			})
		}
	})
}
