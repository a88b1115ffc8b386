package content

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"syndicate/internal/item"
)

func testOptions(dir string) Options {
	return Options{
		Dir:          dir,
		BaseURL:      "http://127.0.0.1:8080",
		TagAuthority: "syndicate.example",
		TagDate:      "2026-01-01",
		Sections:     map[string]bool{"latest": true, "middle-east": true, "washington": true, "asia": true, "analysis": true},
	}
}

func TestLoadGood(t *testing.T) {
	items, problems := Load(testOptions("testdata/good"))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []item.Item{
		{
			ID:       "tag:syndicate.example,2026-01-01:article/empty-body",
			URL:      "http://127.0.0.1:8080/articles/empty-body/",
			Title:    "An article with no body",
			Summary:  "Only a standfirst.",
			Authors:  []item.Person{{Name: "Mei-Ling Zhou"}},
			Sections: []string{"asia"},
			Image: &item.Image{
				URL:    "https://images.example/photos/harbour.png?w=640",
				Type:   "image/png",
				Length: 2048,
			},
			Published: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC),
			Updated:   time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC),
		},
		{
			ID:      "tag:syndicate.example,2026-01-01:article/gulf-shipping-insurance",
			URL:     "http://127.0.0.1:8080/articles/gulf-shipping-insurance/",
			Title:   `Gulf Shipping & "War Risk"`,
			Summary: "Premiums <rise> faster than the threat.",
			ContentHTML: "<h2>Premiums</h2>\n" +
				`<p>Rates <del>fell</del> rose. See <a href="http://127.0.0.1:8080/articles/other/">the brief</a>` +
				` or <a href="https://example.org">https://example.org</a>.</p>` + "\n" +
				"<table>\n<thead>\n<tr>\n<th>Route</th>\n<th>Rate</th>\n</tr>\n</thead>\n" +
				"<tbody>\n<tr>\n<td>Gulf</td>\n<td>1%</td>\n</tr>\n</tbody>\n</table>\n" +
				"<!-- raw HTML omitted -->\n",
			Authors: []item.Person{
				{Name: "Leila Haddad", Email: "leila.haddad@syndicate.example", URL: "https://syndicate.example/authors/leila-haddad"},
				{Name: "رانيا خوري"},
			},
			Sections: []string{"middle-east", "analysis"},
			Tags:     []string{"shipping", "iran"},
			Image: &item.Image{
				URL:     "http://127.0.0.1:8080/media/gulf-tanker.jpg",
				Caption: "A tanker at dusk",
				Credit:  "Syndicate",
				Type:    "image/jpeg",
				Length:  961,
			},
			Published: time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC),
			Updated:   time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC),
		},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d: %+v", len(items), len(want), items)
	}
	for i := range want {
		t.Run(want[i].ID, func(t *testing.T) {
			got := items[i]
			if got.Published.Location() != time.UTC || got.Updated.Location() != time.UTC {
				t.Errorf("times not in UTC: %v, %v", got.Published, got.Updated)
			}
			if got.Image != nil && want[i].Image != nil && *got.Image != *want[i].Image {
				t.Errorf("image\n got %+v\nwant %+v", *got.Image, *want[i].Image)
			}
			if !reflect.DeepEqual(got, want[i]) {
				t.Errorf("item\n got %#v\nwant %#v", got, want[i])
			}
		})
	}
}

