package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"syndicate/internal/document"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// renderFixture renders the fixture section in every format.
func renderFixture(t testing.TB) map[string]document.Document {
	t.Helper()
	docs, err := Feeds(fixtureSite(), fixtureSection())
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestGolden(t *testing.T) {
	docs := renderFixture(t)
	for _, format := range FeedFormats {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join("testdata", "middle-east."+format+".golden")
			got := docs[format].Body
			if *updateGolden {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				at := firstDifference(got, want)
				t.Errorf("%s differs from %s at byte %d:\n got: %q\nwant: %q\n(run go test -update if the change is intended)",
					format, path, at, excerpt(got, at), excerpt(want, at))
			}
		})
	}
}

func firstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// excerpt shows the bytes around offset: feeds are written on one line, so
// a line diff would show nothing useful.
func excerpt(b []byte, at int) []byte {
	lo, hi := max(at-60, 0), min(at+60, len(b))
	return b[lo:hi]
}
