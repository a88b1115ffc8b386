package server

import (
	"net/http"
	"strconv"
	"time"

	"syndicate/internal/partner"
)

// partnerVary: a partner's response depends on its token, which the
// Bearer form carries in a header.
var partnerVary = []string{"Accept-Encoding, Authorization"}

// SetPartners makes ps the partners whose tokens open feeds, at once for
// every request that starts after; nil or an empty set for none.
func (s *Server) SetPartners(ps *partner.Set) {
	if ps.Len() == 0 {
		ps = nil
	}
	s.partners.Store(ps)
}

// servePartner answers a request that carries a partner's token, in its
// path (/p/{token}/...) or as a Bearer token on a document's public path.
// It reports false for a request it leaves to the mux: a Bearer token on
// a path that names no document, such as an operator route's.
//
// A wrong, unknown or revoked token, and a path the partner may not
// fetch, get the same 404 as a document that does not exist: nothing
// tells a guess that came close from one that did not.
func (s *Server) servePartner(w http.ResponseWriter, r *http.Request, ps *partner.Set) bool {
	token, path, inPath := partner.FromPath(r.URL.Path)
	switch {
	case inPath:
	case len(r.URL.Path) >= len(partner.PathPrefix) && r.URL.Path[:len(partner.PathPrefix)] == partner.PathPrefix:
		http.NotFound(w, r) // /p/ without a token or a path after it
		return true
	default:
		path = r.URL.Path
		if s.lookup(path) == nil {
			return false
		}
		token = partner.Bearer(r.Header.Get("Authorization"))
	}
	p := ps.Lookup(token)
	if p == nil {
		http.NotFound(w, r)
		return true
	}
	// Usage is counted under the document's section only when the
	// partner may fetch it: a path of the client's choosing must not
	// make a section name.
	section := ""
	if p.Allows(path) {
		section = partner.Section(path)
	}
	if ok, wait := p.Allow(time.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		w.Header().Set("Cache-Control", "private, no-store")
		http.Error(w, "429 too many requests: over this partner's rate", http.StatusTooManyRequests)
		s.observePartner(r, path, nil, section, http.StatusTooManyRequests, 0, p.ID)
		return true
	}
	var e *entry
	if section != "" {
		e = s.lookup(path)
		if e != nil && e.feed && p.Summary != s.opts.PublicSummary && s.other != nil {
			e = s.other.get(path)
		}
	}
	if e == nil {
		http.NotFound(w, r)
		s.observePartner(r, path, nil, "", http.StatusNotFound, 0, p.ID)
		return true
	}
	status, n := s.serve(w, r, e, true)
	s.observePartner(r, path, e, section, status, n, p.ID)
	return true
}

// observePartner reports a partner's response; e is the entry served,
// nil for none.
func (s *Server) observePartner(r *http.Request, path string, e *entry, section string, status, n int, id string) {
	if s.opts.Observer == nil {
		return
	}
	var doc uint64
	if e != nil {
		doc = e.id
	}
	s.observe(r, path, doc, section, status, n, id)
}
