package source

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

const rel = `rel="nofollow noopener noreferrer"`

func TestFormats(t *testing.T) {
	tests := []struct {
		fixture, contentType string
		src                  config.Source
		ttl                  time.Duration
		want                 []item.Item
	}{
		{
			fixture: "rss2.xml", contentType: "application/rss+xml",
			src: config.Source{ID: "wire", URL: "https://wire.example/feeds/gulf.xml", Sections: []string{"gulf", "world"}},
			ttl: 30 * time.Minute,
			want: []item.Item{{
				ID:          "wire/wire-1001",
				URL:         "https://wire.example/gulf/2026/10/premiums",
				Title:       "Insurers raise war-risk premiums for tankers",
				Summary:     "Lloyd's underwriters doubled rates.",
				ContentHTML: `<p>Underwriters in London doubled the <a href="https://wire.example/gulf/glossary#war-risk" ` + rel + `>war-risk</a> premium.</p><p><img src="https://wire.example/gulf/2026/10/img/chart.png" alt="Premiums chart"></p>`,
				Authors:     []item.Person{{Name: "Amira Haddad"}},
				Sections:    []string{"gulf", "world"},
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
				Sections:    []string{"gulf", "world"},
				Published:   date("2026-10-12T18:00:00Z"),
				Updated:     date("2026-10-12T18:00:00Z"),
			}, {
				ID:          "wire/" + item.HashID("Briefing note", "A note with neither link nor guid nor date."),
				Title:       "Briefing note",
				Summary:     "A note with neither link nor guid nor date.",
				ContentHTML: "A note with neither link nor guid nor date.",
				Sections:    []string{"gulf", "world"},
				Published:   t0.Add(-2 * time.Second), // first seen, staggered by position
				Updated:     t0.Add(-2 * time.Second),
			}},
		},
		{
			fixture: "rss1.xml", contentType: "application/rdf+xml",
			src: config.Source{ID: "archive", URL: "https://archive.example/rdf", Sections: []string{"world"}},
			want: []item.Item{{
				ID:          "https://archive.example/treaties/1982-unclos",
				URL:         "https://archive.example/treaties/1982-unclos",
				Title:       "Law of the Sea Convention",
				Summary:     "Full text with annexes.",
				ContentHTML: "Full text with annexes.",
				Authors:     []item.Person{{Name: "Archive Staff"}},
				Sections:    []string{"world"},
				Tags:        []string{"Maritime law"},
				Published:   date("2026-09-30T08:00:00Z"),
				Updated:     date("2026-09-30T08:00:00Z"),
			}, {
				ID:          "https://archive.example/treaties/1971-seabed",
				URL:         "https://archive.example/treaties/1971-seabed",
				Title:       "Seabed Arms Control Treaty",
				Summary:     "Scanned original.",
				ContentHTML: "Scanned original.",
				Sections:    []string{"world"},
				Published:   date("2026-09-29T08:00:00Z"),
				Updated:     date("2026-09-29T08:00:00Z"),
			}},
		},
		{
			fixture: "atom10.xml", contentType: "application/atom+xml",
			src: config.Source{ID: "monitor", URL: "https://monitor.example/atom.xml", Sections: []string{"world"}},
			want: []item.Item{{
				ID:          "tag:monitor.example,2026:entry-77",
				URL:         "https://monitor.example/2026/10/listings",
				Title:       "New listings under the maritime regime",
				Summary:     "Eleven vessels were added.",
				ContentHTML: `<p>Eleven vessels were added to the list, see <a href="https://monitor.example/lists/maritime" ` + rel + `>the list</a>.</p>`,
				Authors:     []item.Person{{Name: "Jonas Berg", Email: "jonas@monitor.example", URL: "https://monitor.example/people/jonas"}},
				Sections:    []string{"world"},
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
				Sections:    []string{"world"},
				Published:   date("2026-10-13T09:00:00Z"),
				Updated:     date("2026-10-13T09:00:00Z"),
			}},
		},
		{
			fixture: "atom03.xml", contentType: "application/xml",
			src: config.Source{ID: "embassy", URL: "https://embassy.example/atom.xml", Sections: []string{"world"}},
			want: []item.Item{{
				ID:          "tag:embassy.example,2026:hours",
				URL:         "https://embassy.example/2026/10/hours",
				Title:       "Consular hours change",
				Summary:     "From Monday the consular section opens at 9:00.",
				ContentHTML: `<p>From Monday the consular section opens at <strong>9:00</strong>.</p>`,
				Authors:     []item.Person{{Name: "Press Office"}},
				Sections:    []string{"world"},
				Published:   date("2026-10-01T09:00:00Z"),
				Updated:     date("2026-10-01T10:00:00Z"),
			}},
		},
		{
			fixture: "feed.json", contentType: "application/feed+json",
			src: config.Source{ID: "aid", URL: "https://aid.example/feed.json", Sections: []string{"world"}},
			want: []item.Item{{
				ID:          "aid/2291",
				URL:         "https://aid.example/2026/10/pledges",
				Title:       "Donors pledge $2bn",
				Summary:     "A conference in Geneva raised $2bn.",
				ContentHTML: `<p>Pledges came from <a href="https://aid.example/donors" ` + rel + `>31 donors</a>.</p>`,
				Authors:     []item.Person{{Name: "Lena Ortiz", URL: "https://aid.example/people/lena"}},
				Sections:    []string{"world"},
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
				Sections:    []string{"world"},
				Published:   date("2026-10-09T08:00:00Z"),
				Updated:     date("2026-10-09T08:00:00Z"),
			}},
		},
	}
	origins := map[string]item.Origin{
		"rss2.xml":   {SourceID: "wire", FeedID: "https://wire.example/gulf/", Title: "Harbour Wire & Co: Gulf", FeedURL: "https://wire.example/feeds/gulf.xml", HomeURL: "https://wire.example/gulf/"},
		"rss1.xml":   {SourceID: "archive", FeedID: "https://archive.example/", Title: "Treaty Archive", FeedURL: "https://archive.example/rdf", HomeURL: "https://archive.example/"},
		"atom10.xml": {SourceID: "monitor", FeedID: "urn:uuid:5b1f0c2e-7a51-4c1e-9d1e-2f3a4b5c6d7e", Title: "Sanctions Monitor", FeedURL: "https://monitor.example/atom.xml", HomeURL: "https://monitor.example/"},
		"atom03.xml": {SourceID: "embassy", FeedID: "https://embassy.example/", Title: "Old Embassy Blog", FeedURL: "https://embassy.example/atom.xml", HomeURL: "https://embassy.example/"},
		"feed.json":  {SourceID: "aid", FeedID: "https://aid.example/feed.json", Title: "Aid Flows", FeedURL: "https://aid.example/feed.json", HomeURL: "https://aid.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			p, err := process(fixture(t, tt.fixture), tt.contentType, tt.src.URL, &tt.src, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.meta.ttl != tt.ttl {
				t.Errorf("ttl = %v, want %v", p.meta.ttl, tt.ttl)
			}
			o := origins[tt.fixture]
			for i := range tt.want {
				tt.want[i].Origin = &o
			}
			if len(p.items) != len(tt.want) {
				t.Fatalf("got %d items, want %d:\n%s", len(p.items), len(tt.want), asJSON(p.items))
			}
			for i := range tt.want {
				if !reflect.DeepEqual(p.items[i], tt.want[i]) {
					t.Errorf("item %d:\n got %s\nwant %s", i, asJSON(p.items[i]), asJSON(tt.want[i]))
				}
			}
		})
	}
}

