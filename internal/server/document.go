package server

import (
	"net/http"
	"strconv"
	"strings"
	"syndicate/internal/document"
	"time"
)

// entry is a document with every response header prepared, so that a
// request only copies slice headers.
type entry struct {
	doc          document.Document
	lastModified time.Time // truncated to seconds, as HTTP dates are

	etag, etagGzip     []string
	contentType        []string
	cacheControl       []string
	lastModifiedHeader []string
	length, gzipLength []string
	link               []string // nil for a document without Link headers
	csp, referrer      []string // HTML pages only

	// writeDeadline is how long writing the document may take: set for
	// documents too large for the server's writeTimeout at a slow
	// reader's pace.
	writeDeadline time.Duration

	served, notModified Counter // nil for documents that are not feeds

	// feed is set for the documents of a feed format, whose bytes depend
	// on the content setting (see Options.RenderOther).
	feed bool
	// audience is what the audience of the document is counted under
	// (see Hit.Section): set for the current document of a feed, ""
	// for every other document, which is not counted.
	audience string
	id       uint64 // Hit.Doc
}

var (
	varyHeader    = []string{"Accept-Encoding"}
	gzipHeader    = []string{"gzip"}
	nosniffHeader = []string{"nosniff"}
)

func newEntry(doc document.Document, maxAge time.Duration) *entry {
	e := &entry{
		doc:          doc,
		lastModified: doc.LastModified.UTC().Truncate(time.Second),
		etag:         []string{doc.ETag},
		contentType:  []string{doc.ContentType},
		cacheControl: []string{"public, max-age=" + strconv.Itoa(int(maxAge.Seconds()))},
		length:       []string{strconv.Itoa(len(doc.Body))},
	}
	if !doc.LastModified.IsZero() {
		e.lastModifiedHeader = []string{e.lastModified.Format(http.TimeFormat)}
	}
	e.feed = isFeedType(doc.ContentType)
	if len(doc.Body) > writeBudget {
		e.writeDeadline = writeTimeout + time.Duration(len(doc.Body)/slowReader)*time.Second
	}
	if doc.Gzip != nil {
		// The gzip bytes are another representation, so they get their
		// own strong validator, derived so that either one revalidates.
		e.etagGzip = []string{strings.TrimSuffix(doc.ETag, `"`) + `-gzip"`}
		e.gzipLength = []string{strconv.Itoa(len(doc.Gzip))}
	}
	return e
}

// serve writes e as the answer to r, with the given Cache-Control, and
// returns the status and the number of body bytes it wrote.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, e *entry, cacheControl, vary []string) (status, n int) {
	h := w.Header()
	useGzip := e.etagGzip != nil && acceptsGzip(r.Header.Get("Accept-Encoding"))
	if useGzip {
		h["Etag"] = e.etagGzip
	} else {
		h["Etag"] = e.etag
	}
	h["Cache-Control"] = cacheControl
	h["Vary"] = vary
	if e.lastModifiedHeader != nil {
		h["Last-Modified"] = e.lastModifiedHeader
	}
	if notModified(r, e) {
		if e.notModified != nil {
			e.notModified.Inc()
		}
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	if e.served != nil {
		e.served.Inc()
	}
	h["Content-Type"] = e.contentType
	h["X-Content-Type-Options"] = nosniffHeader
	if e.link != nil {
		h["Link"] = e.link
	}
	if e.csp != nil {
		h["Content-Security-Policy"] = e.csp
		h["Referrer-Policy"] = e.referrer
	}
	if e.writeDeadline > 0 {
		// ResponseController costs an allocation, paid only by documents
		// this large.
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(e.writeDeadline))
	}
	body := e.doc.Body
	if useGzip {
		h["Content-Encoding"] = gzipHeader
		h["Content-Length"] = e.gzipLength
		body = e.doc.Gzip
	} else {
		h["Content-Length"] = e.length
	}
	if r.Method == http.MethodHead {
		return http.StatusOK, 0
	}
	n, _ = w.Write(body)
	return http.StatusOK, n
}

// isFeedType reports whether a document of contentType is a feed: RSS,
// Atom or JSON Feed.
func isFeedType(contentType string) bool {
	for _, t := range []string{"application/rss+xml", "application/atom+xml", "application/feed+json"} {
		if strings.HasPrefix(contentType, t) {
			return true
		}
	}
	return false
}

// notModified applies RFC 9110's order: If-None-Match, when present,
// decides alone; If-Modified-Since is consulted only without it.
func notModified(r *http.Request, e *entry) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etagListMatches(inm, e)
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || e.lastModifiedHeader == nil {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !e.lastModified.After(t)
}

// etagListMatches does the weak comparison If-None-Match calls for,
// against either representation's tag.
func etagListMatches(list string, e *entry) bool {
	for list != "" {
		var tag string
		tag, list, _ = strings.Cut(list, ",")
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		tag = strings.TrimPrefix(tag, "W/")
		if tag == e.etag[0] || (e.etagGzip != nil && tag == e.etagGzip[0]) {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip, i.e.
// names gzip (or *) without q=0.
func acceptsGzip(header string) bool {
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.TrimSpace(coding)
		if !strings.EqualFold(coding, "gzip") && !strings.EqualFold(coding, "x-gzip") && coding != "*" {
			continue
		}
		return !zeroQuality(params)
	}
	return false
}

func zeroQuality(params string) bool {
	_, q, ok := strings.Cut(params, "q=")
	if !ok {
		return false
	}
	q = strings.TrimSpace(q)
	v, err := strconv.ParseFloat(q, 64)
	return err == nil && v == 0
}
