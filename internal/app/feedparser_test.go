package app

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/charset"
	"syndicate/internal/item"
	"syndicate/internal/parse"
)

// readWithFeedparser prints what Python's feedparser reads of a feed: per
// entry its id, link, title, author, enclosures and Media RSS content, and
// whether it is empty (no title, link, text or media).
const readWithFeedparser = `
import feedparser, json, sys
d = feedparser.parse(open(sys.argv[1], 'rb').read())
out = []
for e in d.entries:
    media = [m.get('url') for m in e.get('media_content', [])]
    encl = [x.get('href') for x in e.get('enclosures', [])]
    out.append({'id': e.get('id') or e.get('link') or '', 'link': e.get('link') or '',
                'title': e.get('title') or '', 'author': e.get('author') or '',
                'media': [u for u in encl + media if u],
                'empty': not (e.get('title') or e.get('link') or e.get('summary') or encl or media)})
json.dump(out, sys.stdout)
`

type feedparserEntry struct {
	ID, Link, Title, Author string
	Media                   []string
	Empty                   bool
}

// TestAgainstFeedparser reads each XML fixture of the fidelity suite with
// Python's feedparser and with Syndicate's parser: every entry feedparser
// finds, Syndicate finds too (but those with nothing in them), with the
// same id, link and title, every author feedparser names, and every file
// feedparser sees enclosed.
func TestAgainstFeedparser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import feedparser").Run(); err != nil {
		t.Skip("python3-feedparser is not installed")
	}
	for _, s := range fidelitySources {
		if !strings.HasSuffix(s.file, ".xml") && !strings.HasSuffix(s.file, ".atom") || s.file == "entities.xml" {
			continue // feedparser 6.0 reads no JSON Feed; entities are refused on purpose
		}
		t.Run(s.file, func(t *testing.T) {
			path := filepath.Join("testdata", "fidelity", s.file)
			out, err := exec.Command("/usr/bin/python3", "-c", readWithFeedparser, path).Output()
			if err != nil {
				t.Fatalf("feedparser: %v", err)
			}
			var theirs []feedparserEntry
			if err := json.Unmarshal(out, &theirs); err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			body, err = charset.ToUTF8(body, s.contentType)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parse.Parse(body, parse.Options{SourceID: s.id, URL: "https://" + s.id + ".example/feed", Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			ours := map[string]parse.Entry{}
			for _, e := range f.Entries {
				ours[item.UpstreamID(s.id, e.Item.ID)] = e
			}
			kept := 0
			for _, fp := range theirs {
				if fp.Empty {
					continue
				}
				kept++
				e, ok := ours[fp.ID]
				if !ok {
					t.Errorf("feedparser's %q: not found", fp.ID)
					continue
				}
				it := e.Item
				if it.URL != fp.Link || (fp.Title != "" && it.Title != strings.Join(strings.Fields(fp.Title), " ")) {
					t.Errorf("%s: link %q, title %q; feedparser %q, %q", fp.ID, it.URL, it.Title, fp.Link, fp.Title)
				}
				var files []string
				if it.Image != nil {
					files = append(files, it.Image.URL)
				}
				for _, enc := range it.Enclosures {
					files = append(files, enc.URL)
				}
				for _, m := range fp.Media {
					// feedparser, given bytes without their URL, leaves a
					// relative link as it is; Syndicate resolves it.
					if ref, err := url.Parse(m); err == nil && !ref.IsAbs() {
						base, _ := url.Parse(it.URL)
						m = base.ResolveReference(ref).String()
					}
					if !slices.Contains(files, m) {
						t.Errorf("%s: feedparser's enclosure %s is missing from %q", fp.ID, m, files)
					}
				}
				for _, a := range it.Authors {
					if fp.Author != "" && !strings.Contains(fp.Author, a.Name) {
						t.Errorf("%s: author %q is not in feedparser's %q", fp.ID, a.Name, fp.Author)
					}
				}
				if fp.Author != "" && len(it.Authors) == 0 {
					t.Errorf("%s: no author; feedparser has %q", fp.ID, fp.Author)
				}
			}
			if len(f.Entries) != kept {
				t.Errorf("%d entries; feedparser has %d with something in them", len(f.Entries), kept)
			}
		})
	}
}
