package server

import "net/url"

// ContentSecurityPolicy is the policy of every HTML page Syndicate serves,
// the operators' status page included: no script at all, styles from the
// site, images from the site or from anywhere over https, and no framing
// but by the site itself. siteURL is the site's base URL, whose origin is
// allowed beside the page's own (the status page may be served from
// another origin than the site).
func ContentSecurityPolicy(siteURL string) string {
	from := "'self'"
	if u, err := url.Parse(siteURL); err == nil && u.Scheme != "" && u.Host != "" {
		from += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; style-src " + from + "; img-src " + from + " https:; " +
		"frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
}

// ReferrerPolicy keeps the path of our pages out of the requests they make
// to other sites: only the origin travels.
const ReferrerPolicy = "strict-origin-when-cross-origin"
