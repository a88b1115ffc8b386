package section

import (
	"cmp"
	"slices"
	"strings"

	"syndicate/internal/item"
	"syndicate/internal/slug"
)

// slugOf is the slug of a tag's or an author's name; names with no
// letter or digit still get one (see slug.Make).
func slugOf(name string) string { return slug.Make(name) }

// Topics are the feeds that follow one tag or one author of the site's
// own articles (Markdown and first-party alike), the way the
// publication's topic and author pages group them. Aggregated items do
// not make topics: upstream categories and
// bylines are not the publication's.
type Topics struct {
	Tags, Authors []*Feed // by slug
	// Collisions are names that share a slug while differing in more than
	// case; each feed carries the items of all its names.
	Collisions []Collision
}

// Collision is two names of one kind that share a slug: the feed's
// display name and another, each with an item that spells it so.
type Collision struct {
	Kind  Kind
	Slug  string
	Names [2]string
	Items [2]*item.Item
}

// topic gathers one tag's or author's feed while the articles are read.
type topic struct {
	feed      *Feed
	spellings map[string]*spelling
	urls      map[string]int
}

type spelling struct {
	count int
	first *item.Item // the first item, in the order given, written so
}

// NewTopics groups items' tags and authors by slug into feeds whose
// current documents hold limit items. A topic's name is its most common
// spelling, ties going to the first in byte order, so that every instance
// agrees; an author's URL likewise.
func NewTopics(items []item.Item, limit int) *Topics {
	// One lookup per name written: a name leads to its topic and its
	// spelling's count at once.
	type named struct {
		t  *topic
		sp *spelling
	}
	var (
		names = [...]map[string]*named{KindTag: {}, KindAuthor: {}}
		byKey = map[Key]*topic{}
	)
	add := func(kind Kind, name, link string, it *item.Item) {
		n := names[kind][name]
		if n == nil {
			k := Key{kind, slugOf(name)}
			t := byKey[k]
			if t == nil {
				t = &topic{feed: &Feed{Key: k, Limit: limit}, spellings: map[string]*spelling{}}
				byKey[k] = t
			}
			n = &named{t: t, sp: &spelling{first: it}}
			t.spellings[name] = n.sp
			names[kind][name] = n
		}
		t := n.t
		if m := len(t.feed.Items); m == 0 || t.feed.Items[m-1] != it { // a name given twice in one article counts once
			t.feed.Items = append(t.feed.Items, it)
		}
		n.sp.count++
		if link != "" {
			if t.urls == nil {
				t.urls = map[string]int{}
			}
			t.urls[link]++
		}
	}
	for i := range items {
		it := &items[i]
		if it.Aggregated() {
			continue
		}
		for _, tag := range it.Tags {
			add(KindTag, tag, "", it)
		}
		for _, p := range it.Authors {
			add(KindAuthor, p.Name, p.URL, it)
		}
	}

	out := &Topics{}
	for k, t := range byKey {
		f := t.feed
		f.Name = mostCommon(t.spellings, func(s *spelling) int { return s.count })
		f.URL = mostCommon(t.urls, func(n int) int { return n })
		sortNewest(f.Items)
		if k.Kind == KindTag {
			out.Tags = append(out.Tags, f)
		} else {
			out.Authors = append(out.Authors, f)
		}
		out.Collisions = append(out.Collisions, collisions(k, f.Name, t.spellings)...)
	}
	bySlug := func(a, b *Feed) int { return strings.Compare(a.Slug, b.Slug) }
	slices.SortFunc(out.Tags, bySlug)
	slices.SortFunc(out.Authors, bySlug)
	slices.SortFunc(out.Collisions, func(a, b Collision) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Slug, b.Slug), strings.Compare(a.Names[1], b.Names[1]))
	})
	return out
}

// mostCommon is the key of m with the highest count, the first in byte
// order among equals; "" for an empty m.
func mostCommon[V any](m map[string]V, count func(V) int) string {
	best, bestN := "", 0
	for k, v := range m {
		if n := count(v); n > bestN || (n == bestN && k < best) {
			best, bestN = k, n
		}
	}
	return best
}

// collisions reports each spelling of a topic that differs from its name
// in more than case: "Iran" and "iran" are one topic spelt two ways, but
// "C++" and "C#" (both c-slugged) or "Lee Jae-myung" and "Lee Jae Myung"
// are for an editor to tell apart or make one. Of the spellings that
// differ only in case from one another, the most common stands for them.
func collisions(k Key, name string, spellings map[string]*spelling) []Collision {
	groups := map[string]string{} // lower-cased spelling -> its most common spelling
	for s, sp := range spellings {
		low := strings.ToLower(s)
		if cur, ok := groups[low]; !ok || sp.count > spellings[cur].count || (sp.count == spellings[cur].count && s < cur) {
			groups[low] = s
		}
	}
	var out []Collision
	for low, s := range groups {
		if low == strings.ToLower(name) {
			continue
		}
		out = append(out, Collision{Kind: k.Kind, Slug: k.Slug, Names: [2]string{name, s}, Items: [2]*item.Item{spellings[name].first, spellings[s].first}})
	}
	return out
}
