package browsertest

import (
	"strings"
	"testing"
)

func TestSelectors(t *testing.T) {
	doc := Parse(t, `<html><head><link rel="alternate" type="application/rss+xml" href="http://x.test/a/rss.xml"></head>
<body><table><tr class="source status-error" data-source="wire"><td><svg class="sparkline"><polyline points="0,1"/><circle class="fail" fill="red"/></svg></td></tr>
<tr class="source status-ok" data-source="desk"><td id="n">  two
 words </td></tr></table></body></html>`)
	for _, tt := range []struct {
		selector string
		want     int
	}{
		{"tr.source", 2},
		{"tr.source.status-error", 1},
		{"tr[data-source=wire]", 1},
		{`tr[data-source="desk"]`, 1},
		{"tr[data-source]", 2},
		{"link[type=application/rss+xml]", 1},
		{"head link[href=http://x.test/a/rss.xml]", 1},
		{"tr.status-error svg.sparkline circle.fail", 1},
		{"tr.status-ok svg.sparkline circle.fail", 0},
		{"svg polyline", 1},
		{"#n", 1},
		{"td#n", 1},
		{"body link", 0},
	} {
		t.Run(tt.selector, func(t *testing.T) {
			if got := len(All(doc, tt.selector)); got != tt.want {
				t.Errorf("%d matches, want %d", got, tt.want)
			}
		})
	}
	if got := Text(One(doc, "#n")); got != "two words" {
		t.Errorf("Text = %q", got)
	}
	if !HasClass(One(doc, "tr"), "status-error") || HasClass(One(doc, "tr"), "status") {
		t.Error("HasClass matches class names only whole")
	}
	if got := Attr(One(doc, "circle"), "fill"); got != "red" {
		t.Errorf("Attr fill = %q", got)
	}
}

func TestBadSelectorPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "unclosed") {
			t.Errorf("recovered %v, want a panic naming the unclosed bracket", r)
		}
	}()
	All(Parse(t, "<p>"), "p[x")
}
