package conformance

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

// HTMLProblems lists what the W3C Feed Validation Service would report in
// HTML a feed carries (RSS description and content:encoded, Atom content
// of type html): markup an HTML5 parser reports as a parse error in strict
// mode (its NotHtml warning: stray, misnested or missing end tags, a
// self-closed element that is not void, foster-parented table content),
// elements it calls a security risk (script, iframe, object, embed…) and
// attributes outside its safe list (event handlers, style, sandbox…).
//
// It is stricter than the validator in one respect, on purpose: every
// element must be closed explicitly, even a p or li whose end tag HTML
// lets the parser imply, since Syndicate writes HTML that way.
//
// It checks with the tokenizer alone, not with the tree builder that
// publishing itself uses to mend HTML, so that the two do not share a
// mistake.
func HTMLProblems(s string) []string {
	return htmlIssues(s, true)
}

// HTMLParseErrors is HTMLProblems without the security risks: only what
// makes the markup itself invalid.
func HTMLParseErrors(s string) []string {
	return htmlIssues(s, false)
}

func htmlIssues(s string, risks bool) []string {
	c := htmlChecker{risks: risks}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			for i := len(c.stack) - 1; i >= 0; i-- {
				c.report("<%s> is never closed", c.stack[i])
			}
			return c.problems
		case html.DoctypeToken:
			c.report("a doctype inside content")
		case html.TextToken:
			c.text(z.Raw())
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			c.start(tok, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			c.end(string(name))
		}
	}
}

type htmlChecker struct {
	risks    bool // report security risks too
	stack    []string
	problems []string
}

func (c *htmlChecker) report(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *htmlChecker) current() string {
	if len(c.stack) == 0 {
		return ""
	}
	return c.stack[len(c.stack)-1]
}

// inScope reports whether name is open without one of the boundaries
// between it and the current node.
func (c *htmlChecker) inScope(name string, boundaries map[string]bool) bool {
	for i := len(c.stack) - 1; i >= 0; i-- {
		switch {
		case c.stack[i] == name:
			return true
		case boundaries[c.stack[i]]:
			return false
		}
	}
	return false
}

func (c *htmlChecker) start(tok html.Token, selfClosed bool) {
	name := tok.Data
	switch {
	case riskyElements[name]:
		if c.risks {
			c.report("<%s> is a security risk", name)
		}
	case !htmlElements[name]:
		c.report("<%s> is not an HTML element", name)
	}
	for _, a := range tok.Attr {
		switch {
		case !c.risks:
		case strings.HasPrefix(a.Key, "on"):
			c.report("<%s %s> runs script", name, a.Key)
		case !safeAttributes[a.Key] && !strings.HasPrefix(a.Key, "data-"):
			c.report("<%s %s>: attribute is a security risk", name, a.Key)
		}
	}
	if selfClosed && !voidElements[name] {
		c.report("<%s/>: only void elements may be self-closed", name)
	}
	c.contentModel(name)
	if !voidElements[name] {
		c.stack = append(c.stack, name)
	}
}

// contentModel reports a start tag that an HTML5 parser would not nest
// where it stands: it would close an open element first, move the element
// out of a table, or ignore it.
func (c *htmlChecker) contentModel(name string) {
	cur := c.current()
	if allowed, ok := tableChildren[cur]; ok && !allowed[name] {
		c.report("<%s> directly inside <%s> is moved out of the table", name, cur)
		return
	}
	switch {
	case closesP[name] && c.inScope("p", buttonScope):
		c.report("<%s> inside <p> closes the paragraph", name)
	case name == "a" && c.inScope("a", buttonScope):
		c.report("<a> inside <a>")
	case headings[name] && headings[cur]:
		c.report("<%s> inside <%s>", name, cur)
	case (name == "li" && c.inScope("li", listScope)) ||
		((name == "dd" || name == "dt") && (c.inScope("dd", listScope) || c.inScope("dt", listScope))):
		c.report("<%s> inside an open <%s> closes it", name, name)
	case tableParts[name] && !c.inScope("table", nil):
		c.report("<%s> outside a table is ignored", name)
	}
}

func (c *htmlChecker) end(name string) {
	switch {
	case voidElements[name]:
		c.report("</%s>: a void element has no end tag", name)
	case c.current() == name:
		c.stack = c.stack[:len(c.stack)-1]
	case c.inScope(name, nil):
		for c.current() != name {
			c.report("<%s> is not closed before </%s>", c.current(), name)
			c.stack = c.stack[:len(c.stack)-1]
		}
		c.stack = c.stack[:len(c.stack)-1]
	default:
		c.report("</%s> closes nothing", name)
	}
}

