package content

import "strings"

// locator finds the file line of a key so that checks made after decoding
// can point at it. It knows the layouts front matter uses: key = value,
// [table], [[array]], dotted keys and inline tables; it skips the inside of
// multi-line strings, where a line may look like a key.
type locator struct {
	lines []string
	first int // file line of lines[0]
}

func newLocator(fm []byte, first int) locator {
	return locator{lines: strings.Split(string(fm), "\n"), first: first}
}

// start is where the front matter begins: the line for a key that is
// missing altogether.
func (l locator) start() int { return l.first }

// key returns the line of a top-level key.
func (l locator) key(key string) int { return l.in("", 0, key) }

// in returns the line of key inside the index-th occurrence of table (0 for
// a plain table), falling back to a dotted top-level key, the table's header,
// an inline table and finally the front matter's start.
func (l locator) in(table string, index int, key string) int {
	var (
		current  string
		seen     = map[string]int{}
		header   int
		inline   int
		dotted   int
		inString string
	)
	for i, raw := range l.lines {
		s := strings.TrimSpace(raw)
		if inString != "" {
			if strings.Count(s, inString)%2 == 1 {
				inString = ""
			}
			continue
		}
		if strings.HasPrefix(s, "[") {
			current = strings.Trim(strings.SplitN(s, "#", 2)[0], "[] \t")
			if current == table && seen[current] == index && header == 0 {
				header = i + 1
			}
			seen[current]++
			continue
		}
		k := keyOf(s)
		switch {
		case k == "":
		case current == table && seen[current]-1 == index && k == key && table != "":
			return l.first + i
		case current == "" && table == "" && k == key:
			return l.first + i
		case current == "" && table != "" && k == table+"."+key && dotted == 0:
			dotted = i + 1
		case current == "" && table != "" && k == table && inline == 0:
			inline = i + 1
		}
		for _, q := range []string{`"""`, `'''`} {
			if strings.Count(s, q)%2 == 1 {
				inString = q
			}
		}
	}
	for _, n := range []int{dotted, header, inline} {
		if n > 0 {
			return l.first + n - 1
		}
	}
	return l.first
}

func keyOf(line string) string {
	k, _, ok := strings.Cut(line, "=")
	if !ok || strings.HasPrefix(line, "#") {
		return ""
	}
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}
