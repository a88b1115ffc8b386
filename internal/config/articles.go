package config

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"syndicate/internal/item"
)

// validateKind checks what a source's kind asks for: an external source
// names its sections; a first-party one routes by category instead.
func (c *Config) validateKind(s *Source, i int, sections map[string]bool, fail failFunc) error {
	switch s.Kind {
	case KindExternal:
		if len(s.Sections) == 0 {
			return fail("source", i, "sections", "source %q lists no sections", s.ID)
		}
		if len(s.Route) > 0 {
			return fail("source", i, "route", "source %q: [source.route] is for kind = %q; an external source lists its sections", s.ID, KindArticles)
		}
		if len(s.DefaultSections) > 0 {
			return fail("source", i, "default_sections", "source %q: default_sections is for kind = %q; an external source lists its sections", s.ID, KindArticles)
		}
	case KindArticles:
		if len(s.Sections) > 0 {
			return fail("source", i, "sections", "source %q: kind = %q routes by category: use [source.route] and default_sections instead of sections", s.ID, KindArticles)
		}
	default:
		return fail("source", i, "kind", "source %q: kind %q: want %q or %q", s.ID, s.Kind, KindExternal, KindArticles)
	}
	for _, slug := range s.Sections {
		if !sections[slug] {
			return fail("source", i, "sections", "source %q: unknown section %q", s.ID, slug)
		}
	}
	for _, slug := range s.DefaultSections {
		if !sections[slug] {
			return fail("source", i, "default_sections", "source %q: unknown section %q", s.ID, slug)
		}
	}
	// Routes to unknown sections are not errors: they route nowhere, and
	// `syndicate check` warns of them (see RouteWarnings), so that a
	// section can be retired before the CMS stops using its category.
	s.RouteKeys = make(map[string]string, len(s.Route))
	written := make(map[string]string, len(s.Route))
	for name, slug := range s.Route {
		k := RouteKey(name)
		if k == "" {
			return fail("source", i, "route", "source %q: route %q names no category", s.ID, name)
		}
		if other, dup := written[k]; dup && s.RouteKeys[k] != slug {
			a, b := min(name, other), max(name, other)
			return fail("source", i, "route", "source %q: routes %q and %q name one category (case and spaces do not count) but different sections", s.ID, a, b)
		}
		written[k], s.RouteKeys[k] = name, slug
	}
	prefix, err := item.TagPrefix(c.Site.TagAuthority, c.Site.TagDate)
	if err != nil {
		return fail("site", 0, "tag_authority", "site: %v", err)
	}
	s.WithdrawnKeys = make(map[string]bool, 2*len(s.Withdrawn))
	for _, w := range s.Withdrawn {
		w = strings.TrimSpace(w)
		if w == "" {
			return fail("source", i, "withdrawn", "source %q: withdrawn lists an empty id", s.ID)
		}
		s.WithdrawnKeys[w] = true
		if l := item.CanonicalLink(w); l != "" {
			s.WithdrawnKeys[l] = true
		}
		// The id Syndicate publishes a first-party item under, copied
		// from one of its feeds, names the CMS's own id.
		if rest, ok := strings.CutPrefix(w, item.FirstPartyID(prefix, s.ID, "")); ok && s.Kind == KindArticles {
			if id, err := url.PathUnescape(rest); err == nil {
				s.WithdrawnKeys[id] = true
			}
		}
	}
	return nil
}

// RouteKey is a category name as [source.route] matches it: case and
// spacing do not count ("Middle East", "middle  east", "MiddleEast").
func RouteKey(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// Routed files a first-party item by its categories: every section one of
// them routes to, in the order of the categories, else default_sections;
// the categories that route nowhere are its tags.
func (s *Source) Routed(categories []string) (sections, tags []string) {
	for _, c := range categories {
		slug, ok := s.RouteKeys[RouteKey(c)]
		switch {
		case !ok:
			tags = append(tags, c)
		case !slices.Contains(sections, slug):
			sections = append(sections, slug)
		}
	}
	if len(sections) == 0 {
		sections = append(sections, s.DefaultSections...)
	}
	return sections, tags
}

// Withdraws reports whether the operator withdrew the item whose id and
// link, as the feed gives them, are id and link.
func (s *Source) Withdraws(id, link string) bool {
	if len(s.WithdrawnKeys) == 0 {
		return false
	}
	if s.WithdrawnKeys[id] || s.WithdrawnKeys[item.UpstreamID(s.ID, id)] {
		return true
	}
	l := item.CanonicalLink(link)
	return l != "" && s.WithdrawnKeys[l]
}

// RouteWarnings names the routes of first-party sources to sections that
// do not exist: their items reach only latest (or default_sections).
func (c *Config) RouteWarnings() []string {
	sections := c.SectionSlugs()
	var out []string
	for i := range c.Sources {
		s := &c.Sources[i]
		for _, name := range slices.Sorted(maps.Keys(s.Route)) {
			if slug := s.Route[name]; !sections[slug] {
				out = append(out, fmt.Sprintf("source %q: route %q goes to section %q, which is not defined", s.ID, name, slug))
			}
		}
	}
	return out
}
