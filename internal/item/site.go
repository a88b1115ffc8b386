package item

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The rules for the site settings every id and link is minted from. Config
// applies them when it loads, and render again for a Site built by hand,
// so both hold the same settings to the same rule.

// AbsoluteHTTP reports whether s is a URL a feed reader can follow from
// anywhere: http or https, with a host.
func AbsoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// BaseURL checks raw as a site's base URL, to which paths such as
// "/articles/x/" are appended: an absolute http(s) URL without query or
// fragment. It returns raw without trailing slashes, and its scheme for
// scheme-relative links.
func BaseURL(raw string) (base, scheme string, err error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", "", fmt.Errorf("invalid URL %q", raw)
	case !AbsoluteHTTP(raw):
		return "", "", fmt.Errorf("%q is not an absolute http(s) URL", raw)
	case strings.ContainsAny(raw, "?#"): // even an empty one would swallow the paths appended
		return "", "", fmt.Errorf("%q must not carry a query or fragment", raw)
	}
	return strings.TrimRight(raw, "/"), u.Scheme, nil
}

// emailAddress is the shape the W3C validator accepts for email addresses,
// without its four-letter cap on top-level domains.
var emailAddress = regexp.MustCompile(`^[a-zA-Z0-9_\-+.]+@([a-zA-Z0-9\-]+\.)+[a-zA-Z]{2,63}$`)

// EmailAddress reports whether s is an address feeds may carry: an author's
// in Atom, a podcast owner's in RSS.
func EmailAddress(s string) bool { return emailAddress.MatchString(s) }

// tagAuthority is RFC 4151's authorityName: a DNS name or an email
// address, never a port or path. Upper case is accepted and written lower,
// as validators expect.
var (
	tagAuthority = regexp.MustCompile(`^([a-z0-9._+-]+@)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
	tagDate      = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

// CheckTagAuthority reports whether s can be the authority of the site's
// tag URIs. Its error, like CheckTagDate's and BaseURL's, names the value
// but not the setting, which the caller knows by its own name.
func CheckTagAuthority(s string) error {
	if !tagAuthority.MatchString(strings.ToLower(s)) {
		return fmt.Errorf("%q is not a domain name or email address (RFC 4151 allows no port or path)", s)
	}
	return nil
}

// CheckTagDate reports whether s can be the date of the site's tag URIs:
// a real date written YYYY, YYYY-MM or YYYY-MM-DD.
func CheckTagDate(s string) error {
	if tagDate.MatchString(s) {
		if _, err := time.Parse("2006-01-02"[:len(s)], s); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%q is not a date written YYYY, YYYY-MM or YYYY-MM-DD, such as 2026-01-01", s)
}

// TagPrefix returns "tag:{authority},{date}:", which a specific part such
// as "article/{id}" completes into an RFC 4151 tag URI.
func TagPrefix(authority, date string) (string, error) {
	if err := CheckTagAuthority(authority); err != nil {
		return "", fmt.Errorf("tag authority: %w", err)
	}
	if err := CheckTagDate(date); err != nil {
		return "", fmt.Errorf("tag date: %w", err)
	}
	return "tag:" + strings.ToLower(authority) + "," + date + ":", nil
}

// TagEscape percent-encodes s for a tag URI's specific part, keeping only
// characters that RFC 4151 and the validators' canonical form both leave
// alone, with upper-case hex as canonical form requires.
func TagEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if tagSafe(ch) {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}

func tagSafe(ch byte) bool {
	switch {
	case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/", ch) >= 0
}

// FirstPartyID is the id a first-party item (a [[source]] of kind
// "articles") is published under: the CMS's own guid or id, which an edit
// never changes, wrapped in the site's tag URI scheme beside the Markdown
// articles' "article/{id}", qualified by the source so that it can never
// take a Markdown article's id. prefix is TagPrefix's.
// id is the id as stored, which UpstreamID turns back into the CMS's.
func FirstPartyID(prefix, sourceID, id string) string {
	return prefix + "article/" + TagEscape(sourceID) + "/" + TagEscape(UpstreamID(sourceID, id))
}

// UpstreamID returns the id an item had in its upstream feed (or the link
// or hash derived for it when it had none), given the id Syndicate stores:
// parse prefixes ids that are not globally unique with "<sourceID>/".
func UpstreamID(sourceID, id string) string {
	return strings.TrimPrefix(id, sourceID+"/")
}
