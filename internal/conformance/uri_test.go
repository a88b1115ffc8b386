package conformance

import "testing"

func TestCanonicalURI(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.sk":                              "https://example.sk/",
		"https://example.sk/":                             "https://example.sk/",
		"HTTPS://Example.SK:443/a/./b/../c":               "https://example.sk/a/c",
		"http://example.sk:80":                            "http://example.sk/",
		"http://example.sk:8080/x":                        "http://example.sk:8080/x",
		"https://example.sk/%7euser/%e2%82%ac?q=%2a#f%41": "https://example.sk/~user/%E2%82%AC?q=*#fA",
		"https://example.sk/a b":                          "https://example.sk/a%20b",
		"tag:news.example,2026-01-01:item/a%20b":          "tag:news.example,2026-01-01:item/a%20b",
		"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66":   "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
		"TAG:news.example,2026:x":                         "tag:news.example,2026:x",
	} {
		if got := CanonicalURI(in); got != want {
			t.Errorf("CanonicalURI(%q) = %q, want %q", in, got, want)
		}
	}
}
