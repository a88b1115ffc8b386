package render

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"syndicate/internal/item"
)

// The conformance files live beside the repository, not in it.
var conformanceDir = filepath.Join("..", "..", "..", "shared", "conformance")

// systemPython is Debian's python3, where apt installs python3-jsonschema;
// the python3 first on PATH may be another one.
const systemPython = "/usr/bin/python3"

const validateJSON = `import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))`

// conformanceSetup skips when the shared files are absent, and fails (on
// CI) or skips (elsewhere) when a validator is missing.
func conformanceSetup(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(conformanceDir); err != nil {
		t.Skip("conformance: ../shared not present beside the repo; skipping")
	}
	missing := func(what, pkg string) {
		msg := fmt.Sprintf("conformance: %s is missing; install it with: apt-get install -y %s", what, pkg)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := exec.LookPath("jing"); err != nil {
		missing("jing", "jing")
	}
	if err := exec.Command(systemPython, "-c", "import jsonschema").Run(); err != nil {
		missing("python3-jsonschema for "+systemPython, "python3-jsonschema")
	}
}

// conformanceSections are the fixture, an empty section and a section of
// hostile text, which must all stay valid.
func conformanceSections() map[string]Section {
	hostile := hostileItem("\x00<b>\x85]]>\uFFFE&amp; \xff💥 'x\" @ not-an-email")
	bare := &item.Item{ID: "7", Title: "No dates, no URL, no authors"}
	return map[string]Section{
		"fixture": fixtureSection(),
		"empty":   {Slug: "empty", Title: "Empty"},
		"hostile": {Slug: "hostile", Title: "Hostile\x01", Items: []*item.Item{hostile, bare}},
	}
}

func TestConformance(t *testing.T) {
	conformanceSetup(t)
	rnc := filepath.Join(conformanceDir, "atom.rnc")
	schema := filepath.Join(conformanceDir, "jsonfeed-1.1.schema.json")
	for name, sec := range conformanceSections() {
		t.Run(name, func(t *testing.T) {
			docs, err := Feeds(fixtureSite(), sec)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			atom := filepath.Join(dir, "atom.xml")
			feed := filepath.Join(dir, "feed.json")
			if err := os.WriteFile(atom, docs[FormatAtom].Body, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(feed, docs[FormatJSON].Body, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Run("atom", func(t *testing.T) {
				if out, err := exec.Command("jing", "-c", rnc, atom).CombinedOutput(); err != nil {
					t.Errorf("jing: %v\n%s\n%s", err, out, docs[FormatAtom].Body)
				}
			})
			t.Run("json", func(t *testing.T) {
				if out, err := exec.Command(systemPython, "-c", validateJSON, schema, feed).CombinedOutput(); err != nil {
					t.Errorf("jsonschema: %v\n%s\n%s", err, out, docs[FormatJSON].Body)
				}
			})
		})
	}
}

// hostileItem puts s in every text field of an item.
func hostileItem(s string) *item.Item {
	return &item.Item{
		ID:          s,
		URL:         "https://news.example/articles/" + s,
		Title:       s,
		Summary:     s,
		ContentHTML: "<p>" + s + "</p>",
		Authors:     []item.Person{{Name: s, Email: s, URL: s}, {Email: s}},
		Sections:    []string{s, "middle-east"},
		Tags:        []string{s, ""},
		Image:       &item.Image{URL: "https://news.example/media/" + s, Caption: s, Credit: s, Type: s, Length: -1},
		Published:   time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC),
		Origin:      &item.Origin{SourceID: s, FeedID: s, Title: s, FeedURL: s, HomeURL: s},
	}
}
