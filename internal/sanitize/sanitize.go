// Package sanitize makes upstream text fit to republish: HTML reduced to
// what is safe, its URLs made absolute, and titles and summaries reduced
// to plain text.
package sanitize

import (
	"bytes"
	stdhtml "html"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"syndicate/internal/item"
)

// videoEmbed is the short list of players whose iframes survive
// sanitizing. The host must be followed by a path at once, so that
// "www.youtube.com.evil.example" or "www.youtube.com@evil.example" do not
// pass.
var videoEmbed = regexp.MustCompile(`^(?:https:)?//(?:www\.youtube-nocookie\.com|www\.youtube\.com|player\.vimeo\.com)/(?:embed|video)/[^\s"'<>\\]*$`)

// iframeSandbox lets an embedded player run while keeping it from the
// page around it.
const iframeSandbox = `allow-scripts allow-same-origin`

// linkRel is set on every link: aggregated content is not ours to vouch
// for, and the target page gets neither our window nor our URL.
const linkRel = `nofollow noopener noreferrer`

// policy is built once: bluemonday policies are safe for concurrent use
// once configured, and building one is far dearer than using it.
var policy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// rel and target are set after URLs are resolved (see finishHTML), so
	// that relative links get them too.
	p.RequireNoFollowOnLinks(false)
	p.AllowAttrs("src").Matching(videoEmbed).OnElements("iframe")
	p.AllowAttrs("allowfullscreen").Matching(regexp.MustCompile(`^(|allowfullscreen|true)$`)).OnElements("iframe")
	return p
})

// HTML makes upstream HTML safe to republish: bluemonday's UGC
// policy drops scripts, styles, event handlers, foreign iframes and
// javascript:, data: and vbscript: URLs; finishHTML then makes the
// remaining URLs absolute against base and sets rel and sandbox.
func HTML(s string, base *url.URL) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	var buf bytes.Buffer
	buf.Grow(len(s))
	if err := policy().SanitizeReaderToWriter(strings.NewReader(s), &buf); err != nil {
		return "" // what bluemonday's Sanitize does with input it cannot tokenize
	}
	return item.CleanText(strings.TrimSpace(finishHTML(withoutNaming(buf.Bytes()), base)))
}

// finishHTML rewrites the tags of bluemonday's output that need it. That
// output is regular enough to scan without a parser: attribute values are
// double-quoted with <, >, " and & escaped, so a tag ends at the first >.
func finishHTML(s []byte, base *url.URL) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	last := 0
	for i := 0; i < len(s); {
		j := bytes.IndexByte(s[i:], '<')
		if j < 0 {
			break
		}
		i += j
		k := bytes.IndexByte(s[i:], '>')
		if k < 0 {
			break
		}
		end := i + k + 1
		b.Write(s[last:i])
		if !fixTag(&b, s[i:end], base) {
			// An iframe whose src was refused: drop it up to its end tag
			// (an iframe holds only text until then).
			if c := bytes.Index(s[end:], []byte("</iframe>")); c >= 0 {
				end += c + len("</iframe>")
			} else {
				end = len(s)
			}
		}
		last, i = end, end
	}
	b.Write(s[last:])
	return b.String()
}

