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
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"syndicate/internal/item"
)

// iframeSandbox lets an embedded player run while keeping it from the
// page around it.
const iframeSandbox = `allow-scripts allow-same-origin`

// policy is built once: bluemonday policies are safe for concurrent use
// once configured, and building one is far dearer than using it.
var policy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// rel is set after URLs are resolved (see finish), so that relative
	// links get it too.
	p.RequireNoFollowOnLinks(false)
	p.AllowAttrs("src").Matching(item.EmbedSrc).OnElements("iframe")
	p.AllowAttrs("allowfullscreen").Matching(regexp.MustCompile(`^(|allowfullscreen|true)$`)).OnElements("iframe")
	return p
})

// HTML makes upstream HTML safe to republish: bluemonday's UGC
// policy drops scripts, styles, event handlers, foreign iframes and
// javascript:, data: and vbscript: URLs; the result is then parsed as a
// browser would and written back (see finish), so that what is published
// is well-formed: stray end tags, misnested and unclosed elements are
// mended the way HTML5 mends them.
func HTML(s string, base *url.URL) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	var buf bytes.Buffer
	buf.Grow(len(s))
	if err := policy().SanitizeReaderToWriter(strings.NewReader(prepare(s)), &buf); err != nil {
		return "" // what bluemonday's Sanitize does with input it cannot tokenize
	}
	clean := withoutNaming(buf.Bytes())
	nodes := finish(parseFragment(bytes.NewReader(clean)), base)
	// Written back, it is about as long as bluemonday's output, a little
	// longer for the rel and absolute URLs added.
	return item.CleanText(strings.TrimSpace(render(nodes, len(clean)+len(clean)/8)))
}

// finish rewrites the elements of a sanitized tree that need it: URLs made
// absolute against base, rel on links, and on an embed https and the
// sandbox; an iframe left without a src, or whose src is not an allowed
// embed once written with https, goes.
func finish(nodes []*html.Node, base *url.URL) []*html.Node {
	var drop []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && !fixElement(n, base) {
			drop = append(drop, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	for _, n := range drop {
		nodes = removeNode(nodes, n)
	}
	return nodes
}

// fixElement makes n's URL attribute absolute and adds what the element
// needs. It returns false for an iframe that must go.
func fixElement(n *html.Node, base *url.URL) bool {
	var urlAttr string
	switch n.DataAtom {
	case atom.A, atom.Area:
		urlAttr = "href"
	case atom.Img, atom.Audio, atom.Video, atom.Source, atom.Iframe:
		urlAttr = "src"
	case atom.Blockquote, atom.Q, atom.Del, atom.Ins:
		urlAttr = "cite"
	default:
		return true
	}
	v, ok := getAttr(n, urlAttr)
	if n.DataAtom == atom.Iframe {
		if strings.HasPrefix(v, "//") {
			v = "https:" + v // the embeds allowed are served over https only
		}
		if _, ok := item.VideoPage(v); !ok {
			return false
		}
		setAttr(n, "src", v)
		setAttr(n, "sandbox", iframeSandbox)
		return true
	}
	if !ok {
		return true // an anchor without a link needs no rel
	}
	if abs, ok := resolve(base, v); ok {
		setAttr(n, urlAttr, abs)
	}
	if urlAttr == "href" {
		setAttr(n, "rel", item.LinkRel)
	}
	return true
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

// textTail is how many runes at the end of the text of a cut prefix may
// differ from the text of the whole: a word, an entity or an end tag cut
// short. A named entity is at most 33 characters long.
const textTail = 64

// PlainTextStart is the first runes runes of PlainText(s), all of it when
// shorter: what a summary cut to length needs. A long body is parsed for
// it only as far as a prefix that yields enough text (two bytes of
// markup per rune of text, and the tail), which saves parsing the rest of
// an article: in BenchmarkPlainTextStart, 4 kB articles took 0.33x the
// time of PlainText (medians of -count 4). A prefix holding a <table> is
// not used: content after a table start may be moved before it (foster
// parenting), so the text of the whole could begin differently.
func PlainTextStart(s string, runes int) string {
	if cut := 2 * (runes + textTail); len(s) > cut {
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if head := s[:cut]; !containsFold(head, "<table") {
			if t := PlainText(head); utf8.RuneCountInString(t) >= runes+textTail {
				return firstRunes(t, runes)
			}
		}
	}
	return firstRunes(PlainText(s), runes)
}

// firstRunes is the first n runes of s, all of s when shorter.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// PlainText turns a title or summary, which feeds fill with anything from
// plain text to escaped HTML, into plain text: markup stripped, entities
// decoded, whitespace collapsed, characters XML forbids removed. The text
// comes from the tree an HTML5 parser builds, not from a stream of tokens,
// so that markup a tokenizer would take for text (after a self-closed
// <iframe/>, say) never shows as "</p>".
func PlainText(s string) string {
	switch {
	case strings.IndexByte(s, '<') >= 0:
	case strings.IndexByte(s, '&') >= 0:
		return Collapse(html.UnescapeString(s))
	default:
		return Collapse(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object, atom.Svg, atom.Math, atom.Title, atom.Textarea, atom.Noembed, atom.Noframes, atom.Xmp:
				return
			}
			if n.Namespace != "" { // svg and math content, wherever it starts
				return
			}
		}
		block := n.Type == html.ElementNode && blockish(n.DataAtom)
		if block {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	for _, n := range parseFragment(strings.NewReader(prepare(s))) {
		walk(n)
	}
	return Collapse(b.String())
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
	s = item.CleanText(s)
	// Words copied as they are found, into one allocation: joining
	// strings.Fields made a slice of every word besides. Summaries
	// (BenchmarkPlainTextStart/start, medians of 4 runs interleaved with
	// the join's) take 0.83x the bytes and 0.87x the time.
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		i = skipSpaces(s, i)
		start := i
		for i < len(s) && !spaceAt(s, i) {
			i++
		}
		if start == i {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[start:i])
	}
	return b.String()
}

// spaceAt reports whether a white-space character, as strings.Fields
// knows them, starts at s[i].
func spaceAt(s string, i int) bool {
	if c := s[i]; c < utf8.RuneSelf {
		return c == ' ' || ('\t' <= c && c <= '\r')
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

// skipSpaces returns the index of the first character at or after i that
// is not white space.
func skipSpaces(s string, i int) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			return i
		}
		i += size
	}
	return i
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
