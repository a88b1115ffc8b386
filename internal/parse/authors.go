package parse

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"syndicate/internal/item"
	"syndicate/internal/sanitize"
)

// maxAuthors bounds the authors of one item: a list longer than this is a
// mistake, or worse.
const maxAuthors = 50

// byline is an author as the feed writes one: a name that may hold an
// address or a list of names, and what came beside it.
type byline struct {
	text, email, uri string
}

// authors are the item's authors, read from the feed's own elements rather
// than from gofeed's name-and-address splitter, which returns nothing for
// "Nick Ames (now), Ed Aarons and Ben Fisher (earlier)" and takes
// "Jane Doe <jane@x.example>" for an address. In Atom and JSON Feed the
// feed's authors are those of every item that names none; RSS has no such
// rule.
func (n *normalizer) authors(i int, gi *gofeed.Item, base *url.URL) []item.Person {
	lines := n.bylines(i, gi)
	var out []item.Person
	for _, b := range lines {
		for _, p := range people(b, base) {
			if len(out) < maxAuthors && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func (n *normalizer) bylines(i int, gi *gofeed.Item) []byline {
	var lines []byline
	switch {
	case i < len(n.rssItems):
		ri := n.rssItems[i]
		var texts []string
		switch dc := ri.DublinCoreExt; {
		case strings.TrimSpace(ri.Author) != "":
			texts = []string{ri.Author}
		case dc != nil && len(dc.Author) > 0:
			texts = dc.Author
		case dc != nil && len(dc.Creator) > 0:
			texts = dc.Creator
		case ri.ITunesExt != nil && ri.ITunesExt.Author != "":
			texts = []string{ri.ITunesExt.Author}
		}
		for _, t := range texts {
			lines = append(lines, byline{text: t})
		}
		if len(lines) == 0 {
			for _, p := range gi.Authors { // an atom:author inside the item
				if p != nil {
					lines = append(lines, byline{text: p.Name, email: p.Email})
				}
			}
		}
		return lines
	case i < len(n.atomEnts):
		for _, p := range n.atomEnts[i].Authors {
			if p != nil {
				lines = append(lines, byline{text: p.Name, email: p.Email, uri: p.URI})
			}
		}
	case i < len(n.jsonIts):
		ji := n.jsonIts[i]
		for _, a := range ji.Authors {
			if a != nil {
				lines = append(lines, byline{text: a.Name, uri: a.URL})
			}
		}
		if ji.Authors == nil && ji.Author != nil {
			lines = append(lines, byline{text: ji.Author.Name, uri: ji.Author.URL})
		}
	}
	if len(lines) == 0 {
		lines = n.feedBylines
	}
	return lines
}

// people reads one byline: a name with its address and URI, or a list of
// names, or, when nothing else fits, the text as the name.
func people(b byline, base *url.URL) []item.Person {
	name := strings.TrimSpace(b.text)
	email := address(b.email)
	uri := item.CleanText(sanitize.AbsoluteURL(base, b.uri))
	if email == "" {
		// Before markup is stripped, which would take <jane@x.example>
		// for a tag.
		name, email = nameAddress(name)
	}
	name = sanitize.PlainText(name)
	if email != "" {
		return []item.Person{{Name: name, Email: email, URL: uri}}
	}
	names := splitNames(name)
	if len(names) == 1 {
		return []item.Person{{Name: names[0], URL: uri}}
	}
	out := make([]item.Person, 0, len(names))
	for _, n := range names {
		out = append(out, item.Person{Name: n})
	}
	return out
}

// address is s if it is an email address and nothing else.
func address(s string) string {
	s = strings.TrimSpace(item.CleanText(s))
	if strings.Contains(s, "@") && !strings.ContainsAny(s, " \t<>\"(),;") {
		return s
	}
	return ""
}

// Bylines that carry an address: "Jane Doe <jane@x.example>" and RSS's own
// "jane@x.example (Jane Doe)".
var (
	nameThenAddress = regexp.MustCompile(`^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$`)
	addressThenName = regexp.MustCompile(`^([^()\s]+@[^()\s]+)\s*\((.*)\)$`)
)

// nameAddress splits a byline holding an address into name and address;
// one that holds none is returned as the name.
func nameAddress(s string) (name, email string) {
	if m := nameThenAddress.FindStringSubmatch(s); m != nil {
		return strings.Trim(m[1], ` "'`), m[2]
	}
	if m := addressThenName.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[2]), m[1]
	}
	if e := address(s); e != "" {
		return "", e
	}
	return s, ""
}

// listSeparators split a byline into names: commas, semicolons and "and".
var listSeparators = regexp.MustCompile(`\s*[,;]\s*(?:and\s+)?|\s+and\s+`)

// splitNames splits a byline that is a list of names ("Anna Novak, Peter
// Horvath and Eva Benkova") into the names, and keeps any other text whole
// ("Smith, John", "Department of Health and Social Care", "Reuters"):
// only when every part looks like a person's name is it a list.
func splitNames(s string) []string {
	if s == "" {
		return nil
	}
	parts := listSeparators.Split(s, -1)
	if len(parts) < 2 {
		return []string{s}
	}
	var names []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !personName(p) {
			return []string{s}
		}
		names = append(names, p)
	}
	if len(names) < 2 {
		return []string{s}
	}
	return names
}

// parenthetical is a note after a name: "Nick Ames (now)".
var parenthetical = regexp.MustCompile(`\s*\([^()]*\)\s*$`)

// nameParticles are the lower-case words names carry.
var nameParticles = map[string]bool{
	"al": true, "bin": true, "bint": true, "da": true, "de": true, "del": true, "della": true,
	"der": true, "di": true, "dos": true, "du": true, "el": true, "ibn": true, "la": true,
	"le": true, "van": true, "von": true, "y": true, "zu": true,
}

// personName reports whether s looks like one person's name: two to five
// words, each capitalized but for particles such as "van" or "al", and at
// most a note in parentheses after it.
func personName(s string) bool {
	words := strings.Fields(parenthetical.ReplaceAllString(s, ""))
	if len(words) < 2 || len(words) > 5 {
		return false
	}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && !nameParticles[w] {
			return false
		}
	}
	return true
}