func TestConfigTitleOverridesFeedTitle(t *testing.T) {
	src := config.Source{ID: "wire", URL: "https://wire.example/feeds/gulf.xml", Title: "The Wire", Sections: []string{"world"}}
	p, err := process(fixture(t, "rss2.xml"), "", src.URL, &src, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.items[0].Origin.Title; got != "The Wire" {
		t.Errorf("origin title = %q, want the configured one", got)
	}
	if p.meta.title != "Harbour Wire & Co: Gulf" {
		t.Errorf("feed title = %q", p.meta.title)
	}
}

func TestEncodings(t *testing.T) {
	tests := []struct {
		name, fixture, contentType string
		title, summary             string
	}{
		{"latin1 declared and real", "latin1.xml", "application/rss+xml", "Réunion à Genève", "Le ministère a publié un communiqué."},
		{"latin1 from HTTP only", "latin1.xml", "text/xml; charset=ISO-8859-1", "Réunion à Genève", "Le ministère a publié un communiqué."},
		{"utf8 mislabelled latin1", "utf8-as-latin1.xml", "application/rss+xml", "Réunion à Genève", "Le ministère a publié un communiqué."},
		{"utf8 mislabelled by HTTP too", "utf8-as-latin1.xml", "text/xml; charset=iso-8859-1", "Réunion à Genève", "Le ministère a publié un communiqué."},
		{"windows-1252 smart quotes", "cp1252.xml", "", "\u201cQuoted\u201d \u2014 it\u2019s \u20ac100m", "\u201elow\u201c quotes\u2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := config.Source{ID: "enc", URL: "https://quai.example/rss", Sections: []string{"world"}}
			p, err := process(fixture(t, tt.fixture), tt.contentType, src.URL, &src, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.items) != 1 {
				t.Fatalf("got %d items", len(p.items))
			}
			if got := p.items[0].Title; got != tt.title {
				t.Errorf("title = %q, want %q", got, tt.title)
			}
			if got := p.items[0].Summary; got != tt.summary {
				t.Errorf("summary = %q, want %q", got, tt.summary)
			}
		})
	}
}

