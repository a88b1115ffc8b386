package source

import (
	"slices"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// file puts an item in the sections its source says: an external source's
// own list; a first-party source's routes from the item's categories,
// which also leave it the categories routed nowhere as tags.
func file(src *config.Source, it *item.Item) {
	if src.Kind != config.KindArticles {
		if !slices.Equal(it.Sections, src.Sections) {
			it.Sections = slices.Clone(src.Sections)
		}
		return
	}
	it.Sections, it.Tags = src.Routed(it.Categories)
}

// firstParty completes a first-party item from its CMS: the first picture
// of its content when the feed declares no image, and an updated date
// when its text changed but the feed, RSS notably, gives none newer than
// the version stored: readers then see the edit as an update.
func firstParty(it *item.Item, prev *item.Item, now time.Time) {
	if it.Image == nil {
		it.Image = contentImage(it.ContentHTML)
	}
	if prev == nil || it.Updated.After(prev.Updated) {
		return
	}
	if sameText(it, prev) {
		it.Updated = prev.Updated // what an earlier edit set stays
		return
	}
	it.Updated = now.UTC().Truncate(time.Second)
	if it.Updated.Before(it.Published) {
		it.Updated = it.Published
	}
}

// sameText reports whether two versions of an item say the same: an edit
// is a change of what readers see, not of its dates.
func sameText(a, b *item.Item) bool {
	x, y := *a, *b
	x.Published, x.Updated, x.Sections, x.Tags, x.Categories, x.Origin = y.Published, y.Updated, y.Sections, y.Tags, y.Categories, y.Origin
	return item.Equal(&x, &y)
}

// contentImage is the first <img> of sanitized content, whose URLs are
// already absolute, with the caption of the <figure> holding it.
func contentImage(content string) *item.Image {
	if !strings.Contains(content, "<img") {
		return nil
	}
	doc, err := html.Parse(strings.NewReader(content))
	if err != nil {
		return nil
	}
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Img && item.AbsoluteHTTP(attr(c, "src")) {
				found = c
				return
			}
			walk(c)
		}
	}
	walk(doc)
	if found == nil {
		return nil
	}
	im := &item.Image{URL: attr(found, "src")}
	for p := found.Parent; p != nil; p = p.Parent {
		if p.DataAtom != atom.Figure {
			continue
		}
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c.DataAtom == atom.Figcaption {
				im.Caption = capRunes(strings.Join(strings.Fields(text(c)), " "), maxCaption)
			}
		}
		break
	}
	return im
}

// maxCaption bounds a caption taken from content, in runes: a caption,
// not the article.
const maxCaption = 500

func capRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == name {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

func text(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}