// fixTag writes one tag to b, its URL attribute made absolute and rel or
// sandbox added where the element needs them. It writes nothing and
// returns false for an iframe left without a src.
func fixTag(b *strings.Builder, tag []byte, base *url.URL) bool {
	var urlAttr, extra string
	switch tagName(tag) {
	case "a", "area":
		urlAttr, extra = "href", ` rel="`+linkRel+`"`
	case "img", "audio", "video", "source":
		urlAttr = "src"
	case "iframe":
		urlAttr, extra = "src", ` sandbox="`+iframeSandbox+`"`
	case "blockquote", "q", "del", "ins":
		urlAttr = "cite"
	default:
		b.Write(tag)
		return true
	}
	vs, ve, ok := attrValue(tag, urlAttr)
	switch {
	case !ok && urlAttr == "href":
		extra = "" // an anchor without a link needs no rel
	case !ok && extra != "" && urlAttr == "src":
		return false
	}
	if ok && !isAbsHTTP(tag[vs:ve]) {
		raw := html.UnescapeString(string(tag[vs:ve]))
		if abs, ok := resolve(base, raw); ok {
			b.Write(tag[:vs])
			b.WriteString(html.EscapeString(abs))
			tag = tag[ve:]
		}
	}
	if extra == "" {
		b.Write(tag)
		return true
	}
	end := len(tag) - 1
	if bytes.HasSuffix(tag, []byte("/>")) {
		end--
	}
	b.Write(tag[:end])
	b.WriteString(extra)
	b.Write(tag[end:])
	return true
}

// isAbsHTTP is the common case of a URL that needs no resolving.
func isAbsHTTP(v []byte) bool {
	return (bytes.HasPrefix(v, []byte("https://")) || bytes.HasPrefix(v, []byte("http://"))) && len(v) > 8
}

func tagName(tag []byte) string {
	i := 1
	for i < len(tag) && tag[i] != ' ' && tag[i] != '>' && tag[i] != '/' {
		i++
	}
	switch n := string(tag[1:i]); n { // the switch keeps the conversion free
	case "a", "area", "img", "audio", "video", "source", "iframe", "blockquote", "q", "del", "ins":
		return n
	}
	return ""
}

// attrValue finds name="…" in a tag as bluemonday writes it.
func attrValue(tag []byte, name string) (start, end int, ok bool) {
	i := bytes.Index(tag, []byte(" "+name+`="`))
	if i < 0 {
		return 0, 0, false
	}
	start = i + len(name) + 3
	e := bytes.IndexByte(tag[start:], '"')
	if e < 0 {
		return 0, 0, false
	}
	return start, start + e, true
}

// resolve makes ref absolute against base. Only http(s) and mailto URLs
// are returned as usable.
func resolve(base *url.URL, ref string) (string, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", false
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", false
	}
	if !u.IsAbs() {
		if base == nil {
			return "", false
		}
		u = base.ResolveReference(u)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return "", false
		}
		return u.String(), true
	case "mailto":
		return u.String(), true
	}
	return "", false
}

// AbsoluteURL is ref made absolute against base, or "" unless that is an
// http(s) URL: for item links, images and home pages.
func AbsoluteURL(base *url.URL, ref string) string {
	s, ok := resolve(base, ref)
	if !ok || strings.HasPrefix(s, "mailto:") {
		return ""
	}
	return s
}

// PlainText turns a title or summary, which feeds fill with anything from
// plain text to escaped HTML, into plain text: markup stripped, entities
// decoded, whitespace collapsed, characters XML forbids removed.
func PlainText(s string) string {
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		return Collapse(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return Collapse(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tn, _ := z.TagName()
			a := atom.Lookup(tn)
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object, atom.Svg, atom.Math, atom.Title:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if blockish(a) {
				b.WriteByte(' ')
			}
		}
	}
}

// blockish elements separate words when stripped.
func blockish(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Tr, atom.Td, atom.Th,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre,
		atom.Hr, atom.Section, atom.Article, atom.Figure, atom.Figcaption, atom.Table, atom.Dd, atom.Dt:
		return true
	}
	return false
}

// Collapse trims s, turns each run of white space into one space and drops
// the characters XML forbids: plain text as our feeds carry it.
func Collapse(s string) string {
	return strings.Join(strings.Fields(item.CleanText(s)), " ")
}

// TextToHTML shows plain text as paragraphs.
func TextToHTML(s string) string {
	s = strings.TrimSpace(item.CleanText(s))
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for p := range strings.SplitSeq(s, "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(stdhtml.EscapeString(p), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
