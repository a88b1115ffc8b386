package render

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"io"
	"strings"
	"syndicate/internal/document"
	"testing"
	"time"
)

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	// One member only: some clients stop after the first.
	r.Multistream(false)
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	if rest, _ := io.ReadAll(r); len(rest) != 0 {
		t.Fatalf("data after the gzip member")
	}
	return out
}

func checkDocument(t *testing.T, d document.Document) {
	t.Helper()
	if got := gunzip(t, d.Gzip); !bytes.Equal(got, d.Body) {
		t.Errorf("gzip copy does not decompress to the body")
	}
	if len(d.ETag) != 34 || d.ETag[0] != '"' || d.ETag[33] != '"' {
		t.Errorf("ETag %s is not a quoted 32-digit hash", d.ETag)
	}
	if _, err := hex.DecodeString(d.ETag[1:33]); err != nil {
		t.Errorf("ETag %s: %v", d.ETag, err)
	}
}

func TestNewDocument(t *testing.T) {
	modified := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"small", []byte("<rss/>")},
		{"large", bytes.Repeat([]byte("<item>Gulf shipping insurance</item>\n"), 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDocument(tt.body, rssType, modified)
			checkDocument(t, d)
			if d.ContentType != rssType || !d.LastModified.Equal(modified) {
				t.Errorf("content type %q, last modified %v", d.ContentType, d.LastModified)
			}
			var want bytes.Buffer
			w, _ := gzip.NewWriterLevel(&want, gzipLevel)
			w.Write(tt.body)
			w.Close()
			if !bytes.Equal(d.Gzip, want.Bytes()) {
				t.Errorf("gzip copy differs from compress/gzip's at the same level")
			}
			again := NewDocument(bytes.Clone(tt.body), rssType, modified)
			if again.ETag != d.ETag || !bytes.Equal(again.Gzip, d.Gzip) {
				t.Errorf("same body, different ETag or gzip bytes")
			}
		})
	}
	if NewDocument([]byte("a"), rssType, modified).ETag == NewDocument([]byte("b"), rssType, modified).ETag {
		t.Errorf("different bodies share an ETag")
	}
}

func TestFeedDocuments(t *testing.T) {
	docs := renderFixture(t)
	wantTypes := map[string]string{
		FormatRSS:  "application/rss+xml; charset=utf-8",
		FormatAtom: "application/atom+xml; charset=utf-8",
		FormatJSON: "application/feed+json; charset=utf-8",
	}
	newest := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)
	for _, format := range FeedFormats {
		t.Run(format, func(t *testing.T) {
			d := docs[format]
			checkDocument(t, d)
			if d.ContentType != wantTypes[format] {
				t.Errorf("content type %q", d.ContentType)
			}
			if !d.LastModified.Equal(newest) {
				t.Errorf("LastModified = %v, want the newest item change %v", d.LastModified, newest)
			}
		})
	}
}

// TestDeterministic renders cold (empty fragment cache), warm and one
// format at a time: the bytes and ETags never change.
func TestDeterministic(t *testing.T) {
	fragments.reset()
	cold := renderFixture(t)
	warm := renderFixture(t)
	for _, format := range FeedFormats {
		t.Run(format, func(t *testing.T) {
			single, err := Feed(fixtureSite(), fixtureSection(), format)
			if err != nil {
				t.Fatal(err)
			}
			for name, d := range map[string]document.Document{"warm": warm[format], "single": single} {
				if !bytes.Equal(d.Body, cold[format].Body) || d.ETag != cold[format].ETag || !bytes.Equal(d.Gzip, cold[format].Gzip) {
					t.Errorf("%s render differs from the cold one", name)
				}
			}
		})
	}
}

