package parse

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"syndicate/internal/item"
)

// jsonDoc is a JSON Feed of one item whose fields are sound but for the
// one a test replaces.
func jsonDoc(field, value string) string {
	fields := map[string]string{
		"id":             `"post-1"`,
		"url":            `"https://lenient.example/posts/1"`,
		"title":          `"Budget talks stall"`,
		"content_html":   `"<p>Talks stalled.</p>"`,
		"summary":        `"Talks stalled again."`,
		"image":          `"https://lenient.example/img/1.jpg"`,
		"date_published": `"2026-10-10T08:00:00Z"`,
		"authors":        `[{"name": "Mara Quist"}]`,
		"tags":           `["budget", "talks"]`,
		"attachments":    `[{"url": "https://lenient.example/audio/1.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 1000}]`,
	}
	if value == "" {
		delete(fields, field)
	} else {
		fields[field] = value
	}
	var b strings.Builder
	b.WriteString(`{"version": "https://jsonfeed.org/version/1.1", "title": "Lenient", "items": [{`)
	first := true
	for _, k := range []string{"id", "url", "external_url", "title", "content_html", "content_text", "summary", "image", "banner_image", "date_published", "date_modified", "author", "authors", "tags", "attachments", "language"} {
		if v, ok := fields[k]; ok {
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(`"` + k + `": ` + v)
		}
	}
	b.WriteString("}]}")
	return b.String()
}

