package item

import (
	"net/url"
	"sort"
	"strings"
)

// trackingParams are query parameters that say how a reader arrived, not
// what they read; two links differing only in these are the same page.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "igshid": true,
	"mc_cid": true, "mc_eid": true, "ref": true, "ref_src": true, "ocid": true,
	"_hsenc": true, "_hsmi": true, "cmpid": true, "smid": true, "at_medium": true, "at_campaign": true,
}

// CanonicalLink reduces a URL to a key that equal pages share: scheme and
// host case folded (http and https alike), default ports, trailing slashes
// and tracking parameters removed, the rest of the query sorted. The
// fragment is kept: blogs give each post of a day's page its own
// (/2026/11/26.html#a0306, #a0312), and those are different posts. It
// returns "" for a link that is not an absolute http(s) URL.
func CanonicalLink(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimPrefix(host, "www.")
	if port := u.Port(); port != "" && port != "80" && port != "443" {
		host += ":" + port
	}
	path := strings.TrimRight(u.EscapedPath(), "/")

	var kept []string
	for _, pair := range strings.Split(u.RawQuery, "&") {
		if pair == "" {
			continue
		}
		name, _, _ := strings.Cut(pair, "=")
		name = strings.ToLower(name)
		if strings.HasPrefix(name, "utm_") || trackingParams[name] {
			continue
		}
		kept = append(kept, pair)
	}
	sort.Strings(kept)
	key := "//" + host + path
	if len(kept) > 0 {
		key += "?" + strings.Join(kept, "&")
	}
	if u.Fragment != "" {
		key += "#" + u.EscapedFragment()
	}
	return key
}
