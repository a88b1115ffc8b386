package conformance

import (
	"regexp"
	"strconv"
	"strings"
)

// uriParts is RFC 3986's regular expression for the parts of a URI.
var uriParts = regexp.MustCompile(`^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$`)

// Characters a canonical URI writes as they are in each part: unreserved
// ones, and the delimiters the part allows.
const (
	pathSafe  = "-._~!$&'()*+,;=:@/"
	querySafe = pathSafe + "?"
)

var defaultPorts = map[string]string{"http": "80", "https": "443", "ftp": "21"}

// CanonicalURI is the form the W3C validator compares ids with (RFC 3986
// section 6's normalization): scheme and host in lower case, no default
// port, no "." or ".." segments, "/" for an empty path after an
// authority, and each character escaped if and only if it must be, in
// upper-case hex. An id is canonical when it equals its canonical form.
func CanonicalURI(s string) string {
	m := uriParts.FindStringSubmatch(s)
	if m == nil || m[2] == "" {
		return s
	}
	out := strings.ToLower(m[2]) + ":"
	path := m[5]
	if m[3] != "" {
		host := strings.ToLower(m[4])
		if port, ok := defaultPorts[strings.ToLower(m[2])]; ok {
			host = strings.TrimSuffix(host, ":"+port)
		}
		out += "//" + strings.TrimSuffix(host, ":")
		path = removeDots(path)
		if path == "" {
			path = "/"
		}
	}
	out += requote(path, pathSafe)
	if m[6] != "" {
		out += "?" + requote(m[7], querySafe)
	}
	if m[8] != "" {
		out += "#" + requote(m[9], querySafe)
	}
	return out
}

// removeDots is RFC 3986's remove_dot_segments.
func removeDots(p string) string {
	var out []string
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		switch {
		case seg == ".":
			if last {
				out = append(out, "")
			}
		case seg == "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	return strings.Join(out, "/")
}

// requote decodes every escape in s and escapes again each byte that is
// neither alphanumeric nor in safe.
func requote(s, safe string) string {
	var raw []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				raw = append(raw, byte(v))
				i += 2
				continue
			}
		}
		raw = append(raw, s[i])
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range raw {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
