// Package tomlpos finds the line a key sits on in TOML text, so that checks
// made after decoding (an unknown section, an empty title) can still name
// file and line: the decoder reports positions only for its own errors.
//
// It reads lines, not the full grammar: [table] and [[array]] headers,
// key = value lines with bare, quoted or dotted keys, and inline tables.
// Comments, the inside of strings (multi-line ones included) and the
// continuation lines of multi-line arrays and inline tables are never
// taken for keys or headers.
package tomlpos

import "strings"

// Lines is the key and header lines of one TOML text.
type Lines struct {
	first   int // file line of the text's first line
	entries []entry
}

type entry struct {
	line   int    // 0-based, in the text
	table  string // "" for the top level
	occur  int    // which occurrence of table: [[array]] tables repeat
	key    string // dotted, quotes removed; "" for a header
	header bool
}

// New indexes data, whose first line is line first of its file (1 for a
// whole file, more for front matter after a delimiter).
func New(data []byte, first int) *Lines {
	l := &Lines{first: first}
	var (
		sc    scanner
		table string
		occur int
		seen  = map[string]int{}
	)
	for i, raw := range strings.Split(string(data), "\n") {
		continued := sc.open != "" || sc.depth > 0
		text, eq := sc.line(raw)
		if continued {
			continue
		}
		switch {
		case strings.HasPrefix(strings.TrimSpace(text), "["):
			table = normalKey(strings.Trim(text, "[] \t\r"))
			occur = seen[table]
			seen[table]++
			l.entries = append(l.entries, entry{line: i, table: table, occur: occur, header: true})
		case eq >= 0:
			l.entries = append(l.entries, entry{line: i, table: table, occur: occur, key: normalKey(text[:eq])})
		}
	}
	return l
}

// Start is the text's first line: where to point when a key is missing
// altogether.
func (l *Lines) Start() int { return l.first }

// Key returns the line of a top-level key, or Start.
func (l *Lines) Key(key string) int { return l.In("", 0, key) }

// In returns the line of key in the index-th occurrence of table (0 for a
// plain table, "" for the top level). Failing that it returns the nearest
// thing an editor would look at: a top-level dotted key "table.key", the
// table's header, a top-level inline table named table, then Start.
func (l *Lines) In(table string, index int, key string) int {
	var dotted, header, inline *entry
	for i := range l.entries {
		e := &l.entries[i]
		switch {
		case e.header:
			if e.table == table && e.occur == index && header == nil {
				header = e
			}
		case e.table == table && e.occur == index && e.key == key:
			return l.first + e.line
		case e.table != "" || table == "":
			// What follows are top-level keys that name table.
		case e.key == table+"."+key && dotted == nil:
			dotted = e
		case e.key == table && inline == nil:
			inline = e
		}
	}
	for _, e := range []*entry{dotted, header, inline} {
		if e != nil {
			return l.first + e.line
		}
	}
	return l.first
}

// normalKey turns ` site . "title" ` into site.title, for keys and
// table names alike.
func normalKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// scanner carries what one line leaves open into the next.
type scanner struct {
	open  string // the delimiter of an unclosed multi-line string
	depth int    // unclosed [ and { of a value
}

// line returns raw without its comment, and the offset of the '=' that
// ends its key (-1 when it has none: a header, a blank line, or a line that
// continues a value).
func (s *scanner) line(raw string) (text string, eq int) {
	eq = -1
	inValue := s.depth > 0
	i := 0
	if s.open != "" {
		end := closing(raw, s.open)
		if end < 0 {
			return "", -1
		}
		s.open, inValue = "", true
		i = end
	}
	for i < len(raw) {
		c := raw[i]
		switch c {
		case '#':
			return raw[:i], eq
		case '"', '\'':
			if q := strings.Repeat(string(c), 3); strings.HasPrefix(raw[i:], q) {
				end := closing(raw[i+3:], q)
				if end < 0 {
					s.open = q
					return raw, eq
				}
				i += 3 + end
				continue
			}
			end := closing(raw[i+1:], string(c))
			if end < 0 {
				// Not TOML; the decoder has already said so.
				return raw, eq
			}
			i += 1 + end
			continue
		case '=':
			if !inValue {
				eq, inValue = i, true
			}
		case '[', '{':
			if inValue {
				s.depth++
			}
		case ']', '}':
			if inValue && s.depth > 0 {
				s.depth--
			}
		}
		i++
	}
	return raw, eq
}

// closing returns the offset just past the delimiter that closes a string
// whose content starts s, or -1 when it does not close on this line. Basic
// strings (") honour backslash escapes; a multi-line string's closing
// delimiter may be preceded by up to two more quotes of its content.
func closing(s, delim string) int {
	for i := 0; i < len(s); i++ {
		if delim[0] == '"' && s[i] == '\\' {
			i++
			continue
		}
		if !strings.HasPrefix(s[i:], delim) {
			continue
		}
		end := i + len(delim)
		for n := 0; len(delim) == 3 && n < 2 && end < len(s) && s[end] == delim[0]; n++ {
			end++
		}
		return end
	}
	return -1
}