func TestToUTF8(t *testing.T) {
	tests := []struct {
		name, in, contentType, want string
	}{
		{"ascii untouched", `<?xml version="1.0"?><rss/>`, "", `<?xml version="1.0"?><rss/>`},
		{"declaration rewritten", "<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>", "", "<?xml version='1.0' encoding='UTF-8'?><a>é</a>"},
		{"utf8 kept, declaration fixed", "<?xml version=\"1.0\" encoding=\"latin1\"?><a>\xc3\xa9</a>", "", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>é</a>"},
		{"bom dropped", "\xef\xbb\xbf<a>\xc3\xa9</a>", "", "<a>é</a>"},
		{"utf16 with bom", "\xff\xfe<\x00a\x00>\x00\xe9\x00<\x00/\x00a\x00>\x00", "", "<a>é</a>"},
		{"undeclared legacy bytes", "<a>caf\xe9 \x93q\x94</a>", "", "<a>café \u201cq\u201d</a>"},
		{"mostly utf8 with a stray byte", "<a>caf\xc3\xa9 \xff</a>", "", "<a>café \uFFFD</a>"},
		{"json with http charset", "{\"title\":\"caf\xe9\"}", "application/json; charset=windows-1252", `{"title":"café"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toUTF8([]byte(tt.in), tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := toUTF8([]byte("<?xml version=\"1.0\" encoding=\"x-klingon\"?><a>\xe9</a>"), ""); err == nil || !strings.HasPrefix(err.Error(), "encoding: ") {
		t.Errorf("unknown charset: err = %v, want an encoding error", err)
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
		{"billion laughs", fixture(t, "billion-laughs.xml"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := config.Source{ID: "hostile", URL: "https://hostile.example/feed", Sections: []string{"world"}}
			start := time.Now()
			p, err := process(tt.body, "", src.URL, &src, t0, nil)
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
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
			case tt.wantErr != "":
				t.Errorf("parsed %d items, want error %q", len(p.items), tt.wantErr)
			default:
				for _, it := range p.items {
					if n := len(it.Title) + len(it.Summary) + len(it.ContentHTML); n > 2*len(tt.body) {
						t.Errorf("item grew to %d bytes from a %d-byte document", n, len(tt.body))
					}
				}
			}
		})
	}
}

func TestControlCharactersStripped(t *testing.T) {
	src := config.Source{ID: "ctl", URL: "https://ctl.example/feed", Sections: []string{"world"}}
	p, err := process(fixture(t, "control-chars.xml"), "", src.URL, &src, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.items) != 1 {
		t.Fatalf("got %d items", len(p.items))
	}
	it := p.items[0]
	for _, s := range []string{it.Title, it.Summary, it.ContentHTML, p.meta.title} {
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

func TestPanicInParserIsAnError(t *testing.T) {
	// A nil reader inside gofeed would panic; parseFeed must not.
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic escaped: %v", r)
		}
	}()
	_, err := parseFeedWith(func() { panic("boom") })
	if err == nil || err.Error() != "parse: parser panic: boom" {
		t.Fatalf("err = %v", err)
	}
}

// parseFeedWith runs f under parseFeed's recovery.
func parseFeedWith(f func()) (any, error) {
	testHookParse = f
	defer func() { testHookParse = nil }()
	return parseFeed([]byte(`<rss version="2.0"><channel><title>t</title></channel></rss>`))
}
