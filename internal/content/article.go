package content

import (
	"fmt"
	"net/mail"
	"os"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/tomlpos"
)

// parsed is one article file on its way to an Item.
type parsed struct {
	path     string
	id       string // set once the id is valid, even if other checks fail
	idLine   int
	item     item.Item
	where    Where
	problems []Problem
}

func (a *parsed) problem(line int, format string, args ...any) {
	a.problems = append(a.problems, Problem{File: a.path, Line: line, Message: fmt.Sprintf(format, args...)})
}

func parseFile(path string, site *siteInfo) *parsed {
	a := &parsed{path: path, where: Where{File: path}}
	data, err := os.ReadFile(path)
	if err != nil {
		a.problem(0, "cannot read: %s", unwrapPath(err))
		return a
	}
	fm, body, first, p := split(data)
	if p != nil {
		a.problem(p.Line, "%s", p.Message)
		return a
	}
	m, p := decode(fm, first)
	if p != nil {
		a.problem(p.Line, "%s", p.Message)
		return a
	}
	a.check(m, tomlpos.New(fm, first), site)
	if len(a.problems) > 0 {
		return a
	}
	html, err := render(site.md, body)
	if err != nil {
		a.problem(first, "cannot render the Markdown body: %v", err)
		return a
	}
	a.item.ContentHTML = html
	return a
}

func (a *parsed) check(m *frontMatter, loc *tomlpos.Lines, site *siteInfo) {
	it := &a.item
	a.checkID(m.ID, loc, site)
	it.Title = a.required(m.Title, "title", loc)
	it.Summary = a.required(m.Standfirst, "standfirst", loc)
	a.checkDates(m, loc)
	a.checkSections(m.Sections, loc, site)
	a.where.Tags = loc.Key("tags")
	for _, t := range m.Tags {
		t = item.CleanText(strings.TrimSpace(t))
		if t == "" {
			a.problem(loc.Key("tags"), "tags holds an empty tag")
			continue
		}
		it.Tags = append(it.Tags, t)
	}
	a.checkAuthors(m.Authors, loc)
	if m.Image != nil {
		it.Image = a.checkImage(m.Image, loc, site)
	}
}

func (a *parsed) checkID(id *string, loc *tomlpos.Lines, site *siteInfo) {
	if id == nil {
		a.problem(loc.Start(), "missing id")
		return
	}
	line := loc.Key("id")
	if !validSlug(*id) {
		a.problem(line, "id %q may hold only a-z, 0-9 and -", *id)
		return
	}
	a.id, a.idLine = *id, line
	a.item.ID = site.tagPrefix + "article/" + *id
	a.item.URL = site.BaseURL + "/articles/" + *id + "/"
}

func validSlug(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func (a *parsed) required(v *string, key string, loc *tomlpos.Lines) string {
	if v == nil {
		a.problem(loc.Start(), "missing %s", key)
		return ""
	}
	s := item.CleanText(strings.TrimSpace(*v))
	if s == "" {
		a.problem(loc.Key(key), "%s is empty", key)
	}
	return s
}

func (a *parsed) checkDates(m *frontMatter, loc *tomlpos.Lines) {
	if m.Published == nil {
		a.problem(loc.Start(), "missing published")
		return
	}
	pub, ok := a.datetime(m.Published, "published", loc)
	if !ok {
		return
	}
	a.item.Published, a.item.Updated = pub, pub
	if m.Updated == nil {
		return
	}
	upd, ok := a.datetime(m.Updated, "updated", loc)
	if !ok {
		return
	}
	if upd.Before(pub) {
		a.problem(loc.Key("updated"), "updated %s is before published %s", upd.Format(time.RFC3339), pub.Format(time.RFC3339))
		return
	}
	a.item.Updated = upd
}

// datetime accepts only a TOML datetime with an offset: a local one would
// be read in whatever zone the server runs in, and move when it moves.
func (a *parsed) datetime(v any, key string, loc *tomlpos.Lines) (time.Time, bool) {
	const example = "2026-10-14T09:30:00Z"
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), true
	case toml.LocalDateTime:
		a.problem(loc.Key(key), "%s %s has no UTC offset: write e.g. %sZ or %s+02:00", key, t, t, t)
	case toml.LocalDate:
		a.problem(loc.Key(key), "%s %s has no time: write e.g. %sT09:30:00Z", key, t, t)
	case string:
		a.problem(loc.Key(key), "%s must be a TOML datetime such as %s, not a quoted string", key, example)
	default:
		a.problem(loc.Key(key), "%s must be a TOML datetime such as %s", key, example)
	}
	return time.Time{}, false
}

func (a *parsed) checkSections(sections []string, loc *tomlpos.Lines, site *siteInfo) {
	if sections == nil {
		a.problem(loc.Start(), "missing sections")
		return
	}
	line := loc.Key("sections")
	if len(sections) == 0 {
		a.problem(line, "sections is empty: list at least one section")
		return
	}
	seen := map[string]bool{}
	for _, s := range sections {
		switch {
		case s == config.LatestSlug:
			a.problem(line, "section %q is built in and carries every article: do not list it", s)
		case !site.Sections[s]:
			a.problem(line, "unknown section %q", s)
		case !seen[s]:
			seen[s] = true
			a.item.Sections = append(a.item.Sections, s)
		}
	}
}

func (a *parsed) checkAuthors(authors []author, loc *tomlpos.Lines) {
	if authors == nil {
		a.problem(loc.Start(), "missing authors: add an [[authors]] table")
		return
	}
	if len(authors) == 0 {
		a.problem(loc.Key("authors"), "authors is empty: add an [[authors]] table")
		return
	}
	for i, au := range authors {
		p := item.Person{
			Name:  item.CleanText(strings.TrimSpace(au.Name)),
			Email: strings.TrimSpace(au.Email),
			URL:   strings.TrimSpace(au.URL),
		}
		if p.Name == "" {
			a.problem(loc.In("authors", i, "name"), "author %d has no name", i+1)
		}
		if p.Email != "" {
			if addr, err := mail.ParseAddress(p.Email); err != nil || addr.Address != p.Email {
				a.problem(loc.In("authors", i, "email"), "author email %q is not an address such as name@example.org", p.Email)
			}
		}
		if p.URL != "" && !item.AbsoluteHTTP(p.URL) {
			a.problem(loc.In("authors", i, "url"), "author url %q is not absolute: write it with https://", p.URL)
		}
		a.item.Authors = append(a.item.Authors, p)
		a.where.Authors = append(a.where.Authors, loc.In("authors", i, "name"))
	}
}
