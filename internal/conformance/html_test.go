package conformance

import (
	"strings"
	"testing"
)

func TestHTMLProblems(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // a substring of the first problem; "" for clean HTML
	}{
		{"clean", `<p>One <a href="https://x.example/" rel="nofollow">two</a><br/>three &amp; four</p><ul><li>a</li></ul>`, ""},
		{"clean table", `<table><tbody><tr><td>a</td></tr></tbody></table>`, ""},
		{"clean figure", `<figure><img src="https://x.example/a.jpg" alt="a"/><figcaption>c</figcaption></figure>`, ""},
		{"stray end tag", `<p>One</p></div>`, "</div> closes nothing"},
		{"misnested inline", `<b><i>x</b></i>`, "<i> is not closed before </b>"},
		{"unclosed", `<div><p>x`, "<p> is never closed"},
		{"implied li", `<ul><li>a<li>b</ul>`, "<li> inside an open <li>"},
		{"block in paragraph", `<p>a<div>b</div></p>`, "<div> inside <p>"},
		{"link in link", `<a href="https://x.example/">a<a href="https://y.example/">b</a></a>`, "<a> inside <a>"},
		{"heading in heading", `<h1>a<h2>b</h2></h1>`, "<h2> inside <h1>"},
		{"void end tag", `<table><col></col></table>`, "</col>"},
		{"col outside table", `<p>a<col/>b</p>`, "outside a table"},
		{"text in table", `<table>x<tr><td>y</td></tr></table>`, "text directly inside <table>"},
		{"div in table", `<table><div>x</div></table>`, "<div> directly inside <table>"},
		{"self-closed iframe", `<iframe src="https://www.youtube.com/embed/a"/>`, "is a security risk"},
		{"self-closed div", `<div/>`, "only void elements"},
		{"bare ampersand", `<p>AT&T</p>`, "bare &"},
		{"script", `<script>x</script>`, "security risk"},
		{"event handler", `<p onclick="x()">a</p>`, "runs script"},
		{"sandbox", `<p sandbox="">a</p>`, "attribute is a security risk"},
		{"not html", `<foo>a</foo>`, "not an HTML element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HTMLProblems(tt.in)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("problems in clean HTML: %q", got)
			case tt.want != "" && (len(got) == 0 || !strings.Contains(got[0], tt.want)):
				t.Errorf("problems %q, want one about %q", got, tt.want)
			}
		})
	}
	if got := HTMLParseErrors(`<iframe src="https://www.youtube.com/embed/a" sandbox="allow-scripts"></iframe>`); len(got) > 0 {
		t.Errorf("HTMLParseErrors reports risks: %q", got)
	}
}
