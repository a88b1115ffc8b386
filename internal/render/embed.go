package render

import (
	"html"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"syndicate/internal/item"
)

// withoutEmbeds replaces each embedded video player in content with a link
// to the video's page, titled as the iframe was. Feeds carry no iframes:
// validators warn about every item with one, and many readers strip them,
// leaving a hole. The site's own pages keep the sandboxed player.
//
// Content is what sanitizing wrote, well-formed, so a tokenizer suffices;
// inside a link, where a link may not go, the title stands alone.
func withoutEmbeds(content string) string {
	if !strings.Contains(content, "<iframe") {
		return content
	}
	var b strings.Builder
	b.Grow(len(content))
	z := xhtml.NewTokenizer(strings.NewReader(content))
	inLink := 0
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Iframe:
				var src, title string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "src":
						src = string(v)
					case "title":
						title = strings.TrimSpace(string(v))
					}
				}
				writeVideoLink(&b, src, title, inLink > 0)
				if tt == xhtml.StartTagToken {
					skipTo(z, "iframe")
				}
				continue
			case atom.A:
				if tt == xhtml.StartTagToken {
					inLink++
				}
			}
		case xhtml.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == atom.A && inLink > 0 {
				inLink--
			}
		}
		b.Write(z.Raw())
	}
}

// writeVideoLink writes the link that stands for an embed; nothing for an
// iframe that plays no allowed video, which sanitizing never lets through.
func writeVideoLink(b *strings.Builder, src, title string, inLink bool) {
	page, ok := item.VideoPage(src)
	if !ok {
		return
	}
	if title == "" {
		title = page
	}
	if inLink {
		b.WriteString(html.EscapeString(title))
		return
	}
	b.WriteString(`<a href="` + html.EscapeString(page) + `" rel="` + item.LinkRel + `">` + html.EscapeString(title) + `</a>`)
}

// skipTo reads past the end tag of name, which a raw-text element's
// content cannot hide.
func skipTo(z *xhtml.Tokenizer, name string) {
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return
		case xhtml.EndTagToken:
			if n, _ := z.TagName(); string(n) == name {
				return
			}
		}
	}
}
