package parse

import (
	"net/url"
	"strings"
)

// qualifyID keeps ids that are unique by construction (http(s) URLs, tag:
// and urn: URIs) as they are, and prefixes the others — numeric guids,
// slugs, hashes — with "<source>/", since two feeds may both have an item
// "1234" and sections dedup by id across sources. item.UpstreamID undoes it.
func qualifyID(source, raw string) string {
	if globalID(raw) {
		return raw
	}
	return source + "/" + raw
}

func globalID(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	l := strings.ToLower(s[:min(len(s), 8)])
	switch {
	case strings.HasPrefix(l, "tag:"), strings.HasPrefix(l, "urn:"):
		return len(s) > 6
	case strings.HasPrefix(l, "http://"), strings.HasPrefix(l, "https://"):
		u, err := url.Parse(s)
		return err == nil && u.Host != ""
	}
	return false
}
