package ops_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"syndicate/internal/browsertest"
	"syndicate/internal/config"
	"syndicate/internal/ops"
)

// TestStatusPageInChromium loads /status in a real browser: the rows, the
// badges, the counts and the sparklines must survive Chromium's parsing
// (SVG inside HTML is where hand-written markup usually breaks), and the
// page must render to a screenshot at desktop and phone widths.
func TestStatusPageInChromium(t *testing.T) {
	browsertest.Chromium(t)
	healthy, failing := okState(partner), failingState(wire)
	e := start(t, ops.Deps{Sources: []config.Source{wire, partner}, States: statesOf(failing, healthy)})

	doc := browsertest.Parse(t, browsertest.DumpDOM(t, e.URL+"/status"))

	if n := len(browsertest.All(doc, "tr.source")); n != 2 {
		t.Fatalf("%d source rows, want 2", n)
	}
	bad := browsertest.One(doc, "tr.source[data-source=wire]")
	good := browsertest.One(doc, "tr.source[data-source=partner]")
	if bad == nil || good == nil {
		t.Fatal("a source row is missing")
	}
	if !browsertest.HasClass(bad, "status-error") || browsertest.Text(browsertest.One(bad, "span.badge.badge-error")) != "error" {
		t.Errorf("failing row %q lacks the error class and badge", browsertest.Attr(bad, "class"))
	}
	if !browsertest.HasClass(good, "status-ok") || browsertest.One(good, "span.badge.badge-ok") == nil {
		t.Errorf("healthy row %q lacks the ok class and badge", browsertest.Attr(good, "class"))
	}
	if browsertest.One(doc, "script") != nil {
		t.Error("the last error's markup became a script element")
	}
	if got := browsertest.Text(browsertest.One(bad, "td.errors")); got != "4" {
		t.Errorf("consecutive errors shown as %q", got)
	}
	if ts := browsertest.One(bad, "td.last-success time"); ts == nil || browsertest.Attr(ts, "datetime") != "2026-10-20T11:00:00Z" || browsertest.Text(ts) != "1 hour ago" {
		t.Errorf("last success not shown as a relative time with its exact time")
	}
	// Both rows have failures in their history; the failing one has more.
	checkSparkline(t, bad, 16, 5)
	checkSparkline(t, good, 12, 1)
	checkCounts(t, doc, map[string]int{"ok": 1, "error": 1}, "ok")

	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		path := filepath.Join(t.TempDir(), "status-"+size.name+".png")
		browsertest.Screenshot(t, e.URL+"/status", path, size.width, size.height)
		png, err := os.ReadFile(path)
		if err != nil || !strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n") {
			t.Errorf("%s screenshot is not a PNG (err %v)", size.name, err)
		}
		t.Logf("status page, %s: %s (%d bytes)", size.name, path, len(png))
	}
}