func (c *htmlChecker) text(raw []byte) {
	if _, ok := tableChildren[c.current()]; ok && strings.TrimSpace(string(raw)) != "" {
		c.report("text directly inside <%s> is moved out of the table", c.current())
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] == '&' && !charRef(raw[i:]) {
			c.report("a bare & that starts no character reference")
		}
	}
}

// charRef reports whether b starts with a complete character reference,
// &name; &#123; or &#x1F;.
func charRef(b []byte) bool {
	i := 1
	hex := false
	if i < len(b) && b[i] == '#' {
		i++
		if i < len(b) && (b[i] == 'x' || b[i] == 'X') {
			hex = true
			i++
		}
		start := i
		for i < len(b) && (isDigit(b[i]) || hex && strings.IndexByte("abcdefABCDEF", b[i]) >= 0) {
			i++
		}
		return i > start && i < len(b) && b[i] == ';'
	}
	start := i
	for i < len(b) && (isDigit(b[i]) || 'a' <= b[i] && b[i] <= 'z' || 'A' <= b[i] && b[i] <= 'Z') {
		i++
	}
	return i > start && i < len(b) && b[i] == ';' && html.UnescapeString(string(b[:i+1])) != string(b[:i+1])
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	// htmlElements are the elements of HTML, current and obsolete, that a
	// feed's content may hold.
	htmlElements = set("a", "abbr", "acronym", "address", "area", "article", "aside", "audio",
		"b", "bdi", "bdo", "big", "blockquote", "br", "button", "canvas", "caption", "center",
		"cite", "code", "col", "colgroup", "data", "datalist", "dd", "del", "details", "dfn",
		"dialog", "dir", "div", "dl", "dt", "em", "fieldset", "figcaption", "figure", "font",
		"footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "i",
		"img", "input", "ins", "kbd", "label", "legend", "li", "main", "map", "mark", "menu",
		"meter", "nav", "ol", "optgroup", "option", "output", "p", "picture", "pre", "progress",
		"q", "rp", "rt", "ruby", "s", "samp", "section", "select", "small", "source", "span",
		"strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "textarea",
		"tfoot", "th", "thead", "time", "tr", "track", "tt", "u", "ul", "var", "video", "wbr")
	// riskyElements run code, load foreign documents or change the page
	// around them; validators flag them and cautious readers strip them.
	riskyElements = set("script", "style", "iframe", "frame", "frameset", "object", "embed",
		"applet", "param", "meta", "link", "base", "noframes", "noembed", "plaintext", "xmp",
		"listing", "html", "head", "body", "title", "template", "svg", "math")
	// safeAttributes are those validators accept on feed content; any
	// other, but data-*, is flagged.
	safeAttributes = set("abbr", "align", "allowfullscreen", "alt", "border", "cellpadding",
		"cellspacing", "char", "charoff", "cite", "class", "clear", "color", "cols", "colspan",
		"compact", "controls", "coords", "datetime", "decoding", "dir", "disabled", "face",
		"headers", "height", "hidden", "href", "hreflang", "hspace", "id", "ismap", "kind",
		"label", "lang", "loading", "longdesc", "loop", "muted", "name", "nohref", "noshade",
		"nowrap", "open", "poster", "preload", "rel", "rev", "reversed", "rows", "rowspan",
		"rules", "scope", "shape", "size", "sizes", "span", "src", "srclang", "srcset", "start",
		"summary", "tabindex", "title", "type", "usemap", "valign", "value", "vspace", "width")
	voidElements = set("area", "base", "br", "col", "embed", "hr", "img", "input", "link",
		"meta", "param", "source", "track", "wbr")
	// closesP are the start tags before which an open <p> ends.
	closesP = set("address", "article", "aside", "blockquote", "center", "details", "dialog",
		"dir", "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
		"h3", "h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p",
		"pre", "section", "summary", "table", "ul", "li", "dd", "dt")
	headings    = set("h1", "h2", "h3", "h4", "h5", "h6")
	buttonScope = set("applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "button")
	listScope   = set("applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "ol", "ul")
	tableParts  = set("caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "td", "th")
	// tableChildren are what may stand directly in each part of a table
	// without the parser moving it out.
	tableChildren = map[string]map[string]bool{
		"table":    set("caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "td", "th"),
		"thead":    set("tr"),
		"tbody":    set("tr"),
		"tfoot":    set("tr"),
		"tr":       set("td", "th"),
		"colgroup": set("col"),
	}
)
