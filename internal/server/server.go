// Package server answers HTTP requests from documents rendered in advance:
// a feed request looks up bytes and headers prepared at render time, so
// the hot path neither renders nor allocates.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syndicate/internal/document"
	"time"

	"syndicate/internal/partner"
)

// Options configures a Server.
type Options struct {
	Logger      *slog.Logger
	CacheMaxAge time.Duration
	// SiteURL is the site's base URL, whose origin HTML pages may load
	// styles and images from (see ContentSecurityPolicy).
	SiteURL string
	// FeedCounter, when set, returns the counter of feed responses with
	// the given status code. It is called when documents change, never
	// per request, so counting costs the hot path one atomic add.
	FeedCounter func(section, format string, code int) Counter
	// Links, when set, returns the Link header values of the document at
	// path (a feed's WebSub hubs and self link), or none. It is called
	// when a document is updated or rendered on demand, never per request.
	Links func(path string, doc document.Document) []string
	// Render, when set, renders a document that Update did not give on
	// its first request; the server keeps it, within OnDemandBytes, until
	// Forget names it. It returns false for a path that names none.
	Render        func(path string) (document.Document, bool)
	OnDemandBytes int

	// PublicSummary says public feeds carry summaries ([site]
	// public_content = "summary"). A partner whose content setting
	// differs gets the feeds RenderOther renders instead, kept like
	// documents rendered on demand, within OnDemandBytes, until the next
	// Update.
	PublicSummary bool
	RenderOther   func(path string) (document.Document, bool)
	// Observer, when set, is told of every response of a feed's current
	// document and of every partner's response (see Hit), whichever path
	// served it. It runs on the request's goroutine: it must not block.
	Observer Observer
}

// Counter is the one method of a Prometheus counter the server needs.
type Counter interface{ Inc() }

// Server serves the current documents and whatever routes are added to it.
type Server struct {
	opts Options
	mux  *http.ServeMux
	docs atomic.Pointer[map[string]*entry]
	// onDemand keeps what Options.Render rendered; nil without it.
	onDemand *onDemand
	// pageHeaders are the security headers of HTML documents, prepared
	// once for every entry to share.
	csp, referrer []string
	// logRequests is decided once: at info level the hot path must not
	// pay for a log line it would not write.
	logRequests bool

	// partners are the partners whose tokens open feeds; nil for none,
	// which spares public requests every partner check.
	partners atomic.Pointer[partner.Set]
	// other keeps the feeds of the content setting public feeds lack.
	other *onDemand
	// private is the Cache-Control of partners' responses.
	private []string
}

// New returns a Server with no documents; until Update is called every
// document route answers 404 (readiness reports this state).
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{
		opts:        opts,
		mux:         http.NewServeMux(),
		logRequests: opts.Logger.Enabled(context.Background(), slog.LevelDebug),
		csp:         []string{ContentSecurityPolicy(opts.SiteURL)},
		referrer:    []string{ReferrerPolicy},
		private:     []string{"private, max-age=" + strconv.Itoa(int(opts.CacheMaxAge.Seconds()))},
	}
	empty := map[string]*entry{}
	s.docs.Store(&empty)
	if opts.Render != nil {
		s.onDemand = newOnDemand(opts.Render, s.newEntry, opts.OnDemandBytes)
	}
	if opts.RenderOther != nil {
		s.other = newOnDemand(opts.RenderOther, s.newEntry, opts.OnDemandBytes)
	}

	// Each pattern only names the URL scheme, so that the mux answers
	// 405 with Allow and redirects /asia to /asia/. Documents that exist
	// were served before the mux (see route); what reaches these is 404.
	for _, pattern := range []string{
		"GET /{$}",
		"GET /opml.xml",
		"GET /{section}/{$}",
		"GET /{section}/{format}",
		"GET /{section}/archive/{month}/{$}",
		"GET /{section}/archive/{month}/{format}",
		"GET /tag/{slug}/{$}",
		"GET /tag/{slug}/{format}",
		"GET /tag/{slug}/archive/{month}/{$}",
		"GET /tag/{slug}/archive/{month}/{format}",
		"GET /author/{slug}/{$}",
		"GET /author/{slug}/{format}",
		"GET /author/{slug}/archive/{month}/{$}",
		"GET /author/{slug}/archive/{month}/{format}",
		"GET /tags/{$}",
		"GET /tags/opml.xml",
		"GET /authors/{$}",
		"GET /authors/opml.xml",
		"GET /articles/{id}/{$}",
		"GET /media/{name}",
		"GET /static/{name}",
	} {
		s.mux.HandleFunc(pattern, http.NotFound)
	}
	// A tag's or an author's page is a folder, as a section's is; without
	// its slash the path would fall to "/{section}/{format}" and be 404.
	s.mux.HandleFunc("GET /tag/{slug}", toFolder)
	s.mux.HandleFunc("GET /author/{slug}", toFolder)
	s.mux.HandleFunc("GET /healthz", Healthz)
	return s
}

