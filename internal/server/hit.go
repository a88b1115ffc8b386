package server

import (
	"hash/maphash"
	"net/http"
	"strings"

	"syndicate/internal/partner"
)

// Observer is the counting hook (Options.Observer). An interface rather
// than a func, so that a call copies the Hit once, not again in a method
// value's wrapper.
type Observer interface{ Observe(Hit) }

// Hit is one response as the counting hook (Options.Observer) sees it.
// Every way a response is served, the net/http path and any faster one,
// reports it here, once.
type Hit struct {
	Path string // the document's public path; a partner's token is never part of it
	// Doc identifies the document, the same for every response of it
	// (a hash of Path made when the document was), so that the hook
	// tells documents apart without hashing Path per request.
	Doc     uint64
	Section string // what usage and audience are counted under (partner.Section)
	Status  int
	Bytes   int // body bytes sent
	// UserAgent is the client's, where the server has it at hand;
	// hosted feed readers report their subscribers in it. Otherwise
	// Header is the request's, which the hook reads only when it needs
	// the User-Agent: looking it up costs a request more than the rest
	// of counting (see Agent).
	UserAgent string
	Header    http.Header
	// Remote is the client's address as net/http gives it, "ip:port". It
	// may be hashed, never logged or stored.
	Remote  string
	Partner string // the partner's id; "" for a public request
}

// docSeed seeds Hit.Doc.
var docSeed = maphash.MakeSeed()

// docID is the Hit.Doc of the document at path.
func docID(path string) uint64 { return maphash.String(docSeed, path) }

// Agent is the client's User-Agent.
func (h *Hit) Agent() string {
	if h.UserAgent != "" || h.Header == nil {
		return h.UserAgent
	}
	// Indexed rather than Get: the key is already canonical.
	if v := h.Header["User-Agent"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// observe reports a response to Options.Observer, which must be set.
func (s *Server) observe(r *http.Request, path string, doc uint64, section string, status, n int, partnerID string) {
	s.opts.Observer.Observe(Hit{Path: path, Doc: doc, Section: section, Status: status, Bytes: n, Header: r.Header, Remote: r.RemoteAddr, Partner: partnerID})
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