// TestJSONFeedLenient gives each optional field of an item a value of the
// wrong type: the item is kept, the field dropped or coerced where its
// meaning is plain, and the problem counted as a warning naming the field.
func TestJSONFeedLenient(t *testing.T) {
	tests := []struct {
		field, value string
		check        func(t *testing.T, it item.Item)
		warning      string // in the warnings; "items[0].<field>" by default, "-" for none
	}{
		{"tags", `"budget, talks,"`, func(t *testing.T, it item.Item) {
			if !reflect.DeepEqual(it.Tags, []string{"budget", "talks"}) {
				t.Errorf("tags %q, want the string split on commas", it.Tags)
			}
		}, ""},
		{"tags", `["budget", 7, {"x": 1}, null]`, func(t *testing.T, it item.Item) {
			if !reflect.DeepEqual(it.Tags, []string{"budget", "7"}) {
				t.Errorf("tags %q, want the strings and the number", it.Tags)
			}
		}, ""},
		{"tags", `{"budget": true}`, func(t *testing.T, it item.Item) {
			if it.Tags != nil {
				t.Errorf("tags %q, want none", it.Tags)
			}
		}, ""},
		{"id", `12345`, func(t *testing.T, it item.Item) {
			if it.ID != "lenient/12345" {
				t.Errorf("id %q: a numeric id is a string to JSON Feed readers", it.ID)
			}
		}, "-"},
		{"id", `{"n": 1}`, func(t *testing.T, it item.Item) {
			if it.ID != "https://lenient.example/posts/1" {
				t.Errorf("id %q, want the url in its place", it.ID)
			}
		}, ""},
		{"url", `["https://lenient.example/posts/1"]`, func(t *testing.T, it item.Item) {
			if it.URL != "" {
				t.Errorf("url %q, want none", it.URL)
			}
		}, ""},
		{"title", `2026`, func(t *testing.T, it item.Item) {
			if it.Title != "2026" {
				t.Errorf("title %q", it.Title)
			}
		}, ""},
		{"title", `["Budget"]`, func(t *testing.T, it item.Item) {
			if it.Title != "Talks stalled again." {
				t.Errorf("title %q, want the summary's, as for an untitled item", it.Title)
			}
		}, ""},
		{"content_html", `{"html": "<p>x</p>"}`, func(t *testing.T, it item.Item) {
			if it.ContentHTML != "Talks stalled again." {
				t.Errorf("content %q, want the summary", it.ContentHTML)
			}
		}, ""},
		{"summary", `false`, func(t *testing.T, it item.Item) {
			if it.Summary != "Talks stalled." {
				t.Errorf("summary %q, want one made from the content", it.Summary)
			}
		}, ""},
		{"image", `{"url": "https://lenient.example/img/1.jpg"}`, func(t *testing.T, it item.Item) {
			if it.Image != nil {
				t.Errorf("image %+v, want none", it.Image)
			}
		}, ""},
		{"date_published", `"last Tuesday"`, func(t *testing.T, it item.Item) {
			if !it.Published.Equal(t0) {
				t.Errorf("published %v, want the time first seen", it.Published)
			}
		}, `item 0: date "last Tuesday" does not parse`},
		{"date_published", `1760083200`, func(t *testing.T, it item.Item) {
			if !it.Published.Equal(t0) {
				t.Errorf("published %v, want the time first seen", it.Published)
			}
		}, ""},
		{"authors", `{"name": "Mara Quist"}`, func(t *testing.T, it item.Item) {
			if !reflect.DeepEqual(it.Authors, []item.Person{{Name: "Mara Quist"}}) {
				t.Errorf("authors %+v, want the one", it.Authors)
			}
		}, ""},
		{"authors", `"Mara Quist"`, func(t *testing.T, it item.Item) {
			if !reflect.DeepEqual(it.Authors, []item.Person{{Name: "Mara Quist"}}) {
				t.Errorf("authors %+v, want the name", it.Authors)
			}
		}, ""},
		{"authors", `[{"name": 42}, "Ola Berg"]`, func(t *testing.T, it item.Item) {
			if !reflect.DeepEqual(it.Authors, []item.Person{{Name: "42"}, {Name: "Ola Berg"}}) {
				t.Errorf("authors %+v", it.Authors)
			}
		}, ""},
		{"attachments", `{"url": "https://lenient.example/audio/1.mp3", "mime_type": "audio/mpeg"}`, func(t *testing.T, it item.Item) {
			if len(it.Enclosures) != 1 || it.Enclosures[0].Medium != "audio" {
				t.Errorf("enclosures %+v, want the one", it.Enclosures)
			}
		}, ""},
		{"attachments", `[{"url": "https://lenient.example/audio/1.mp3", "mime_type": "audio/mpeg", "size_in_bytes": "55000000", "duration_in_seconds": "big"}]`, func(t *testing.T, it item.Item) {
			if len(it.Enclosures) != 1 || it.Enclosures[0].Length != 55000000 || it.Enclosures[0].Duration != 0 {
				t.Errorf("enclosures %+v, want the size coerced and the duration dropped", it.Enclosures)
			}
		}, ""},
		{"attachments", `[{"mime_type": "audio/mpeg"}, 7]`, func(t *testing.T, it item.Item) {
			if len(it.Enclosures) != 0 {
				t.Errorf("enclosures %+v, want none", it.Enclosures)
			}
		}, ""},
		{"attachments", `"https://lenient.example/audio/1.mp3"`, func(t *testing.T, it item.Item) {
			if len(it.Enclosures) != 0 {
				t.Errorf("enclosures %+v, want none", it.Enclosures)
			}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			f, err := Parse([]byte(jsonDoc(tt.field, tt.value)), Options{SourceID: "lenient", URL: "https://lenient.example/feed.json", Now: t0})
			if err != nil {
				t.Fatalf("the feed failed: %v", err)
			}
			if len(f.Entries) != 1 {
				t.Fatalf("%d items, want the one kept", len(f.Entries))
			}
			switch want := tt.warning; {
			case want == "-" && len(f.Warnings) > 0:
				t.Errorf("warnings %q, want none", f.Warnings)
			case want == "-":
			case want == "":
				want = "items[0]." + tt.field
				fallthrough
			default:
				if !strings.Contains(strings.Join(f.Warnings, "\n"), want) {
					t.Errorf("warnings %q, want one with %q", f.Warnings, want)
				}
			}
			tt.check(t, items(f)[0])
		})
	}
}

