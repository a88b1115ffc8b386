package section

import (
	"net/url"
	"sort"
	"strings"
	"time"

	"syndicate/internal/item"
)

// Kind is what a feed follows.
type Kind uint8

const (
	KindSection Kind = iota // a configured section, "latest" included
	KindTag
	KindAuthor
)

// String names the kind as feed ids and logs do: "section", "tag", "author".
func (k Kind) String() string {
	switch k {
	case KindTag:
		return "tag"
	case KindAuthor:
		return "author"
	}
	return "section"
}

// Topic kinds have an index page listing every feed of the kind, at
// /tags/ and /authors/.
var topicDirs = map[Kind]string{KindTag: "/tags/", KindAuthor: "/authors/"}

// TopicsDir is the folder of the index of every feed of kind, "" for
// sections (the site's index lists them).
func TopicsDir(kind Kind) string { return topicDirs[kind] }

// Key names one feed.
type Key struct {
	Kind Kind
	Slug string
}

// prefix is the path before the slug.
func (k Key) prefix() string {
	switch k.Kind {
	case KindTag:
		return "/tag/"
	case KindAuthor:
		return "/author/"
	}
	return "/"
}

// TagKey and AuthorKey are the keys of the feeds that follow a tag or an
// author, as written in an article.
func TagKey(name string) Key    { return Key{KindTag, slugOf(name)} }
func AuthorKey(name string) Key { return Key{KindAuthor, slugOf(name)} }

// Doc is one document of a feed, in every format and as an HTML page:
// the current one (Month "") or one month of its archive.
type Doc struct {
	Key
	Month string // "2026-10"
}

// Dir is the folder of the document's files as the server looks them up,
// unescaped: "/asia/", "/tag/iran/archive/2026-10/". A format's file name
// follows it; the HTML page is the folder itself.
func (d Doc) Dir() string {
	dir := d.prefix() + d.Slug + "/"
	if d.Month != "" {
		dir += "archive/" + d.Month + "/"
	}
	return dir
}

// Link is Dir as written in links: a slug in another script than Latin
// is percent-encoded.
func (d Doc) Link() string {
	dir := d.prefix() + url.PathEscape(d.Slug) + "/"
	if d.Month != "" {
		dir += "archive/" + d.Month + "/"
	}
	return dir
}

// Parse splits a request path into the document it names and the file
// within it: "" for the HTML page, else a format such as "atom.xml",
// which Parse does not check. It checks the shape of the path and of the
// month, not whether the feed or the month exists.
func Parse(path string) (d Doc, file string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return Doc{}, "", false
	}
	switch {
	case strings.HasPrefix(rest, "tag/"):
		d.Kind, rest = KindTag, rest[len("tag/"):]
	case strings.HasPrefix(rest, "author/"):
		d.Kind, rest = KindAuthor, rest[len("author/"):]
	}
	d.Slug, rest, ok = strings.Cut(rest, "/")
	if !ok || d.Slug == "" {
		return Doc{}, "", false
	}
	if m, ok := strings.CutPrefix(rest, "archive/"); ok {
		d.Month, rest, ok = strings.Cut(m, "/")
		if !ok || !validMonth(d.Month) {
			return Doc{}, "", false
		}
	}
	if strings.Contains(rest, "/") {
		return Doc{}, "", false
	}
	return d, rest, true
}

// A month is kept as year*12 + month-1, which orders as time does.
type month int

const monthLayout = "2006-01"

func monthOf(it *item.Item) month {
	t := it.Published.UTC()
	return month(t.Year()*12 + int(t.Month()) - 1)
}

func (m month) String() string {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, time.UTC).Format(monthLayout)
}

func parseMonth(s string) (month, bool) {
	t, err := time.Parse(monthLayout, s)
	if err != nil || t.Format(monthLayout) != s {
		return 0, false
	}
	return month(t.Year()*12 + int(t.Month()) - 1), true
}

func validMonth(s string) bool {
	_, ok := parseMonth(s)
	return ok
}

// Feed is one feed: every item it carries, newest first. Its current
// document holds the newest Limit items; its archive holds the older
// ones by the calendar month (UTC) they were published in, so that a
// month, once the current document has moved past it, keeps its items
// and its bytes until one of them changes.
type Feed struct {
	Key
	Name        string // a section's title; a tag's or an author's most common spelling
	Description string // a section's, as configured
	URL         string // an author's most common URL in the articles; "" when they give none
	Limit       int
	Items       []*item.Item
}

// Current is what the current document carries: the newest Limit items.
func (f *Feed) Current() []*item.Item {
	if f.Limit > 0 && len(f.Items) > f.Limit {
		return f.Items[:f.Limit]
	}
	return f.Items
}

// archived is every item that is not current, newest first.
func (f *Feed) archived() []*item.Item { return f.Items[len(f.Current()):] }

// Month is one month of a feed's archive.
type Month struct {
	Name  string       // "2026-10"
	Items []*item.Item // newest first
}

// Archive lists the months that hold archived items, newest first.
func (f *Feed) Archive() []Month {
	var out []Month
	for rest := f.archived(); len(rest) > 0; {
		m := monthOf(rest[0])
		end := olderThan(rest, m)
		out = append(out, Month{Name: m.String(), Items: rest[:end]})
		rest = rest[end:]
	}
	return out
}

// NewestArchive is the month the current document's prev-archive link
// points at, "" when every item is current.
func (f *Feed) NewestArchive() string {
	if a := f.archived(); len(a) > 0 {
		return monthOf(a[0]).String()
	}
	return ""
}

// ArchiveMonth returns the archived items of the month named name and its
// neighbours in the archive, skipping empty months: prev the next older
// month, next the next newer one ("" where there is none). ok is false
// for a month with no archived item.
func (f *Feed) ArchiveMonth(name string) (m Month, prev, next string, ok bool) {
	want, valid := parseMonth(name)
	if !valid {
		return Month{}, "", "", false
	}
	a := f.archived()
	lo := sort.Search(len(a), func(i int) bool { return monthOf(a[i]) <= want })
	hi := lo + olderThan(a[lo:], want)
	if lo == hi || monthOf(a[lo]) != want {
		return Month{}, "", "", false
	}
	if hi < len(a) {
		prev = monthOf(a[hi]).String()
	}
	if lo > 0 {
		next = monthOf(a[lo-1]).String()
	}
	return Month{Name: name, Items: a[lo:hi]}, prev, next, true
}

// olderThan is the index of the first item of items (newest first)
// published before month m.
func olderThan(items []*item.Item, m month) int {
	return sort.Search(len(items), func(i int) bool { return monthOf(items[i]) < m })
}
