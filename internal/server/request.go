package server

import "bytes"

// fastRequest is what the fast path needs of a request head. The byte
// slices point into the connection's buffer.
type fastRequest struct {
	head                                         bool // HEAD, not GET
	path                                         []byte
	acceptEncoding, ifNoneMatch, ifModifiedSince []byte
	userAgent                                    []byte // for the counting hook (Hit)
}

// headEnd returns the length of the request head at the start of b, blank
// line included, or -1 if b holds no complete head yet. lfOnly reports a
// head that ends with a bare LF blank line, which net/http accepts and the
// fast path leaves to it.
func headEnd(b []byte) (end int, lfOnly bool) {
	start := 0
	for {
		i := bytes.IndexByte(b[start:], '\n')
		if i < 0 {
			return -1, false
		}
		i += start
		if line := b[start:i]; len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return i + 1, len(line) == 0
		}
		start = i + 1
	}
}

// partnerPrefix starts the paths of partners' feeds, whose token is in the
// path: served by net/http's routes, never from the public documents.
const partnerPrefix = "/p/"

// parseHead reads a complete request head (as delimited by headEnd) and
// reports whether the fast path may answer it. It takes only the plainest
// form of a GET or HEAD without a body: HTTP/1.1, CRLF line ends, an
// origin-form target without percent-escapes, exactly one Host, none of
// the headers that would change how the connection or the request is
// handled. Everything else, malformed or merely unusual, goes to net/http,
// which answers it (or rejects it) as it always has, so that the fast
// path never has to judge a request net/http would treat differently.
func parseHead(b []byte) (fastRequest, bool) {
	var r fastRequest
	line, rest, ok := cutLine(b)
	if !ok {
		return r, false
	}
	var target []byte
	switch {
	case bytes.HasPrefix(line, []byte("GET ")):
		target = line[len("GET "):]
	case bytes.HasPrefix(line, []byte("HEAD ")):
		target, r.head = line[len("HEAD "):], true
	default:
		return r, false
	}
	target, ok = bytes.CutSuffix(target, []byte(" HTTP/1.1"))
	if !ok || len(target) == 0 || target[0] != '/' {
		return r, false
	}
	for _, c := range target {
		if c <= ' ' || c >= 0x7f {
			return r, false
		}
	}
	r.path, _, _ = bytes.Cut(target, []byte("?"))
	if bytes.IndexByte(r.path, '%') >= 0 || bytes.HasPrefix(r.path, []byte(partnerPrefix)) {
		return r, false
	}

	hosts := 0
	for {
		line, rest, ok = cutLine(rest)
		if !ok {
			return r, false
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !isToken(name) || !validValue(value) {
			return r, false
		}
		value = bytes.Trim(value, " \t")
		var field *[]byte
		switch {
		case equalFold(name, "host"):
			if !validHost(value) {
				return r, false
			}
			hosts++
			continue
		case equalFold(name, "accept-encoding"):
			field = &r.acceptEncoding
		case equalFold(name, "if-none-match"):
			field = &r.ifNoneMatch
		case equalFold(name, "if-modified-since"):
			field = &r.ifModifiedSince
		case equalFold(name, "user-agent"):
			// The first, as net/http's Header["User-Agent"][0].
			if r.userAgent == nil {
				r.userAgent = value
			}
			continue
		case equalFold(name, "connection"):
			if !equalFold(value, "keep-alive") {
				return r, false
			}
			continue
		case equalFold(name, "content-length"), equalFold(name, "transfer-encoding"),
			equalFold(name, "expect"), equalFold(name, "upgrade"), equalFold(name, "trailer"),
			equalFold(name, "authorization"):
			// A request with credentials is a partner's: its answer
			// depends on who asks, which only net/http's routes judge.
			return r, false
		default:
			continue
		}
		// A repeated field would have to be joined as net/http joins
		// it; it is rare enough to leave to net/http.
		if *field != nil {
			return r, false
		}
		*field = value
	}
	return r, hosts == 1 && len(rest) == 0
}

// cutLine splits off a CRLF-terminated line.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	return b[:i-1], b[i+1:], true
}

// isToken reports whether b is a non-empty RFC 9110 token: a field name
// with no space before its colon.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0) {
			return false
		}
	}
	return true
}

// validValue rejects control characters other than tab; a line starting
// with a space or tab (obsolete folding) never gets here, since it has no
// token before a colon.
func validValue(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validHost is stricter than net/http's check: a name or address with an
// optional port, nothing that might need its judgement.
func validHost(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// equalFold compares ASCII case-insensitively without converting b to a
// string.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
