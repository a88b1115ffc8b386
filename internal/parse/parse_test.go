package parse

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"syndicate/internal/charset"
	"syndicate/internal/item"
)

// t0 is the fake "now" of the tests: after every fixture's dates.
var t0 = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const rel = `rel="nofollow noopener noreferrer"`

// items are a feed's entries with their content sanitized, as the poller
// keeps them.
func items(f *Feed) []item.Item {
	var out []item.Item
	for _, e := range f.Entries {
		it := e.Item
		it.ContentHTML = e.Content.HTML()
		out = append(out, it)
	}
	return out
}

func TestFormats(t *testing.T) {
	tests := []struct {
		fixture string
		o       Options
		feed    Feed // all but Entries
		want    []item.Item
	}{
		{
			fixture: "rss2.xml",
			o:       Options{SourceID: "wire", URL: "https://wire.example/feeds/gulf.xml", Now: t0},
			feed:    Feed{Title: "Harbour Wire & Co: Gulf", ID: "https://wire.example/gulf/", Home: "https://wire.example/gulf/", TTL: 30 * time.Minute},
			want: []item.Item{{
				ID:          "wire/wire-1001",
				URL:         "https://wire.example/gulf/2026/10/premiums",
				Title:       "Insurers raise war-risk premiums for tankers",
				Summary:     "Lloyd's underwriters doubled rates.",
				ContentHTML: `<p>Underwriters in London doubled the <a href="https://wire.example/gulf/glossary#war-risk" ` + rel + `>war-risk</a> premium.</p><p><img src="https://wire.example/gulf/2026/10/img/chart.png" alt="Premiums chart"/></p>`,
				Authors:     []item.Person{{Name: "Amira Haddad"}},
				Tags:        []string{"Shipping", "Insurance"},
				Image:       &item.Image{URL: "https://cdn.wire.example/img/tanker.jpg", Type: "image/jpeg", Length: 48213},
				Published:   date("2026-10-13T07:30:00Z"),
				Updated:     date("2026-10-13T07:30:00Z"),
			}, {
				ID:          "https://wire.example/gulf/2026/10/escorts",
				URL:         "https://wire.example/gulf/2026/10/escorts",
				Title:       "Naval escorts resume in the strait",
				Summary:     "Escorts resumed on Monday after a two-week pause.",
				ContentHTML: "Escorts resumed on Monday after a two-week pause.",
				Authors:     []item.Person{{Name: "Night Desk", Email: "desk@wire.example"}},
				Published:   date("2026-10-12T18:00:00Z"),
				Updated:     date("2026-10-12T18:00:00Z"),
			}, {
				ID:          "wire/" + item.HashID("Briefing note", "A note with neither link nor guid nor date."),
				Title:       "Briefing note",
				Summary:     "A note with neither link nor guid nor date.",
				ContentHTML: "A note with neither link nor guid nor date.",
				Published:   t0.Add(-2 * time.Second), // first seen, staggered by position
				Updated:     t0.Add(-2 * time.Second),
			}},
		},
		{
			fixture: "rss1.xml",
			o:       Options{SourceID: "archive", URL: "https://archive.example/rdf", Now: t0},
			feed:    Feed{Title: "Treaty Archive", ID: "https://archive.example/", Home: "https://archive.example/"},
			want: []item.Item{{
				ID:          "https://archive.example/treaties/1982-unclos",
				URL:         "https://archive.example/treaties/1982-unclos",
				Title:       "Law of the Sea Convention",
				Summary:     "Full text with annexes.",
				ContentHTML: "Full text with annexes.",
				Authors:     []item.Person{{Name: "Archive Staff"}},
				Tags:        []string{"Maritime law"},
				Published:   date("2026-09-30T08:00:00Z"),
				Updated:     date("2026-09-30T08:00:00Z"),
			}, {
				ID:          "https://archive.example/treaties/1971-seabed",
				URL:         "https://archive.example/treaties/1971-seabed",
				Title:       "Seabed Arms Control Treaty",
				Summary:     "Scanned original.",
				ContentHTML: "Scanned original.",
				Published:   date("2026-09-29T08:00:00Z"),
				Updated:     date("2026-09-29T08:00:00Z"),
			}},
		},
		{
			fixture: "atom10.xml",
			o:       Options{SourceID: "monitor", URL: "https://monitor.example/atom.xml", Now: t0},
			feed:    Feed{Title: "Sanctions Monitor", ID: "urn:uuid:5b1f0c2e-7a51-4c1e-9d1e-2f3a4b5c6d7e", Home: "https://monitor.example/", Self: "https://monitor.example/atom.xml"},
			want: []item.Item{{
				ID:          "tag:monitor.example,2026:entry-77",
				URL:         "https://monitor.example/2026/10/listings",
				Title:       "New listings under the maritime regime",
				Summary:     "Eleven vessels were added.",
				ContentHTML: `<p>Eleven vessels were added to the list, see <a href="https://monitor.example/lists/maritime" ` + rel + `>the list</a>.</p>`,
				Authors:     []item.Person{{Name: "Jonas Berg", Email: "jonas@monitor.example", URL: "https://monitor.example/people/jonas"}},
				Tags:        []string{"Sanctions", "shipping"},
				Published:   date("2026-10-14T10:00:00Z"),
				Updated:     date("2026-10-14T11:15:00Z"),
			}, {
				ID:          "monitor/entry-78",
				URL:         "https://monitor.example/2026/10/plain",
				Title:       "Plain text entry",
				Summary:     `Tariffs < 5% stay; "quotas" & licences go.`,
				ContentHTML: `<p>Tariffs &lt; 5% stay; &#34;quotas&#34; &amp; licences go.</p>`,
				Authors:     []item.Person{{Name: "Monitor Desk", URL: "https://monitor.example/desk"}},
				Published:   date("2026-10-13T09:00:00Z"),
				Updated:     date("2026-10-13T09:00:00Z"),
			}},
		},
		{
			fixture: "atom03.xml",
			o:       Options{SourceID: "embassy", URL: "https://embassy.example/atom.xml", Now: t0},
			feed:    Feed{Title: "Old Embassy Blog", ID: "https://embassy.example/", Home: "https://embassy.example/"},
			want: []item.Item{{
				ID:          "tag:embassy.example,2026:hours",
				URL:         "https://embassy.example/2026/10/hours",
				Title:       "Consular hours change",
				Summary:     "From Monday the consular section opens at 9:00.",
				ContentHTML: `<p>From Monday the consular section opens at <strong>9:00</strong>.</p>`,
				Authors:     []item.Person{{Name: "Press Office"}},
				Published:   date("2026-10-01T09:00:00Z"),
				Updated:     date("2026-10-01T10:00:00Z"),
			}},
		},
		{
			fixture: "feed.json",
			o:       Options{SourceID: "aid", URL: "https://aid.example/feed.json", Now: t0},
			feed:    Feed{Title: "Aid Flows", ID: "https://aid.example/feed.json", Home: "https://aid.example/", Self: "https://aid.example/feed.json"},
			want: []item.Item{{
				ID:          "aid/2291",
				URL:         "https://aid.example/2026/10/pledges",
				Title:       "Donors pledge $2bn",
				Summary:     "A conference in Geneva raised $2bn.",
				ContentHTML: `<p>Pledges came from <a href="https://aid.example/donors" ` + rel + `>31 donors</a>.</p>`,
				Authors:     []item.Person{{Name: "Lena Ortiz", URL: "https://aid.example/people/lena"}},
				Tags:        []string{"aid", "Geneva"},
				Image:       &item.Image{URL: "https://aid.example/img/geneva.jpg"},
				Published:   date("2026-10-10T13:00:00Z"),
				Updated:     date("2026-10-11T07:00:00Z"),
			}, {
				ID:          "https://aid.example/2026/10/note",
				URL:         "https://aid.example/2026/10/note",
				Title:       "Short note. Second paragraph with <angle> brackets & an ampersand.",
				Summary:     "Short note. Second paragraph with <angle> brackets & an ampersand.",
				ContentHTML: `<p>Short note.</p><p>Second paragraph with &lt;angle&gt; brackets &amp; an ampersand.</p>`,
				Authors:     []item.Person{{Name: "Aid Flows Team", URL: "https://aid.example/team"}},
				Published:   date("2026-10-09T08:00:00Z"),
				Updated:     date("2026-10-09T08:00:00Z"),
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f, err := Parse(fixture(t, tt.fixture), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			got := items(f)
			f.Entries = nil
			if !reflect.DeepEqual(*f, tt.feed) {
				t.Errorf("feed %+v, want %+v", *f, tt.feed)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d items, want %d:\n%+v", len(got), len(tt.want), got)
			}
			for i := range tt.want {
				if !reflect.DeepEqual(got[i], tt.want[i]) {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestDedupWithinFeed(t *testing.T) {
	doc := []byte(`<rss version="2.0"><channel><title>t</title>
<item><guid>a</guid><title>First A</title></item>
<item><guid>b</guid><title>B</title></item>
<item><guid>a</guid><title>Second A</title></item>
</channel></rss>`)
	f, err := Parse(doc, Options{SourceID: "s", URL: "https://s.example/feed", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range f.Entries {
		got = append(got, e.Item.ID+" "+e.Item.Title)
	}
	if want := []string{"s/a First A", "s/b B"}; !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
}

func TestDates(t *testing.T) {
	const (
		past   = "Mon, 12 Oct 2026 09:00:00 GMT"
		later  = "Tue, 13 Oct 2026 09:00:00 GMT"
		future = "Mon, 01 Jan 2035 00:00:00 GMT"
	)
	earlier := t0.Add(-24 * time.Hour)
	tests := []struct {
		name      string
		pub, upd  string // RFC 1123; "" leaves the element out
		prev      *item.Item
		wantPub   time.Time
		wantUpd   time.Time
		wantDated bool
	}{
		{"dated", past, "", nil, date("2026-10-12T09:00:00Z"), date("2026-10-12T09:00:00Z"), true},
		{"updated later", past, later, nil, date("2026-10-12T09:00:00Z"), date("2026-10-13T09:00:00Z"), true},
		{"updated only", "", later, nil, date("2026-10-13T09:00:00Z"), date("2026-10-13T09:00:00Z"), true},
		{"undated: first seen now", "", "", nil, t0, t0, false},
		{"undated: first seen before", "", "", &item.Item{Published: earlier, Updated: earlier}, earlier, earlier, false},
		{"future: clamped to now", future, "", nil, t0, t0, true},
		{"future: stays where first clamped", future, "", &item.Item{Published: earlier, Updated: earlier}, earlier, earlier, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title><item><guid>x</guid><title>x</title>`
			if tt.pub != "" {
				doc += "<pubDate>" + tt.pub + "</pubDate>"
			}
			if tt.upd != "" {
				doc += "<atom:updated>" + tt.upd + "</atom:updated>"
			}
			doc += "</item></channel></rss>"
			f, err := Parse([]byte(doc), Options{SourceID: "s", Now: t0, Prev: map[string]*item.Item{"s/x": tt.prev}})
			if err != nil {
				t.Fatal(err)
			}
			e := f.Entries[0]
			if !e.Item.Published.Equal(tt.wantPub) || !e.Item.Updated.Equal(tt.wantUpd) || e.Dated != tt.wantDated {
				t.Errorf("published %v, updated %v, dated %v; want %v, %v, %v",
					e.Item.Published, e.Item.Updated, e.Dated, tt.wantPub, tt.wantUpd, tt.wantDated)
			}
		})
	}
}

func TestHostileInput(t *testing.T) {
	huge := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>` +
		strings.Repeat(`<item><title>x</title><description>`+strings.Repeat("a", 1000)+`</description></item>`, 5000))
	deep := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title><description>` +
		strings.Repeat("<b>", 100000) + `</description></item></channel></rss>`)
	tests := []struct {
		name    string
		body    []byte
		wantErr string // prefix; "" means a clean parse is fine too
	}{
		{"html page", fixture(t, "html-page.html"), "parse: got an HTML page, not a feed"},
		{"empty body", nil, "parse: empty body"},
		{"whitespace body", []byte("  \n\t "), "parse: empty body"},
		{"truncated xml", fixture(t, "truncated.xml"), "parse: "},
		{"not a feed", []byte(`<?xml version="1.0"?><catalog><book/></catalog>`), "parse: not an RSS, Atom or JSON feed"},
		{"broken json", []byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":`), "parse: "},
		{"unterminated huge document", huge, "parse: "},
		{"deeply nested markup", deep, ""},
		{"billion laughs", fixture(t, "billion-laughs.xml"), "parse: entity declarations are not accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			f, err := Parse(tt.body, Options{SourceID: "hostile", URL: "https://hostile.example/feed", Now: t0})
			if took := time.Since(start); took > slowdown*2*time.Second {
				t.Errorf("took %v", took)
			}
			switch {
			case err != nil && tt.wantErr == "":
				if !strings.HasPrefix(err.Error(), "parse: ") {
					t.Errorf("err = %v, want a parse error or a clean subset", err)
				}
			case err != nil:
				if !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Errorf("err = %q, want prefix %q", err, tt.wantErr)
				}
			case tt.wantErr != "":
				t.Errorf("parsed %d entries, want error %q", len(f.Entries), tt.wantErr)
			default:
				for _, it := range items(f) {
					if n := len(it.Title) + len(it.Summary) + len(it.ContentHTML); n > 2*len(tt.body) {
						t.Errorf("item grew to %d bytes from a %d-byte document", n, len(tt.body))
					}
				}
			}
		})
	}
}

func TestControlCharactersStripped(t *testing.T) {
	body, err := charset.ToUTF8(fixture(t, "control-chars.xml"), "")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(body, Options{SourceID: "ctl", URL: "https://ctl.example/feed", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	got := items(f)
	if len(got) != 1 {
		t.Fatalf("got %d items", len(got))
	}
	it := got[0]
	for _, s := range []string{it.Title, it.Summary, it.ContentHTML, f.Title} {
		if s != item.CleanText(s) {
			t.Errorf("%q holds characters XML forbids", s)
		}
	}
	if it.Title != "Bell and vertical tab" {
		t.Errorf("title = %q", it.Title)
	}
	if it.ContentHTML != "<p>Escape[31m red</p>" {
		t.Errorf("content = %q", it.ContentHTML)
	}
}

// TestXSSRemoved reads a hostile feed end to end: the sanitizer's own
// tests hold the rules, this one that every field goes through them.
func TestXSSRemoved(t *testing.T) {
	f, err := Parse(fixture(t, "xss.xml"), Options{SourceID: "xss", URL: "https://xss.example/feed", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	got := items(f)
	if len(got) != 1 {
		t.Fatalf("got %d items", len(got))
	}
	it := got[0]
	html := it.ContentHTML
	lower := strings.ToLower(html)
	for _, bad := range []string{
		"<script", "alert(", "onerror", "onclick", "onload", "javascript:", "vbscript:", "data:",
		"<style", "color:red", "evil.example", "<svg", "<form", "<input", "<object", "<embed",
		"<meta", `target="_self"`, "opener\"", "allow-top-navigation",
	} {
		if strings.Contains(lower, bad) {
			t.Errorf("content still holds %q:\n%s", bad, html)
		}
	}
	for _, good := range []string{
		`<iframe src="https://www.youtube-nocookie.com/embed/abc123" allowfullscreen="" sandbox="allow-scripts allow-same-origin"></iframe>`,
		`<a href="https://xss.example/relative/path" ` + rel + `>rel</a>`,
		`<img src="https://xss.example/posts/x.png"/>`,
	} {
		if !strings.Contains(html, good) {
			t.Errorf("content lacks %s:\n%s", good, html)
		}
	}
	if n := strings.Count(html, "<iframe"); n != 2 {
		t.Errorf("%d iframes kept, want the 2 allowlisted:\n%s", n, html)
	}
	for name, s := range map[string]string{"title": it.Title, "summary": it.Summary, "feed title": f.Title} {
		if strings.ContainsAny(s, "<>") || strings.Contains(s, "alert") || strings.Contains(s, "display:none") {
			t.Errorf("%s keeps markup or script: %q", name, s)
		}
	}
	if it.Title != "Headline" || it.Summary != "click summary" {
		t.Errorf("title %q, summary %q", it.Title, it.Summary)
	}
}

func TestPanicInParserIsAnError(t *testing.T) {
	testHookParse = func() { panic("boom") }
	defer func() { testHookParse = nil }()
	_, err := Parse([]byte(`<rss version="2.0"><channel><title>t</title></channel></rss>`), Options{})
	if err == nil || err.Error() != "parse: parser panic: boom" {
		t.Fatalf("err = %v", err)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"the quick brown fox jumps", 12, "the quick…"},
		{"ééééééééééééé", 5, "ééééé…"},
		{"word, word; word", 11, "word, word…"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := truncate(tt.in, tt.n); got != tt.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}

func TestQualifiedIDs(t *testing.T) {
	for raw, want := range map[string]string{
		"https://x.example/a?b=1": "https://x.example/a?b=1",
		"tag:x.example,2026:a":    "tag:x.example,2026:a",
		"urn:uuid:1234-5678":      "urn:uuid:1234-5678",
		"12345":                   "src/12345",
		"http:/broken":            "src/http:/broken",
		"post 7":                  "src/post 7",
		"src/already":             "src/src/already",
	} {
		t.Run(raw, func(t *testing.T) {
			got := qualifyID("src", raw)
			if got != want {
				t.Errorf("qualifyID(%q) = %q, want %q", raw, got, want)
			}
			if back := item.UpstreamID("src", got); back != raw {
				t.Errorf("UpstreamID(%q) = %q, want %q", got, back, raw)
			}
		})
	}
}

// FuzzParse checks what the poller relies on whatever the bytes (after
// charset, as in polling): an error
// that says it comes from here, or entries with unique ids and text that
// is clean, bounded and, for links, absolute.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"rss2.xml", "rss1.xml", "atom10.xml", "atom03.xml", "feed.json", "xss.xml", "control-chars.xml", "truncated.xml"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		body, err := charset.ToUTF8(body, "")
		if err != nil {
			return // the bytes never reach the parser
		}
		feed, err := Parse(body, Options{SourceID: "fz", URL: "https://fz.example/feed", Now: t0})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse: ") {
				t.Fatalf("error %q does not name the package", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, it := range items(feed) {
			if it.ID == "" || seen[it.ID] {
				t.Fatalf("empty or repeated id %q", it.ID)
			}
			seen[it.ID] = true
			if utf8.RuneCountInString(it.Title) > maxTitle+1 || utf8.RuneCountInString(it.Summary) > maxSummary+1 {
				t.Fatalf("title or summary beyond its limit: %q, %q", it.Title, it.Summary)
			}
			for _, s := range []string{it.ID, it.Title, it.Summary, it.ContentHTML, it.URL} {
				if s != item.CleanText(s) {
					t.Fatalf("characters XML forbids in %q", s)
				}
			}
			if it.URL != "" && !strings.HasPrefix(it.URL, "http://") && !strings.HasPrefix(it.URL, "https://") {
				t.Fatalf("link %q is not absolute http(s)", it.URL)
			}
			if it.Published.IsZero() || it.Updated.Before(it.Published) || it.Published.After(t0) {
				t.Fatalf("dates %v, %v", it.Published, it.Updated)
			}
		}
	})
}

// TestSharedLinks: items without ids are told apart by their link, but for
// a link several of them share, as a podcast's episodes share the show's
// home page; a story repeated with the same link stays one.
func TestSharedLinks(t *testing.T) {
	doc := []byte(`<rss version="2.0"><channel><title>Show</title>
<item><title>Episode 3</title><link>https://show.example/</link><enclosure url="https://show.example/3.mp3" type="audio/mpeg" length="1"/></item>
<item><title>Episode 2</title><link>https://show.example/</link><enclosure url="https://show.example/2.mp3" type="audio/mpeg" length="1"/></item>
<item><title>Episode 1</title><link>https://show.example/</link><enclosure url="https://show.example/1.mp3" type="audio/mpeg" length="1"/></item>
<item><title>A post</title><link>https://show.example/post</link></item>
<item><title>A post, repeated</title><link>https://show.example/post</link><guid>https://show.example/post</guid></item>
</channel></rss>`)
	f, err := Parse(doc, Options{SourceID: "s", URL: "https://show.example/feed", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, e := range f.Entries {
		titles = append(titles, e.Item.Title)
	}
	if want := []string{"Episode 3", "Episode 2", "Episode 1", "A post"}; !slices.Equal(titles, want) {
		t.Errorf("entries %q, want %q", titles, want)
	}
	again, _ := Parse(doc, Options{SourceID: "s", URL: "https://show.example/feed", Now: t0.Add(time.Hour)})
	for i, e := range again.Entries {
		if e.Item.ID != f.Entries[i].Item.ID {
			t.Errorf("id of %q changed from %q to %q", e.Item.Title, f.Entries[i].Item.ID, e.Item.ID)
		}
	}
}
