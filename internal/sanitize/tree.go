package sanitize

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// bodyContext is where feed HTML lands: inside a page's body.
var bodyContext = &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}

// parseFragment reads s as the HTML5 parser of a browser would, inside a
// body, after closeRawElements. Its result is a tree: end tags that close
// nothing are gone, misnested inline elements are mended, unclosed ones
// are closed where they must be.
func parseFragment(s string) []*html.Node {
	nodes, err := html.ParseFragment(strings.NewReader(closeRawElements(s)), bodyContext)
	if err != nil {
		return nil // only a reader's error, which a strings.Reader never has
	}
	return nodes
}

// render writes nodes as HTML in which every element is closed, attribute
// values are quoted and text is escaped: a parser reads it back as the
// same tree, with no error to report.
func render(nodes []*html.Node) string {
	var b strings.Builder
	for _, n := range nodes {
		if err := html.Render(&b, n); err != nil {
			return "" // a void element with children, which parsing never makes
		}
	}
	return b.String()
}

// rawElements are the elements whose content a tokenizer reads as text up
// to their end tag, even when the start tag is written self-closed.
var rawElements = map[string]bool{
	"iframe": true, "noembed": true, "noframes": true, "noscript": true,
	"script": true, "style": true, "textarea": true, "title": true, "xmp": true,
}

// closeRawElements turns a self-closed raw-text element such as
// <iframe src="…"/> into <iframe src="…"></iframe>. HTML ignores the
// slash, so that everything after the tag would become the iframe's text,
// and a summary would show "</p>" or lose the rest of the article; feeds
// that write the slash mean an empty element.
func closeRawElements(s string) string {
	if !strings.Contains(s, "/>") {
		return s
	}
	var b strings.Builder
	for {
		end, name := selfClosedRaw(s)
		if end < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:end])
		b.WriteString("</" + name + ">")
		s = s[end:]
	}
}

// selfClosedRaw finds the first self-closed raw-text element in s: the
// offset just past its tag, and its name; -1 if there is none.
func selfClosedRaw(s string) (int, string) {
	z := html.NewTokenizer(strings.NewReader(s))
	pos := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return -1, ""
		}
		pos += len(z.Raw())
		if tt == html.SelfClosingTagToken {
			name, _ := z.TagName()
			if rawElements[string(name)] {
				return pos, string(name)
			}
		}
	}
}

// removeNode takes n out of its parent, or out of the top-level list.
func removeNode(nodes []*html.Node, n *html.Node) []*html.Node {
	if n.Parent != nil {
		n.Parent.RemoveChild(n)
		return nodes
	}
	for i, m := range nodes {
		if m == n {
			return append(nodes[:i], nodes[i+1:]...)
		}
	}
	return nodes
}

// getAttr returns the value of n's attribute key.
func getAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// setAttr sets n's attribute key, replacing any it has.
func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}
