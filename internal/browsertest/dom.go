package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Parse parses a DOM that DumpDOM returned.
func Parse(t testing.TB, dom string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		t.Fatalf("browsertest: parse DOM: %v", err)
	}
	return doc
}

// All returns the elements under root that match selector, in document
// order. Selectors are a small subset of CSS, enough for assertions:
// compound parts such as `tr.source.status-error`, `#id`, `[attr]` and
// `[attr=value]` (value unquoted or in double quotes, and without spaces,
// which separate the parts), joined by spaces as descendant combinators. A malformed selector panics: it is a bug in the
// test, not a finding about the page.
func All(root *html.Node, selector string) []*html.Node {
	steps := parseSelector(selector)
	nodes := []*html.Node{root}
	for _, step := range steps {
		var next []*html.Node
		seen := map[*html.Node]bool{}
		for _, n := range nodes {
			walk(n, func(d *html.Node) {
				if d != n && step.matches(d) && !seen[d] {
					seen[d] = true
					next = append(next, d)
				}
			})
		}
		nodes = next
	}
	return nodes
}

// One returns the first element matching selector, or nil.
func One(root *html.Node, selector string) *html.Node {
	if all := All(root, selector); len(all) > 0 {
		return all[0]
	}
	return nil
}

// Attr returns n's attribute name, or "" when it has none.
func Attr(n *html.Node, name string) string {
	v, _ := attr(n, name)
	return v
}

// HasClass reports whether class is among n's classes.
func HasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(Attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// Text returns the text under n with runs of white space made one space.
func Text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(d *html.Node) {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
			b.WriteByte(' ')
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

// compound is one space-separated part of a selector.
type compound struct {
	tag     string
	classes []string
	attrs   [][2]string // name, value; value "\x00" means presence only
}

func (c compound) matches(n *html.Node) bool {
	if n.Type != html.ElementNode || (c.tag != "" && c.tag != "*" && !strings.EqualFold(n.Data, c.tag)) {
		return false
	}
	for _, class := range c.classes {
		if !HasClass(n, class) {
			return false
		}
	}
	for _, a := range c.attrs {
		v, ok := attr(n, a[0])
		if !ok || (a[1] != "\x00" && v != a[1]) {
			return false
		}
	}
	return true
}

func parseSelector(sel string) []compound {
	var out []compound
	for _, part := range strings.Fields(sel) {
		out = append(out, parseCompound(sel, part))
	}
	if len(out) == 0 {
		panic("browsertest: empty selector")
	}
	return out
}

func parseCompound(sel, s string) compound {
	var c compound
	i := strings.IndexAny(s, ".#[")
	if i < 0 {
		i = len(s)
	}
	c.tag, s = s[:i], s[i:]
	for s != "" {
		switch s[0] {
		case '.', '#':
			end := strings.IndexAny(s[1:], ".#[") + 1
			if end == 0 {
				end = len(s)
			}
			if s[0] == '.' {
				c.classes = append(c.classes, s[1:end])
			} else {
				c.attrs = append(c.attrs, [2]string{"id", s[1:end]})
			}
			s = s[end:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				panic(fmt.Sprintf("browsertest: selector %q: unclosed [", sel))
			}
			name, value, hasValue := strings.Cut(s[1:end], "=")
			if !hasValue {
				value = "\x00"
			}
			c.attrs = append(c.attrs, [2]string{name, strings.Trim(value, `"`)})
			s = s[end+1:]
		default:
			panic(fmt.Sprintf("browsertest: selector %q: unexpected %q", sel, s))
		}
	}
	return c
}
