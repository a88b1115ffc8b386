package content

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"syndicate/internal/item"
)

// newMarkdown keeps goldmark's safe default, which drops raw HTML: articles
// have no need for it, and feed readers would show it unsanitised.
func newMarkdown(baseURL string) goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		goldmark.WithParserOptions(parser.WithASTTransformers(
			util.Prioritized(absoluteLinks(baseURL), 100),
		)),
	)
}

func render(md goldmark.Markdown, body []byte) (string, error) {
	var out bytes.Buffer
	if err := md.Convert([]byte(item.CleanText(string(body))), &out); err != nil {
		return "", err
	}
	return item.CleanText(out.String()), nil
}

// absoluteLinks turns site-relative links and images ("/media/x.jpg") into
// absolute URLs: the HTML travels inside feeds, and readers resolve
// relative URLs inconsistently or not at all.
type absoluteLinks []byte

func (base absoluteLinks) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			n.Destination = base.resolve(n.Destination)
		case *ast.Image:
			n.Destination = base.resolve(n.Destination)
		}
		return ast.WalkContinue, nil
	})
}

func (base absoluteLinks) resolve(dest []byte) []byte {
	if len(dest) == 0 || dest[0] != '/' || len(dest) > 1 && dest[1] == '/' {
		return dest
	}
	return append(append([]byte{}, base...), dest...)
}
