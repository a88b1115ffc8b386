package render

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"syndicate/internal/document"
	"time"

	"syndicate/internal/item"
	"syndicate/internal/section"
)

//go:embed templates/*.html templates/style.css
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"date":     func(t time.Time) string { return t.UTC().Format("2 January 2006") },
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"feedURL": func(site Site, sec Section, format string) string {
		return site.BaseURL + sec.current().Link() + format
	},
	"pageURL": func(site Site, sec Section) string { return site.BaseURL + sec.current().Link() },
	"monthURL": func(site Site, sec Section, month, format string) string {
		d := sec.current()
		d.Month = month
		return site.BaseURL + d.Link() + format
	},
	"monthName": func(month string) string {
		t, err := time.Parse("2006-01", month)
		if err != nil {
			return month
		}
		return t.Format("January 2006")
	},
	"feedsOf":  func(site Site, sec Section) feedLinks { return feedLinks{site, sec, opmlURL(site, sec.Kind)} },
	"samePage": func(page *Section, nav Section) bool { return page.doc() == nav.doc() },
	"describe": func(sec Section) string { return describe(&sec) },
	"card":     func(site Site, it *item.Item) cardData { return cardData{site, it} },
	"tagURL": func(site Site, name string) string {
		return site.BaseURL + section.Doc{Key: section.TagKey(name)}.Link()
	},
	"authorURL": func(site Site, name string) string {
		return site.BaseURL + section.Doc{Key: section.AuthorKey(name)}.Link()
	},
	"html":   func(s string) template.HTML { return template.HTML(s) }, // sanitized upstream: our Markdown or bluemonday
	"public": publicURL,
}).ParseFS(templateFS, "templates/*.html"))

const htmlType = "text/html; charset=utf-8"

// StylesheetPath is where pages expect their stylesheet.
const StylesheetPath = "/static/style.css"

// feedLinks is what the "subscribe" template needs.
type feedLinks struct {
	Site    Site
	Section Section
	OPML    string // the list of every feed of the section's kind
}

// cardData is an item as a card or an article page shows it, with the
// site its tag and author pages are on.
type cardData struct {
	Site Site
	*item.Item
}

// opmlURL is the list of every feed of a kind: sections are in /opml.xml.
func opmlURL(site Site, kind section.Kind) string {
	if dir := section.TopicsDir(kind); dir != "" {
		return site.BaseURL + dir + "opml.xml"
	}
	return site.BaseURL + "/opml.xml"
}

// pageData is what every page template sees.
type pageData struct {
	Site     Site
	Nav      []Section // Items unused
	Section  *Section  // the page's own feed document, if any
	Sections []Section // the index lists these with their newest items
	Item     *item.Item
	Topics   *topicList
	Formats  []string
}

// topicList is an index of every tag or every author.
type topicList struct {
	Title   string // "Tags", "Authors"
	OPML    string
	Entries []topicEntry
}

type topicEntry struct {
	Name, URL string
	Count     int
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

// SectionPage renders the HTML page of one document of a feed: a
// section's, a tag's or an author's current items ("/asia/",
// "/tag/iran/"), or a month of its archive ("/asia/archive/2026-10/").
func SectionPage(site Site, nav []Section, sec Section) (document.Document, error) {
	return page("section.html", pageData{Site: site, Nav: nav, Section: &sec}, newest([]Section{sec}))
}

// ArticlePage renders one of the site's own articles.
func ArticlePage(site Site, nav []Section, it *item.Item) (document.Document, error) {
	return page("article.html", pageData{Site: site, Nav: nav, Item: it}, it.Modified())
}

// TopicsPage renders the index of every feed of a topic kind, "/tags/"
// or "/authors/": each by name, with how many items it carries.
func TopicsPage(site Site, nav []Section, kind section.Kind, feeds []*section.Feed) (document.Document, error) {
	list := &topicList{Title: topicsTitle(kind), OPML: opmlURL(site, kind)}
	var modified time.Time
	for _, f := range byName(feeds) {
		list.Entries = append(list.Entries, topicEntry{Name: f.Name, URL: site.BaseURL + section.Doc{Key: f.Key}.Link(), Count: len(f.Items)})
		if m := newestOf(f.Items); m.After(modified) {
			modified = m
		}
	}
	return page("topics.html", pageData{Site: site, Nav: nav, Topics: list}, modified)
}

func topicsTitle(kind section.Kind) string {
	if kind == section.KindAuthor {
		return "Authors"
	}
	return "Tags"
}

// byName orders feeds as a reader looks a name up: by name, ignoring
// case, then by slug so that the order is total.
func byName(feeds []*section.Feed) []*section.Feed {
	sorted := slices.Clone(feeds)
	slices.SortFunc(sorted, func(a, b *section.Feed) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.Slug, b.Slug))
	})
	return sorted
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
		if m := newestOf(s.Items); m.After(t) {
			t = m
		}
	}
	return t
}

func newestOf(items []*item.Item) time.Time {
	var t time.Time
	for _, it := range items {
		if m := it.Modified(); m.After(t) {
			t = m
		}
	}
	return t
}
