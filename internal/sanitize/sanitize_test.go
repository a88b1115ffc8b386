package sanitize

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"syndicate/internal/conformance"
	"syndicate/internal/item"
)

const rel = `rel="` + item.LinkRel + `"`

var base, _ = url.Parse("https://site.example/a/b/post.html")

func TestHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"root-relative link", `<a href="/x">x</a>`, `<a href="https://site.example/x" ` + rel + `>x</a>`},
		{"relative link keeps query and fragment", `<a href="x?q=1&amp;r=2#f">x</a>`, `<a href="https://site.example/a/b/x?q=1&amp;r=2#f" ` + rel + `>x</a>`},
		{"parent link", `<a href="../up">x</a>`, `<a href="https://site.example/a/up" ` + rel + `>x</a>`},
		{"protocol-relative link", `<a href="//cdn.example/x">proto</a>`, `<a href="https://cdn.example/x" ` + rel + `>proto</a>`},
		{"mailto", `<a href="mailto:desk@site.example">m</a>`, `<a href="mailto:desk@site.example" ` + rel + `>m</a>`},
		{"anchor without link", `<a name="anchor">n</a>`, `n`},
		{"self-closing image", `<img src="pic.jpg" alt="p"/>`, `<img src="https://site.example/a/b/pic.jpg" alt="p"/>`},
		{"cite", `<blockquote cite="/src">q</blockquote>`, `<blockquote cite="https://site.example/src">q</blockquote>`},
		{"image map area", `<map name="m"><area href="/x" alt="x"></map>`, `<map><area href="https://site.example/x" alt="x" ` + rel + `/></map>`},
		{"id", `<h2 id="location">Where</h2><p id="x" title="t">p</p>`, `<h2>Where</h2><p title="t">p</p>`},
		{"id and name that clobber the DOM", `<img id="getElementById" name="cookie" src="/a.png"><a id=x name=y href="/z">z</a>`, `<img src="https://site.example/a.png"/><a href="https://site.example/z" ` + rel + `>z</a>`},
		{"id and name as text", `<p> id="x" name="y"</p>`, `<p> id=&#34;x&#34; name=&#34;y&#34;</p>`},
		{"escaped text kept", `<p>5 &lt; 6 &amp; 7 &gt; 3</p>`, `<p>5 &lt; 6 &amp; 7 &gt; 3</p>`},
		{"blank", " \n\t", ""},
		{"data image", `<img src="data:image/png;base64,iVBORw0KGgo=">`, ``},
		{"obfuscated javascript", `<a href="java&#x09;script:alert(1)">t</a>`, `t`},
		{"javascript link", `<a href="javascript:alert(2)">js link</a>`, `js link`},
		{"mixed-case javascript", `<a href="JaVaScRiPt:alert(3)">mixed</a>`, `mixed`},
		{"spaced javascript", `<a href="  javascript:alert(6)">spaced</a>`, `spaced`},
		{"vbscript", `<a href="vbscript:msgbox(1)">vb</a>`, `vb`},
		{"event handler", `<p onclick="alert(1)">Para</p>`, `<p>Para</p>`},
		{"script", `a<script>alert('x')</script>b`, `ab`},
		{"style element", `<style>p{color:red}</style>x`, `x`},
		{"style attribute and target", `<a href="https://ok.example/" target="_self" rel="opener" style="color:red">ok</a>`, `<a href="https://ok.example/" ` + rel + `>ok</a>`},
		{"svg", `<svg onload="alert(5)"><circle r="1"/></svg>x`, `x`},
		{"form", `<form action="https://evil.example"><input name="q"></form>x`, `x`},
		{"object and embed", `<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y.swf">x`, `x`},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example/">x`, `x`},
		{"allowed embed", `<iframe src="https://www.youtube-nocookie.com/embed/abc123" allowfullscreen></iframe>`, `<iframe src="https://www.youtube-nocookie.com/embed/abc123" allowfullscreen="" sandbox="` + iframeSandbox + `"></iframe>`},
		{"allowed embed, its sandbox replaced", `<iframe src="https://player.vimeo.com/video/42" sandbox="allow-top-navigation"></iframe>`, `<iframe src="https://player.vimeo.com/video/42" sandbox="` + iframeSandbox + `"></iframe>`},
		{"protocol-relative embed", `<iframe src="//www.youtube.com/embed/v1"></iframe>`, `<iframe src="https://www.youtube.com/embed/v1" sandbox="` + iframeSandbox + `"></iframe>`},
		{"embed host as userinfo", `<iframe src="https://www.youtube.com@evil.example/embed/v1"></iframe>`, ``},
		{"embed host as subdomain", `<iframe src="https://www.youtube.com.evil.example/embed/x"></iframe>`, ``},
		{"foreign iframe and its fallback", `<p>a<iframe src="https://evil.example/" allowfullscreen>text</iframe>b</p>`, `<p>ab</p>`},
		{"foreign iframe without attributes left", `<p>a<iframe src="https://evil.example/">fallback</iframe>b</p>`, `<p>ab</p>`},
		{"allowed embed and its fallback", `<iframe src="https://www.youtube.com/embed/v1">Your browser shows no iframes</iframe>`, `<iframe src="https://www.youtube.com/embed/v1" sandbox="` + iframeSandbox + `"></iframe>`},
		{"characters XML forbids", "<p>bell\x07</p>", "<p>bell</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.in, base); got != tt.want {
				t.Errorf("HTML(%s)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLWithoutBase(t *testing.T) {
	// A relative URL that cannot be resolved stays as it is: better a
	// link relative to our page than none.
	if got, want := HTML(`<a href="/x">x</a>`, nil), `<a href="/x" `+rel+`>x</a>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Plain title", "Plain title"},
		{"white space", "  spaced \n\t out  ", "spaced out"},
		{"entity", "Tom &amp; Jerry", "Tom & Jerry"},
		{"bare ampersand", "Tom & Jerry", "Tom & Jerry"},
		{"bare less-than", "5 < 6", "5 < 6"},
		{"paragraphs", "<p>One</p><p>Two</p>", "One Two"},
		{"break", "a<br>b", "a b"},
		{"inline markup", "<b>bold</b> and <i>it</i>", "bold and it"},
		{"script", "x<script>alert(1)</script>y", "xy"},
		{"style", "x<style>p{}</style>y", "xy"},
		{"title element", "<title>t</title>x", "x"},
		{"comment", "<!-- c -->x", "x"},
		{"quoted attribute holding >", `<a href="x>y">t</a>`, "t"},
		{"escaped markup stays text", "&lt;b&gt; &eacute;", "<b> é"},
		{"named and numeric entities", "caf&eacute; &#8212; &#x2019;", "café — \u2019"},
		{"no-break space", "non\u00a0breaking", "non breaking"},
		{"control character", "bell\x07", "bell"},
		{"control character between spaces", "a \x07 b", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTextToHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", " \n ", ""},
		{"one paragraph", "Short note.", "<p>Short note.</p>"},
		{"paragraphs and breaks", "One\r\n\r\nTwo\nlines", "<p>One</p><p>Two<br>lines</p>"},
		{"escaped", `<angle> & "quotes"`, "<p>&lt;angle&gt; &amp; &#34;quotes&#34;</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TextToHTML(tt.in); got != tt.want {
				t.Errorf("TextToHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAbsoluteURL(t *testing.T) {
	tests := []struct{ name, ref, want string }{
		{"absolute", "https://x.example/a", "https://x.example/a"},
		{"relative", "c.html", "https://site.example/a/b/c.html"},
		{"trimmed", "  /top ", "https://site.example/top"},
		{"mailto refused", "mailto:a@b.example", ""},
		{"javascript refused", "javascript:alert(1)", ""},
		{"no host", "http:///path", ""},
		{"empty", "", ""},
		{"unparsable", "http://[::1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AbsoluteURL(base, tt.ref); got != tt.want {
				t.Errorf("AbsoluteURL(%q) = %q, want %q", tt.ref, got, tt.want)
			}
		})
	}
	if got := AbsoluteURL(nil, "/x"); got != "" {
		t.Errorf("relative without base: %q", got)
	}
}

// htmlSeeds are the shapes of markup upstream content holds, hostile or not.
var htmlSeeds = []string{
	`<p onclick="alert(1)">Para <a href="javascript:alert(2)">js</a> <a href="  javascript:alert(6)">sp</a></p>`,
	`<img src="x.png" onerror="alert(4)"><img src="data:image/svg+xml;base64,PHN2Zz4=">`,
	`<iframe src="https://www.youtube-nocookie.com/embed/abc123" allowfullscreen></iframe><iframe src="https://evil.example/">f</iframe>`,
	`<p><a href="/relative/path">rel</a> <a href="other?x=1&amp;y=2">sib</a> <a href="//cdn.example/x">proto</a></p>`,
	`<svg onload="alert(5)"><circle r="1"/></svg><form action="https://evil.example"><input name="q"></form>`,
	`<a href="https://ok.example/" target="_self" rel="opener" style="color:red">ok</a><meta http-equiv="refresh" content="0">`,
	`<figure><img src="/media/1/lead.jpg" alt="lead"><figcaption>cap</figcaption></figure><blockquote cite="/q"><p>q</p></blockquote>`,
	`<a href="java&#x09;script:alert(1)">t</a><a href="&#106;avascript:alert(1)">u</a>`,
	"<p>caf\u00e9 &eacute; &lt;b&gt; 5 < 6</p><!-- c --><![CDATA[x]]>",
}

// FuzzHTML checks what sanitizing promises whatever the input: nothing
// that runs script, no URL with a scheme other than http(s) or mailto, no
// iframe but the allowlisted players, each sandboxed, and every link with
// our rel.
func FuzzHTML(f *testing.F) {
	for _, s := range htmlSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := HTML(in, base)
		if !utf8.ValidString(out) || out != item.CleanText(out) {
			t.Fatalf("characters XML forbids in %q", out)
		}
		if p := conformance.HTMLParseErrors(out); len(p) > 0 {
			t.Fatalf("invalid HTML published: %q in %q", p, out)
		}
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "object", "embed", "form", "input", "meta", "link", "svg", "math", "base":
				t.Fatalf("<%s> survived in %q", tok.Data, out)
			}
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				attrs[a.Key] = a.Val
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" || a.Key == "srcdoc" {
					t.Fatalf("attribute %s survived in %q", a.Key, out)
				}
				if a.Key == "href" || a.Key == "src" || a.Key == "cite" {
					checkURL(t, a.Val, out)
				}
			}
			if tok.Data == "iframe" && (!item.EmbedSrc.MatchString(attrs["src"]) || attrs["sandbox"] != iframeSandbox) {
				t.Fatalf("iframe %v survived in %q", tok.Attr, out)
			}
			if tok.Data == "a" && attrs["href"] != "" && attrs["rel"] != item.LinkRel {
				t.Fatalf("link without our rel in %q", out)
			}
		}
	})
}

// checkURL fails on a URL a browser would run or inline: browsers ignore
// ASCII white space and controls inside the scheme.
func checkURL(t *testing.T, v, doc string) {
	t.Helper()
	var b strings.Builder
	for _, r := range v {
		if r > ' ' {
			b.WriteRune(r)
		}
	}
	scheme, _, ok := strings.Cut(strings.ToLower(b.String()), ":")
	if !ok || strings.ContainsAny(scheme, "/?#") {
		return // relative
	}
	switch scheme {
	case "http", "https", "mailto":
		return
	}
	t.Fatalf("URL %q survived in %q", v, doc)
}

// FuzzPlainText checks that plain text comes out as our feeds carry it:
// valid, without characters XML forbids, on one line, trimmed and with
// single spaces.
func FuzzPlainText(f *testing.F) {
	for _, s := range htmlSeeds {
		f.Add(s)
	}
	f.Add("  spaced \n\t out  ")
	f.Add("Tom &amp; Jerry &#8212; &#x2019; &nbsp;&eacute;")
	f.Add("x<script>alert(1)</script>y<style>p{}</style>z")
	f.Add("a \x07 b\u00a0c\u2028d")
	f.Fuzz(func(t *testing.T, in string) {
		out := PlainText(in)
		if !utf8.ValidString(out) || out != item.CleanText(out) {
			t.Fatalf("characters XML forbids in %q", out)
		}
		if out != strings.Join(strings.Fields(out), " ") {
			t.Fatalf("white space not collapsed: %q", out)
		}
	})
}

// TestHTMLReserialized runs html5lib-style fixtures: broken upstream markup
// comes out as the tree an HTML5 parser builds, every element closed, and
// what comes out goes through again unchanged.
func TestHTMLReserialized(t *testing.T) {
	for _, c := range readDat(t, "testdata/reserialize.dat") {
		t.Run(c.data, func(t *testing.T) {
			got := HTML(c.data, base)
			if got != c.document {
				t.Errorf("HTML(%s)\n got %s\nwant %s", c.data, got, c.document)
			}
			if again := HTML(got, base); again != got {
				t.Errorf("not a fixed point:\n once %s\ntwice %s", got, again)
			}
			// Embeds stay in what is stored, for the site's pages; feeds
			// replace them (render's tests), so only validity counts here.
			for _, p := range conformance.HTMLParseErrors(got) {
				t.Errorf("published HTML is not clean: %s", p)
			}
		})
	}
}

type datCase struct{ data, document string }

// readDat reads "#data" / "#document" blocks; lines starting with "# "
// before the first block are comments.
func readDat(t *testing.T, path string) []datCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []datCase
	var cur *datCase
	var field *string
	for line := range strings.SplitSeq(string(b), "\n") {
		switch {
		case line == "#data":
			cases = append(cases, datCase{})
			cur = &cases[len(cases)-1]
			field = &cur.data
		case line == "#document" && cur != nil:
			field = &cur.document
		case field == nil || (line == "" && field == &cur.document):
		case *field == "":
			*field = line
		default:
			*field += "\n" + line
		}
	}
	if len(cases) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return cases
}

// TestPlainTextFromTree: text comes from the parsed tree, so markup never
// shows as text, whatever the tokenizer would have made of it.
func TestPlainTextFromTree(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"self-closed iframe", `<p>Watch this:</p><iframe src="https://www.youtube.com/embed/x" width="560"/><p>Then read on.</p>`, "Watch this: Then read on."},
		{"self-closed script", `a<script src="x.js"/>b</p>`, "ab"},
		{"stray end tags", `<p>One</p></div></p>Two`, "One Two"},
		{"misnested", `<b>bold <i>both</b> italic</i>`, "bold both italic"},
		{"svg text", `a<svg><text>drawn</text></svg>b`, "ab"},
		{"table cells", `<table><tr><td>one<td>two</table>`, "one two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestPlainTextStart checks that the start of a long body's text is the
// start of its whole text, where a prefix is cut inside a word, an entity,
// a tag, a comment or a multi-byte character, and where a table could
// move later content before it.
func TestPlainTextStart(t *testing.T) {
	long := strings.Repeat("<p>Gulf shipping insurers raise war-risk premiums again.</p>\n", 40)
	tests := []struct{ name, in string }{
		{"short", "<p>Talks resume in Doha &amp; Muscat</p>"},
		{"paragraphs", long},
		{"cut entity", strings.Repeat("a&CounterClockwiseContourIntegral; ", 120)},
		{"cut tag", strings.Repeat(`x <a href="https://example.com/a/very/long/path?with=query&and=more">link</a> `, 60)},
		{"open comment", "<p>before</p><!-- " + long + " -->after " + long},
		{"script", "<script>" + long + "</script>" + long},
		{"multibyte", strings.Repeat("<p>Ankara’s envoy meets Athens’ — «again» 外交</p>", 80)},
		{"fostered", "<table><tr><td>cell</td></tr>" + long + "</table>"},
		{"fostered after a cell", "<table><tr><td>" + strings.Repeat("cell text ", 40) + "</td></tr>" + long + "</table>"},
		{"late table", long + "<table>fostered<tr><td>cell</td></tr></table>"},
		{"no text", strings.Repeat("<img src=x>", 500) + "text at last"},
		{"unescaped only", strings.Repeat("Tom &amp; Jerry ", 200)},
	}
	for _, tt := range tests {
		for _, runes := range []int{1, 80, 501} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, runes), func(t *testing.T) {
				want := firstRunes(PlainText(tt.in), runes)
				if got := PlainTextStart(tt.in, runes); got != want {
					t.Errorf("PlainTextStart = %q\nwant %q", got, want)
				}
			})
		}
	}
}

// FuzzPlainTextStart checks PlainTextStart against PlainText on
// whatever markup, repeated past the length from which a prefix is
// parsed.
func FuzzPlainTextStart(f *testing.F) {
	for _, s := range htmlSeeds {
		f.Add(s, uint8(40))
	}
	f.Add("<table><tr><td>a</td></tr>b", uint8(3))
	f.Add("<b>x<p>y</b>z &amp", uint8(200))
	f.Fuzz(func(t *testing.T, in string, n uint8) {
		if in == "" {
			return
		}
		runes := int(n)%120 + 1
		s := strings.Repeat(in, 2*(runes+textTail)/len(in)+2)
		if got, want := PlainTextStart(s, runes), firstRunes(PlainText(s), runes); got != want {
			t.Fatalf("PlainTextStart(%q, %d) = %q, want %q", s, runes, got, want)
		}
	})
}

// FuzzCollapse holds Collapse to what it means: the words of the text
// without the characters XML forbids, one space apart.
func FuzzCollapse(f *testing.F) {
	for _, s := range []string{"", "  a  b ", "\t\nx\u00a0y\u2028z\u0085", "a\x00b \x07 c", "\xff bad \xc3", "é  è"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := Collapse(in), strings.Join(strings.Fields(item.CleanText(in)), " "); got != want {
			t.Fatalf("Collapse(%q) = %q, want %q", in, got, want)
		}
	})
}
