package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"testing"

	"syndicate/internal/item"
)

// FuzzFeeds puts one arbitrary string in every text field of an item (and
// of the section) and checks that all three documents stay well-formed
// and carry every item.
func FuzzFeeds(f *testing.F) {
	for _, seed := range []string{
		"",
		"plain words",
		"\x00\x01\x08\x0b\x0c\x1b\x7f controls",
		"\xff\xfe\xc3\x28 invalid UTF-8 \xed\xa0\x80",
		"]]>", "a]]>b]]]]>c<![CDATA[d",
		"\uFFFE\uFFFF\uFDD0",
		"🚢🇯🇴👩🏽‍💻",
		"<script>alert(1)</script>",
		`&<>"' &amp; &#0; &#x1F;`,
		"\u0085\u009f\u2028\u2029",
		"tag:news.example,2026-01-01:article/x",
		"12345",
		"mailto:desk@news.example",
		"%zz%00",
		"https://news.example/a b",
		" \t\r\n ",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sec := Section{
			Slug:        "fuzz",
			Title:       s,
			Description: s,
			Items:       []*item.Item{hostileItem(s), fixtureItems()[1]},
		}
		docs, err := Feeds(fixtureSite(), sec)
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{FormatRSS, FormatAtom} {
			if err := wellFormed(docs[format].Body); err != nil {
				t.Fatalf("%s is not well-formed: %v\n%q", format, err, docs[format].Body)
			}
		}
		body := docs[FormatJSON].Body
		if !json.Valid(body) {
			t.Fatalf("invalid JSON: %q", body)
		}
		var j struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &j); err != nil {
			t.Fatal(err)
		}
		rss := bytes.Count(docs[FormatRSS].Body, []byte("<item>"))
		atom := bytes.Count(docs[FormatAtom].Body, []byte("<entry>"))
		if len(j.Items) != 2 || rss != 2 || atom != 2 {
			t.Fatalf("item counts: json %d, rss %d, atom %d; want 2", len(j.Items), rss, atom)
		}
	})
}

// wellFormed reads every token, as a strict XML parser would.
func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