// toFolder redirects a path to its folder form, query kept: the page's
// canonical URL ends in a slash.
func toFolder(w http.ResponseWriter, r *http.Request) {
	u := *r.URL
	u.Path += "/"
	u.RawPath = ""
	http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
}

// Healthz answers liveness probes: 200 for as long as the process serves.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// Handle adds a route, for the API and status pages of later layers.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP makes Server an http.Handler. A GET or HEAD of a document
// that exists is answered before the mux, whose wildcard matching costs
// allocations the hot path does not need; everything else (404, 405,
// redirects, the API) goes through the mux.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.logRequests {
		s.serveLogged(w, r)
		return
	}
	s.route(w, r)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if ps := s.partners.Load(); ps != nil && (strings.HasPrefix(r.URL.Path, partner.PathPrefix) || r.Header["Authorization"] != nil) {
			if s.servePartner(w, r, ps) {
				return
			}
		}
		if e := s.lookup(r.URL.Path); e != nil {
			status, n := s.serve(w, r, e, false)
			if e.audience != "" && s.opts.Observer != nil {
				s.observe(r, r.URL.Path, e.id, e.audience, status, n, "")
			}
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// lookup finds the document at path: one of those Update gave, else one
// rendered on demand, rendering it now if need be. Either way the entry
// is served by the same code.
func (s *Server) lookup(path string) *entry {
	if e := (*s.docs.Load())[path]; e != nil {
		return e
	}
	if s.onDemand == nil {
		return nil
	}
	return s.onDemand.get(path)
}

// lookupBytes is lookup for the fast path, whose path is still in the
// connection's buffer: indexing the map with it does not copy it, so a
// prepared document costs no allocation.
func (s *Server) lookupBytes(path []byte) *entry {
	if e := (*s.docs.Load())[string(path)]; e != nil {
		return e
	}
	if s.onDemand == nil {
		return nil
	}
	return s.onDemand.get(string(path))
}

// Document returns the document served at path, rendering it now if it
// is rendered on demand and not kept: what a request would get.
func (s *Server) Document(path string) (document.Document, bool) {
	if e := s.lookup(path); e != nil {
		return e.doc, true
	}
	return document.Document{}, false
}

// Forget drops documents rendered on demand, which the next request
// renders anew: the publisher names those an edit made stale.
func (s *Server) Forget(paths []string) {
	if s.onDemand != nil {
		s.onDemand.forget(paths)
	}
}

// Update replaces the served documents (keyed by URL path) at once;
// requests in flight keep the set they started with.
func (s *Server) Update(docs map[string]document.Document) {
	old := *s.docs.Load()
	next := make(map[string]*entry, len(docs))
	for path, doc := range docs {
		if e, ok := old[path]; ok && e.doc.ETag == doc.ETag && e.doc.LastModified.Equal(doc.LastModified) {
			next[path] = e
			continue
		}
		next[path] = s.newEntry(path, doc)
	}
	s.docs.Store(&next)
	if s.other != nil {
		// Any feed may have changed: the other content setting's copies
		// are rendered again on their next request.
		s.other.forgetAll()
	}
}

// feedPath splits "/{section}/{format}" for a feed format.
func feedPath(path string) (section, format string, ok bool) {
	rest, found := strings.CutPrefix(path, "/")
	if !found {
		return "", "", false
	}
	section, format, ok = strings.Cut(rest, "/")
	if !ok || section == "" || strings.Contains(format, "/") {
		return "", "", false
	}
	switch format {
	case "rss.xml", "atom.xml", "feed.json":
		return section, format, true
	}
	return "", "", false
}

// Documents reports how many documents are being served.
func (s *Server) Documents() int { return len(*s.docs.Load()) }
