// Package redact keeps the secrets an operator puts in a source's URL
// (userinfo, API keys in the query) out of what Syndicate shows: operators
// see a redacted URL, readers and partners never see the fetch URL at all.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces every secret part of a URL.
const Mask = "***"

// secretWords mark a query parameter whose value is a secret when its name
// contains one of them, in any case.
var secretWords = []string{"key", "token", "secret", "password", "passwd", "sig", "auth", "session", "credential"}

// URL is raw as an operator may see it, in an API, a page, a log line or an
// error: userinfo is shown as Mask and the values of query parameters whose
// names suggest a secret are masked. Text that does not parse as a URL is
// masked whole, since it cannot be known to be harmless.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Mask
	}
	if u.User != nil {
		u.User = url.User(Mask)
	}
	if u.RawQuery != "" {
		u.RawQuery = redactQuery(u.RawQuery)
	}
	// url.URL escapes the mask in userinfo; operators should read it as
	// written.
	return strings.Replace(u.String(), url.QueryEscape(Mask)+"@", Mask+"@", 1)
}

// redactQuery masks the values of secret-looking parameters, keeping the
// order and spelling of everything else.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, part := range parts {
		name, _, hasValue := strings.Cut(part, "=")
		if hasValue && secretName(name) {
			parts[i] = name + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

func secretName(escaped string) bool {
	name, err := url.QueryUnescape(escaped)
	if err != nil {
		name = escaped
	}
	name = strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// Public is raw fit for publication when nothing better is known: no
// userinfo, no query and no fragment. It is "" when raw is not an absolute
// http(s) URL.
func Public(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// Publishable is raw when it holds nothing that URL would mask, and
// Public(raw) otherwise: a URL fit to publish, kept as written when it can
// be, such as a feed's self link with an innocent query.
func Publishable(raw string) string {
	if URL(raw) == raw {
		return raw
	}
	return Public(raw)
}

// Text masks, inside free text such as an upstream or Go error message,
// every occurrence of the secrets of the URLs given.
func Text(text string, urls ...string) string {
	for _, raw := range urls {
		for _, s := range secrets(raw) {
			text = strings.ReplaceAll(text, s, Mask)
		}
	}
	return text
}

// secrets are the parts of raw that URL masks, as they may appear in text:
// raw and escaped.
func secrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if len(s) >= 3 { // shorter strings would mask ordinary text
			out = append(out, s, url.QueryEscape(s))
		}
	}
	if u.User != nil {
		add(u.User.Username())
		if p, ok := u.User.Password(); ok {
			add(p)
		}
	}
	for name, values := range u.Query() {
		if secretName(name) {
			for _, v := range values {
				add(v)
			}
		}
	}
	return out
}
