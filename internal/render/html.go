package render

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"syndicate/internal/document"
	"time"

	"syndicate/internal/item"
)

//go:embed templates/*.html templates/style.css
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"date":     func(t time.Time) string { return t.UTC().Format("2 January 2006") },
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"feedURL":  func(site Site, slug, format string) string { return site.BaseURL + "/" + slug + "/" + format },
	"pageURL":  func(site Site, slug string) string { return site.BaseURL + "/" + slug + "/" },
	"feedsOf":  func(site Site, slug string) feedLinks { return feedLinks{site, slug} },
	"html":     func(s string) template.HTML { return template.HTML(s) }, // sanitized upstream: our Markdown or bluemonday
	"public":   publicURL,
}).ParseFS(templateFS, "templates/*.html"))

const htmlType = "text/html; charset=utf-8"

// StylesheetPath is where pages expect their stylesheet.
const StylesheetPath = "/static/style.css"

// feedLinks is what the "subscribe" template needs.
type feedLinks struct {
	Site Site
	Slug string
}

// pageData is what every page template sees.
type pageData struct {
	Site     Site
	Nav      []Section // Items unused
	Section  *Section  // the page's own section, if any
	Sections []Section // the index lists these with their newest items
	Item     *item.Item
	Formats  []string
}

// IndexPage renders "/": every section with its newest items and
// subscribe links, and autodiscovery for the latest feeds.
func IndexPage(site Site, sections []Section) (document.Document, error) {
	latest := sections[0]
	for _, s := range sections {
		if s.Slug == "latest" {
			latest = s
		}
	}
	return page("index.html", pageData{Site: site, Nav: sections, Section: &latest, Sections: sections}, newest(sections))
}

// SectionPage renders "/{slug}/": the section's latest items.
func SectionPage(site Site, nav []Section, sec Section) (document.Document, error) {
	return page("section.html", pageData{Site: site, Nav: nav, Section: &sec}, newest([]Section{sec}))
}

// ArticlePage renders one of the site's own articles.
func ArticlePage(site Site, nav []Section, it *item.Item) (document.Document, error) {
	return page("article.html", pageData{Site: site, Nav: nav, Item: it}, it.Modified())
}

// Stylesheet is the one stylesheet every page shares.
func Stylesheet() document.Document {
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		panic(err) // embedded at build time
	}
	return NewDocument(css, "text/css; charset=utf-8", time.Unix(0, 0).UTC())
}

func page(name string, data pageData, modified time.Time) (document.Document, error) {
	data.Formats = FeedFormats
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		return document.Document{}, fmt.Errorf("render: page %s: %w", name, err)
	}
	return NewDocument(buf.Bytes(), htmlType, modified), nil
}

func newest(sections []Section) time.Time {
	var t time.Time
	for _, s := range sections {
		for _, it := range s.Items {
			if m := it.Modified(); m.After(t) {
				t = m
			}
		}
	}
	return t
}