// TestLoadProblems runs each fixture folder under testdata/problems on its
// own, so every case proves exactly one message and its line.
func TestLoadProblems(t *testing.T) {
	tests := []struct {
		dir  string
		want string // file:line: message, file relative to the case folder
	}{
		{"no-front-matter", "article.md:1: missing front matter: the first line must be +++"},
		{"yaml-front-matter", "article.md:1: front matter must be TOML between +++ lines, not YAML between ---"},
		{"unterminated", "article.md:1: unterminated front matter: no closing +++ line"},
		{"syntax-error", "article.md:3: TOML syntax error: basic strings cannot have new lines"},
		{"unknown-key", `article.md:3: unknown key "titel"`},
		{"unknown-image-key", `article.md:14: unknown key "image.captoin"`},
		{"wrong-type", "article.md:7: tags has the wrong type: want an array of strings, got a string"},
		{"wrong-type-length", "article.md:14: image.length has the wrong type: want an integer, got a string"},
		{"missing-id", "article.md:2: missing id"},
		{"missing-title", "article.md:2: missing title"},
		{"empty-title", "article.md:3: title is empty"},
		{"missing-standfirst", "article.md:2: missing standfirst"},
		{"missing-published", "article.md:2: missing published"},
		{"missing-sections", "article.md:2: missing sections"},
		{"missing-authors", "article.md:2: missing authors: add an [[authors]] table"},
		{"author-without-name", "article.md:9: author 1 has no name"},
		{"bad-id", `article.md:2: id "Gulf_Shipping" may hold only a-z, 0-9 and -`},
		{"duplicate-id", `b.md:2: duplicate id "case-id": already used by testdata/problems/duplicate-id/a.md:2`},
		{"unknown-section", `article.md:6: unknown section "middle-eats"`},
		{"latest-section", `article.md:6: section "latest" is built in and carries every article: do not list it`},
		{"local-datetime", "article.md:5: published 2026-10-14T09:30:00 has no UTC offset: write e.g. 2026-10-14T09:30:00Z or 2026-10-14T09:30:00+02:00"},
		{"quoted-date", "article.md:5: published must be a TOML datetime such as 2026-10-14T09:30:00Z, not a quoted string"},
		{"impossible-date", "article.md:5: published: impossible date"},
		{"updated-before-published", "article.md:6: updated 2026-10-13T09:30:00Z is before published 2026-10-14T09:30:00Z"},
		{"relative-image-url", `article.md:13: bad image url "media/a.jpg": write an absolute https:// URL or a path under /media/`},
		{"image-outside-media", `article.md:13: bad image url "/images/a.jpg": a local image must be a file directly under /media/, named with letters, digits, '.', '_' and '-'`},
		{"missing-media-file", "article.md:13: image file testdata/problems/missing-media-file/media/nope.jpg not found"},
		{"image-not-served", `article.md:12: bad image url "/media/chart.svg": /media/ serves images only as .jpg, .jpeg, .png, .gif, .webp or .avif files`},
		{"image-length-mismatch", "article.md:14: image length 12345 does not match testdata/problems/image-length-mismatch/media/tiny.jpg (961 bytes); drop length to derive it"},
		{"author-url-not-absolute", `article.md:11: author url "/authors/leila-haddad" is not absolute: write it with https://`},
		{"author-bad-email", `article.md:11: author email "leila at syndicate" is not an address such as name@example.org`},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join("testdata/problems", tt.dir)
			items, problems := Load(testOptions(dir))
			var got []string
			for _, p := range problems {
				got = append(got, p.Error())
			}
			want := dir + string(filepath.Separator) + tt.want
			if len(got) != 1 || got[0] != want {
				t.Errorf("problems:\n got %q\nwant %q", got, want)
			}
			// The duplicate's first file is fine and stays published.
			wantItems := 0
			if tt.dir == "duplicate-id" {
				wantItems = 1
			}
			if len(items) != wantItems {
				t.Errorf("got %d items, want %d", len(items), wantItems)
			}
		})
	}
}

func TestLoadKeepsGoodArticles(t *testing.T) {
	items, problems := Load(testOptions("testdata/mixed"))
	if len(items) != 2 {
		t.Errorf("got %d items, want 2", len(items))
	}
	if len(problems) != 1 || problems[0].File != "testdata/mixed/2026-10-03-third.md" || problems[0].Line != 6 {
		t.Errorf("problems = %v, want one for third.md:6", problems)
	}
	// Newest first, so every caller lists articles in the same order.
	if len(items) == 2 && !strings.HasSuffix(items[0].ID, "/second") {
		t.Errorf("first item = %s, want the newer article", items[0].ID)
	}
}

func TestLoadMissingDir(t *testing.T) {
	items, problems := Load(testOptions("testdata/no-such-dir"))
	if len(items) != 0 || len(problems) != 1 {
		t.Fatalf("got %d items, %v", len(items), problems)
	}
	if got := problems[0].Error(); !strings.HasPrefix(got, "testdata/no-such-dir: cannot read article folder") {
		t.Errorf("problem = %q", got)
	}
}

func TestProblemError(t *testing.T) {
	p := Problem{File: "feeds/x.md", Line: 7, Message: `unknown section "middle-eats"`}
	if got, want := p.Error(), `feeds/x.md:7: unknown section "middle-eats"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestLoadTagRule: article ids follow item.TagPrefix, the rule render
// holds feed ids to, so an authority written in capitals still gives the
// ids render would mint, and one that is no authority fails the load.
func TestLoadTagRule(t *testing.T) {
	opts := testOptions("testdata/mixed")
	opts.TagAuthority = "Syndicate.Example"
	items, _ := Load(opts)
	if len(items) == 0 || !strings.HasPrefix(items[0].ID, "tag:syndicate.example,2026-01-01:article/") {
		t.Errorf("items = %+v, want ids under tag:syndicate.example,2026-01-01:", items)
	}

	opts.TagAuthority = "syndicate.example:8080"
	items, problems := Load(opts)
	if len(items) != 0 || len(problems) != 1 || problems[0].File != opts.Dir || !strings.Contains(problems[0].Message, "tag authority") {
		t.Errorf("got %d items, problems %v; want none and one naming the tag authority", len(items), problems)
	}
}
