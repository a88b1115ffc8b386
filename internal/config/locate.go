package config

import (
	"strings"
)

// locator finds the line of a key in the raw TOML so that checks made after
// decoding can still point at file and line. It understands the plain
// layout config files use: [table], [[array]] and key = value lines.
type locator struct{ lines []string }

func newLocator(data []byte) *locator {
	return &locator{lines: strings.Split(string(data), "\n")}
}

// line returns the 1-based line of key in the index-th occurrence of table
// (for [[array]] tables; 0 for plain tables), falling back to the table's
// header line, then to line 1.
func (l *locator) line(table string, index int, key string) int {
	header, seen := 0, -1
	inTable := false
	for i, raw := range l.lines {
		s := strings.TrimSpace(raw)
		if strings.HasPrefix(s, "[") {
			name := strings.Trim(strings.SplitN(s, "#", 2)[0], "[] \t")
			inTable = name == table
			if inTable {
				seen++
				if seen == index {
					header = i + 1
				}
			}
			continue
		}
		if inTable && seen == index && keyOf(s) == key {
			return i + 1
		}
	}
	if header > 0 {
		return header
	}
	return 1
}

func keyOf(line string) string {
	k, _, ok := strings.Cut(line, "=")
	if !ok {
		return ""
	}
	return strings.Trim(strings.TrimSpace(k), `"'`)
}

func joinKey(parts []string) string { return strings.Join(parts, ".") }

// trimTOMLPrefix drops the library's own "toml: " prefix; our messages
// already name the package.
func trimTOMLPrefix(msg string) string { return strings.TrimPrefix(msg, "toml: ") }
