package server

import (
	"net/http"
	"strings"

	"syndicate/internal/partner"
)

// Hit is one response as the counting hook (Options.Observe) sees it.
// Every way a response is served, the net/http path and any faster one,
// reports it here, once.
type Hit struct {
	Path    string // the document's public path; a partner's token is never part of it
	Section string // what usage and audience are counted under (partner.Section)
	Status  int
	Bytes   int // body bytes sent
	// UserAgent is the client's; hosted feed readers report their
	// subscribers in it.
	UserAgent string
	// Remote is the client's address as net/http gives it, "ip:port". It
	// may be hashed, never logged or stored.
	Remote  string
	Partner string // the partner's id; "" for a public request
}

// observe reports a response to Options.Observe, which must be set.
func (s *Server) observe(r *http.Request, path, section string, status, n int, partnerID string) {
	var ua string
	// Indexed rather than Get: the key is already canonical.
	if v := r.Header["User-Agent"]; len(v) > 0 {
		ua = v[0]
	}
	s.opts.Observe(Hit{Path: path, Section: section, Status: status, Bytes: n, UserAgent: ua, Remote: r.RemoteAddr, Partner: partnerID})
}

// audienceOf is the Hit.Section of the document at path when it is a
// feed's current document, which feed readers poll; "" for an archive
// month, which they do not.
func audienceOf(path string) string {
	if strings.Contains(path, "/archive/") {
		return ""
	}
	return partner.Section(path)
}