// TestJSONFeedSound: a sound feed draws no warning, and the lenient reader
// finds what gofeed's strict one does.
func TestJSONFeedSound(t *testing.T) {
	f, err := Parse([]byte(jsonDoc("", "")), Options{SourceID: "lenient", URL: "https://lenient.example/feed.json", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) > 0 {
		t.Errorf("warnings %q", f.Warnings)
	}
	it := items(f)[0]
	want := item.Item{
		ID: "lenient/post-1", URL: "https://lenient.example/posts/1", Title: "Budget talks stall",
		Summary: "Talks stalled again.", ContentHTML: "<p>Talks stalled.</p>",
		Authors: []item.Person{{Name: "Mara Quist"}}, Tags: []string{"budget", "talks"},
		Image:      &item.Image{URL: "https://lenient.example/img/1.jpg"},
		Enclosures: []item.Enclosure{{URL: "https://lenient.example/audio/1.mp3", Type: "audio/mpeg", Length: 1000, Medium: "audio"}},
		Published:  time.Date(2026, 10, 10, 8, 0, 0, 0, time.UTC), Updated: time.Date(2026, 10, 10, 8, 0, 0, 0, time.UTC),
	}
	if !reflect.DeepEqual(it, want) {
		t.Errorf("got  %+v\nwant %+v", it, want)
	}
}

func TestJSONFeedErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"items an object":  `{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": {"id": "1"}}`,
		"items a string":   `{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": "none"}`,
		"not a JSON Feed":  `{"error": "rate limited"}`,
		"not JSON at all":  `{"version": `,
		"a list, not feed": `[{"id": "1"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(doc), Options{SourceID: "x", Now: t0}); err == nil || !strings.HasPrefix(err.Error(), "parse: ") {
				t.Errorf("err = %v, want a parse error", err)
			}
		})
	}
}

// TestXMLFieldWarnings: where gofeed keeps an RSS or Atom item but cannot
// read one of its fields, the item is kept without it and the problem is
// counted.
func TestXMLFieldWarnings(t *testing.T) {
	doc := `<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
<item><guid>a</guid><title>Bad date</title><pubDate>the day before yesterday</pubDate></item>
<item><guid>b</guid><title>Bad length</title><pubDate>Mon, 12 Oct 2026 09:00:00 GMT</pubDate>
  <enclosure url="https://w.example/b.mp3" type="audio/mpeg" length="about 50 MB"/>
  <media:content url="https://w.example/b.mp4" type="video/mp4" fileSize="-" duration="1:00"/>
  <itunes:duration>an hour</itunes:duration><itunes:episode>first</itunes:episode><itunes:explicit>maybe</itunes:explicit></item>
</channel></rss>`
	f, err := Parse([]byte(doc), Options{SourceID: "w", URL: "https://w.example/feed", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 2 {
		t.Fatalf("%d items, want both", len(f.Entries))
	}
	all := strings.Join(f.Warnings, "\n")
	for _, want := range []string{`item 0: date "the day before yesterday"`, `item 1: enclosure length "about 50 MB"`,
		`media:content fileSize "-"`, `media:content duration "1:00"`, `itunes:duration "an hour"`, `itunes:episode "first"`, `itunes:explicit "maybe"`} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning %q in:\n%s", want, all)
		}
	}
	b := f.Entries[1].Item
	if len(b.Enclosures) != 2 || b.Enclosures[0].Length != 0 || b.Podcast != nil {
		t.Errorf("enclosures %+v, podcast %+v", b.Enclosures, b.Podcast)
	}
	if !f.Entries[0].Item.Published.Equal(t0) || f.Entries[0].Dated {
		t.Errorf("an item with an unreadable date gets the time first seen, got %v", f.Entries[0].Item.Published)
	}
}

func TestEntityDeclarationsRefused(t *testing.T) {
	tests := []struct {
		name, prolog string
		refused      bool
	}{
		{"internal entity", `<!DOCTYPE rss [<!ENTITY co "Company">]>`, true},
		{"parameter entity", `<!DOCTYPE rss [<!ENTITY % p "x"> ]>`, true},
		{"external entity", `<!DOCTYPE rss [<!ENTITY ext SYSTEM "file:///etc/passwd">]>`, true},
		{"entity after a comment", "<!-- a feed -->\n<!DOCTYPE rss [\n  <!ATTLIST item x CDATA #IMPLIED>\n  <!ENTITY e 'x'>\n]>", true},
		{"public doctype", `<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">`, false},
		{"subset without entities", `<!DOCTYPE rss [<!ATTLIST item x CDATA #IMPLIED>]>`, false},
		{"no doctype", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `<?xml version="1.0" encoding="ISO-8859-1"?>` + tt.prolog + `<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>ok</title><description>&lt;!ENTITY not a declaration&gt;</description></item></channel></rss>`
			f, err := Parse([]byte(doc), Options{SourceID: "e", Now: t0})
			switch {
			case tt.refused && (err == nil || err.Error() != "parse: entity declarations are not accepted"):
				t.Errorf("err = %v, want the declarations refused", err)
			case !tt.refused && err != nil:
				t.Errorf("err = %v", err)
			case !tt.refused && len(f.Entries) != 1:
				t.Errorf("%d items", len(f.Entries))
			}
		})
	}
}