// TestEditInvalidates checks that the fragment cache never serves an item
// as it was before an edit.
func TestEditInvalidates(t *testing.T) {
	before := renderFixture(t)
	sec := fixtureSection()
	sec.Items[2].Title = "Beirut’s grid, revised"
	after, err := Feeds(fixtureSite(), sec)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range FeedFormats {
		if after[format].ETag == before[format].ETag {
			t.Errorf("%s: ETag unchanged after an edit", format)
		}
		if !strings.Contains(string(after[format].Body), "grid, revised") {
			t.Errorf("%s: edited title missing", format)
		}
		checkDocument(t, after[format])
	}
	// A different site base changes item markup too.
	site := fixtureSite()
	site.BaseURL = "https://dispatch.example"
	other, err := Feeds(site, fixtureSection())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(other[FormatRSS].Body), `domain="https://news.example/"`) {
		t.Errorf("fragment rendered for another site was reused")
	}
}

func TestEmptySection(t *testing.T) {
	docs, err := Feeds(fixtureSite(), Section{Slug: "asia", Title: "Asia"})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range FeedFormats {
		d := docs[format]
		checkDocument(t, d)
		if !d.LastModified.Equal(emptyTime) {
			t.Errorf("%s: LastModified %v, want %v", format, d.LastModified, emptyTime)
		}
	}
	if r := parseRSS(t, docs[FormatRSS].Body); r.Channel.LastBuildDate != "Sat, 01 Jan 2000 00:00:00 +0000" || len(r.Channel.Items) != 0 {
		t.Errorf("empty RSS: %+v", r.Channel)
	}
	if j := parseJSON(t, docs[FormatJSON].Body); j.Items == nil {
		t.Errorf("empty JSON Feed lacks the required items array")
	}
}

func TestErrors(t *testing.T) {
	bad := func(f func(*Site)) Site {
		s := fixtureSite()
		f(&s)
		return s
	}
	tests := []struct {
		name   string
		site   Site
		format string
		want   string
	}{
		{"unknown format", fixtureSite(), "feed.xml", "render: middle-east feed.xml: unknown feed format"},
		{"relative base URL", bad(func(s *Site) { s.BaseURL = "/news" }), FormatRSS, "render: middle-east rss.xml: site base URL"},
		{"tag authority with port", bad(func(s *Site) { s.TagAuthority = "news.example:8080" }), FormatAtom, "render: middle-east atom.xml: site tag authority"},
		{"bad tag date", bad(func(s *Site) { s.TagDate = "2026-13" }), FormatJSON, "render: middle-east feed.json: site tag date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Feed(tt.site, fixtureSection(), tt.format)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v, want prefix %q", err, tt.want)
			}
		})
	}
	if _, err := Feeds(bad(func(s *Site) { s.TagDate = "" }), fixtureSection()); err == nil {
		t.Errorf("Feeds accepted an empty tag date")
	}
}

// TestGzipIndependentOfCache renders a section cold, edits one item and
// renders warm, then renders the edited section cold again: the warm gzip
// copy, spliced from cached pieces, must equal the cold one.
func TestGzipIndependentOfCache(t *testing.T) {
	sec := benchSection(120)
	fragments.reset()
	if _, err := Feeds(fixtureSite(), sec); err != nil {
		t.Fatal(err)
	}
	sec.Items[37].Title = "Edited headline"
	warm, err := Feeds(fixtureSite(), sec)
	if err != nil {
		t.Fatal(err)
	}
	fragments.reset()
	cold, err := Feeds(fixtureSite(), sec)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range FeedFormats {
		checkDocument(t, warm[format])
		if !bytes.Equal(warm[format].Gzip, cold[format].Gzip) || warm[format].ETag != cold[format].ETag {
			t.Errorf("%s: warm and cold renders differ", format)
		}
	}
}

// TestCompressorsKeepOne checks that compressors lend one idle writer
// and keep no more than one: renders that overlap get writers of their
// own, which are dropped once given back.
func TestCompressorsKeepOne(t *testing.T) {
	made := 0
	c := newCompressors(func() *int { made++; return new(int) })
	a, b := c.get(), c.get()
	if a == b || made != 2 {
		t.Fatalf("overlapping gets share a writer or made %d", made)
	}
	c.put(a)
	c.put(b)
	if got := c.get(); got != a {
		t.Errorf("the idle writer was not lent again")
	}
	if got := c.get(); got == a || got == b || made != 3 {
		t.Errorf("a second idle writer was kept (made %d)", made)
	}
}
