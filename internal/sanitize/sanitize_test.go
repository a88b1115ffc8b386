package source

import (
	"net/url"
	"strings"
	"testing"

	"syndicate/internal/config"
)

func TestXSSRemoved(t *testing.T) {
	src := config.Source{ID: "xss", URL: "https://xss.example/feed", Sections: []string{"world"}}
	p, err := process(fixture(t, "xss.xml"), "", src.URL, &src, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.items) != 1 {
		t.Fatalf("got %d items", len(p.items))
	}
	it := p.items[0]
	html := it.ContentHTML
	lower := strings.ToLower(html)
	for _, bad := range []string{
		"<script", "alert(", "onerror", "onclick", "onload", "javascript:", "vbscript:", "data:",
		"<style", "color:red", "evil.example", "<svg", "<form", "<input", "<object", "<embed",
		"<meta", `target="_self"`, "opener\"", "allow-top-navigation",
	} {
		if strings.Contains(lower, bad) {
			t.Errorf("content still holds %q:\n%s", bad, html)
		}
	}
	for _, good := range []string{
		`<iframe src="https://www.youtube-nocookie.com/embed/abc123" allowfullscreen="" sandbox="allow-scripts allow-same-origin"></iframe>`,
		`<iframe src="https://player.vimeo.com/video/42" sandbox="allow-scripts allow-same-origin"></iframe>`,
		`<a href="https://xss.example/relative/path" ` + rel + `>rel</a>`,
		`<a href="https://xss.example/posts/other?x=1&amp;y=2" ` + rel + `>sibling</a>`,
		`<img src="https://xss.example/img/a.png" alt="a">`,
		`<a href="https://cdn.example/x" ` + rel + `>proto</a>`,
		`<a href="https://ok.example/" ` + rel + `>ok</a>`,
		`<img src="https://xss.example/posts/x.png">`,
		`js link`,
	} {
		if !strings.Contains(html, good) {
			t.Errorf("content lacks %s:\n%s", good, html)
		}
	}
	// A dropped iframe's fallback text stays, as escaped text: bluemonday
	// keeps the content of elements it drops for want of attributes.
	if n := strings.Count(html, "<iframe"); n != 2 {
		t.Errorf("%d iframes kept, want the 2 allowlisted:\n%s", n, html)
	}
	for name, s := range map[string]string{"title": it.Title, "summary": it.Summary, "feed title": p.meta.title} {
		if strings.ContainsAny(s, "<>") || strings.Contains(s, "alert") || strings.Contains(s, "display:none") {
			t.Errorf("%s keeps markup or script: %q", name, s)
		}
	}
	if it.Title != "Headline" {
		t.Errorf("title = %q", it.Title)
	}
	if it.Summary != "click summary" {
		t.Errorf("summary = %q", it.Summary)
	}
}

func TestSanitizeURLs(t *testing.T) {
	base, _ := url.Parse("https://site.example/a/b/post.html")
	tests := []struct{ in, want string }{
		{`<a href="/x">x</a>`, `<a href="https://site.example/x" ` + rel + `>x</a>`},
		{`<a href="x?q=1&amp;r=2#f">x</a>`, `<a href="https://site.example/a/b/x?q=1&amp;r=2#f" ` + rel + `>x</a>`},
		{`<a href="../up">x</a>`, `<a href="https://site.example/a/up" ` + rel + `>x</a>`},
		{`<a href="mailto:desk@site.example">m</a>`, `<a href="mailto:desk@site.example" ` + rel + `>m</a>`},
		{`<a name="anchor">n</a>`, `n`},
		{`<img src="pic.jpg" alt="p"/>`, `<img src="https://site.example/a/b/pic.jpg" alt="p"/>`},
		{`<blockquote cite="/src">q</blockquote>`, `<blockquote cite="https://site.example/src">q</blockquote>`},
		{`<img src="data:image/png;base64,iVBORw0KGgo=">`, ``},
		{`<a href="java&#x09;script:alert(1)">t</a>`, `t`},
		{`<iframe src="//www.youtube.com/embed/v1"></iframe>`, `<iframe src="https://www.youtube.com/embed/v1" sandbox="allow-scripts allow-same-origin"></iframe>`},
		{`<iframe src="https://www.youtube.com@evil.example/embed/v1"></iframe>`, ``},
		{`<p>a<iframe src="https://evil.example/" allowfullscreen>text</iframe>b</p>`, `<p>ab</p>`},
		{`<map name="m"><area href="/x" alt="x"></map>`, `<map name="m"><area href="https://site.example/x" alt="x" ` + rel + `></map>`},
		{`<p>5 &lt; 6 &amp; 7 &gt; 3</p>`, `<p>5 &lt; 6 &amp; 7 &gt; 3</p>`},
	}
	for _, tt := range tests {
		if got := sanitizeHTML(tt.in, base); got != tt.want {
			t.Errorf("sanitizeHTML(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Plain title", "Plain title"},
		{"  spaced \n\t out  ", "spaced out"},
		{"Tom &amp; Jerry", "Tom & Jerry"},
		{"Tom & Jerry", "Tom & Jerry"},
		{"5 < 6", "5 < 6"},
		{"<p>One</p><p>Two</p>", "One Two"},
		{"a<br>b", "a b"},
		{"<b>bold</b> and <i>it</i>", "bold and it"},
		{"x<script>alert(1)</script>y", "xy"},
		{"x<style>p{}</style>y", "xy"},
		{"caf&eacute; &#8212; &#x2019;", "café — \u2019"},
		{"non\u00a0breaking", "non breaking"},
		{"bell\x07", "bell"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("short", 10); got != "short" {
		t.Errorf("got %q", got)
	}
	if got := truncate("the quick brown fox jumps", 12); got != "the quick…" {
		t.Errorf("got %q", got)
	}
	if got := truncate("ééééééééééééé", 5); got != "ééééé…" {
		t.Errorf("got %q", got)
	}
}

// TestStripSimpleAgreesWithTokenizer checks the fast path of plainText
// against the tokenizer on inputs it accepts, and that it declines the
// inputs it cannot handle.
func TestStripSimpleAgreesWithTokenizer(t *testing.T) {
	accepted := []string{
		"<p>Lloyd's underwriters <b>doubled</b> rates.</p>",
		"a<br>b<br/>c<BR />d",
		"<p>One</p><p>Two</p>",
		"5 < 6 and 7 > 3 &amp; <em>so</em> on",
		"x < y<i>z</i>",
		"<a href=/x>link</a> &lt;b&gt; &eacute;",
		"<ul><li>one</li><li>two</li></ul>",
		"trailing <",
		"<p>caf\u00e9\u00a0au lait</p>",
		"</p>stray end",
	}
	for _, in := range accepted {
		fast, ok := stripSimple(in)
		if !ok {
			t.Errorf("stripSimple declined %q", in)
			continue
		}
		if slow := stripTokens(in); fast != slow {
			t.Errorf("%q: fast %q, tokenizer %q", in, fast, slow)
		}
	}
	for _, in := range []string{
		`<a href="x>y">t</a>`,
		"a<script>alert(1)</script>b",
		"<!-- c -->x",
		"<p unterminated",
		"<style>p{}</style>x",
		"<title>t</title>x",
	} {
		if _, ok := stripSimple(in); ok {
			t.Errorf("stripSimple accepted %q", in)
		}
	}
}
