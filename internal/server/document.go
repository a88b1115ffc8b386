package server

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syndicate/internal/document"
	"time"
)

// Content codings a document may be served in (negotiate prefers brotli,
// smaller than gzip, when a client takes both).
const (
	codingIdentity = iota
	codingGzip
	codingBrotli
	numCodings
)

// representation is one encoding of a document with the headers that
// differ between encodings.
type representation struct {
	// body is the representation's bytes when they are on the heap; file
	// holds them instead when the document is sealed and they are at
	// least document.FileMin long (Linux only), for sendfile.
	body     []byte
	file     *os.File
	part     document.Part
	size     int
	etag     []string
	length   []string
	encoding []string // nil for identity
	// copied is body read from file once, for the fast path's no-sendfile
	// baseline, which writes every body from memory.
	copied atomic.Pointer[[]byte]

	// wire200 and wire304 are the status line and headers as net/http
	// writes them for this representation, up to the Date header, which
	// the fast path appends per request (see fast.go).
	wire200, wire304 []byte
}

// entry is a document with every response header prepared, so that a
// request only copies slice headers.
type entry struct {
	doc          document.Document
	lastModified time.Time // truncated to seconds, as HTTP dates are

	reps               [numCodings]*representation // nil for a coding the document has no copy in
	contentType        []string
	cacheControl       []string
	lastModifiedHeader []string
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
	nosniffHeader = []string{"nosniff"}
	codingHeaders = [numCodings][]string{codingGzip: {"gzip"}, codingBrotli: {"br"}}
	// etagSuffixes tell the encodings' validators apart: each encoding is
	// another representation, so it gets its own strong validator,
	// derived so that any of them revalidates.
	etagSuffixes = [numCodings]string{codingGzip: "-gzip", codingBrotli: "-br"}
)

// newEntry prepares doc, served at path, for both paths a request may
// take: every document, given by Update or rendered on demand, is
// prepared here, so that both answer with the same headers.
func (s *Server) newEntry(path string, doc document.Document) *entry {
	// A publisher's documents come sealed; those rendered on demand are
	// sealed here, so that only the in-memory file holds a large body.
	doc = doc.Seal()
	e := &entry{
		doc:          doc,
		lastModified: doc.LastModified.UTC().Truncate(time.Second),
		contentType:  []string{doc.ContentType},
		cacheControl: []string{"public, max-age=" + strconv.Itoa(int(s.opts.CacheMaxAge.Seconds()))},
	}
	if !doc.LastModified.IsZero() {
		e.lastModifiedHeader = []string{e.lastModified.Format(http.TimeFormat)}
	}
	e.writeDeadline = writeDeadlineOf(doc.Len(document.PartBody))
	e.id = docID(path)
	if e.feed = isFeedType(doc.ContentType); e.feed {
		e.audience = audienceOf(path)
	}
	if s.opts.Links != nil {
		e.link = s.opts.Links(path, doc)
	}
	if strings.HasPrefix(doc.ContentType, "text/html") {
		e.csp, e.referrer = s.csp, s.referrer
	}
	if s.opts.FeedCounter != nil {
		if section, format, ok := feedPath(path); ok {
			e.served = s.opts.FeedCounter(section, format, http.StatusOK)
			e.notModified = s.opts.FeedCounter(section, format, http.StatusNotModified)
		}
	}
	for coding, part := range codingParts {
		body, file := doc.Heap(part), doc.File(part)
		if body == nil && file == nil && coding != codingIdentity {
			continue
		}
		rep := &representation{
			body:     body,
			file:     file,
			part:     part,
			size:     doc.Len(part),
			etag:     []string{strings.TrimSuffix(doc.ETag, `"`) + etagSuffixes[coding] + `"`},
			length:   []string{strconv.Itoa(doc.Len(part))},
			encoding: codingHeaders[coding],
		}
		if coding == codingIdentity {
			rep.etag = []string{doc.ETag}
		}
		rep.wire200 = wireHeader(http.StatusOK, func(h http.Header) { e.setHeaders(h, rep, false) })
		rep.wire304 = wireHeader(http.StatusNotModified, func(h http.Header) { e.setHeaders(h, rep, true) })
		e.reps[coding] = rep
	}
	return e
}

// writeDeadlineOf is how long writing a body of size bytes may take, or 0
// when the server's writeTimeout covers it.
func writeDeadlineOf(size int) time.Duration {
	if size <= writeBudget {
		return 0
	}
	return writeTimeout + time.Duration(size/slowReader)*time.Second
}

// size is the memory the entry holds: every representation's bytes, on
// the heap or in their in-memory files.
func (e *entry) size() int {
	n := 0
	for _, rep := range e.reps {
		if rep != nil {
			n += rep.size
		}
	}
	return n
}

// codingParts are the document parts of the codings.
var codingParts = [numCodings]document.Part{codingIdentity: document.PartBody, codingGzip: document.PartGzip, codingBrotli: document.PartBrotli}

// inMemory is the representation of doc's bytes on the heap: body, or a
// copy of file read once and kept.
func (rep *representation) inMemory(doc document.Document) []byte {
	if rep.file == nil {
		return rep.body
	}
	if b := rep.copied.Load(); b != nil {
		return *b
	}
	b, err := doc.Read(rep.part)
	if err != nil {
		return nil
	}
	rep.copied.Store(&b)
	return b
}

// wireHeader is the status line and the headers set by fill as net/http
// writes them: sorted by name. Date is left for the request to add.
func wireHeader(code int, fill func(http.Header)) []byte {
	h := http.Header{}
	fill(h)
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	h.Write(&b) // a bytes.Buffer takes every write
	return b.Bytes()
}

// setHeaders sets the headers of a response with rep, or of a 304 for it:
// the one definition both the net/http path and the fast path's prepared
// bytes come from.
func (e *entry) setHeaders(h http.Header, rep *representation, notModified bool) {
	h["Etag"] = rep.etag
	h["Cache-Control"] = e.cacheControl
	h["Vary"] = varyHeader
	if e.lastModifiedHeader != nil {
		h["Last-Modified"] = e.lastModifiedHeader
	}
	if notModified {
		return
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
	if rep.encoding != nil {
		h["Content-Encoding"] = rep.encoding
	}
	h["Content-Length"] = rep.length
}

// negotiate picks the representation for a request and reports whether
// its conditions make the answer 304 Not Modified; it counts the answer.
func (e *entry) negotiate(acceptEncoding, ifNoneMatch, ifModifiedSince string) (*representation, bool) {
	rep := e.reps[codingIdentity]
	for _, coding := range [...]int{codingBrotli, codingGzip} {
		if e.reps[coding] != nil && accepts(acceptEncoding, codingHeaders[coding][0]) {
			rep = e.reps[coding]
			break
		}
	}
	notModified := e.notModifiedBy(ifNoneMatch, ifModifiedSince)
	counter := e.served
	if notModified {
		counter = e.notModified
	}
	if counter != nil {
		counter.Inc()
	}
	return rep, notModified
}

// serve writes e as the answer to r and returns the status and the
// number of body bytes it wrote. A partner's answer (private) is the
// public one with Cache-Control: private and a Vary that names the
// Authorization header its token may come in.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, e *entry, private bool) (status, n int) {
	rep, notModified := e.negotiate(r.Header.Get("Accept-Encoding"), r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since"))
	h := w.Header()
	e.setHeaders(h, rep, notModified)
	if private {
		h["Cache-Control"], h["Vary"] = s.private, partnerVary
	}
	if notModified {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	if e.writeDeadline > 0 {
		// ResponseController costs an allocation, paid only by documents
		// this large.
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(e.writeDeadline))
	}
	if r.Method == http.MethodHead {
		return http.StatusOK, 0
	}
	if rep.file != nil {
		// net/http copies it through a buffer: the fast path is the one
		// that sends files whole.
		copied, _ := io.Copy(w, io.NewSectionReader(rep.file, 0, int64(rep.size)))
		return http.StatusOK, int(copied)
	}
	n, _ = w.Write(rep.body)
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

// notModifiedBy applies RFC 9110's order: If-None-Match, when present,
// decides alone; If-Modified-Since is consulted only without it.
func (e *entry) notModifiedBy(ifNoneMatch, ifModifiedSince string) bool {
	if ifNoneMatch != "" {
		return etagListMatches(ifNoneMatch, e)
	}
	if ifModifiedSince == "" || e.lastModifiedHeader == nil {
		return false
	}
	t, err := http.ParseTime(ifModifiedSince)
	return err == nil && !e.lastModified.After(t)
}

// etagListMatches does the weak comparison If-None-Match calls for,
// against any representation's tag.
func etagListMatches(list string, e *entry) bool {
	for list != "" {
		var tag string
		tag, list, _ = strings.Cut(list, ",")
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		tag = strings.TrimPrefix(tag, "W/")
		for _, rep := range e.reps {
			if rep != nil && tag == rep.etag[0] {
				return true
			}
		}
	}
	return false
}

// accepts reports whether an Accept-Encoding value allows coding: named
// without q=0, or, when not named, covered by a "*" without q=0. gzip's
// old alias x-gzip counts as gzip.
func accepts(header, coding string) bool {
	star := false
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		switch {
		case strings.EqualFold(name, coding) || (coding == "gzip" && strings.EqualFold(name, "x-gzip")):
			return !zeroQuality(params)
		case name == "*":
			star = !zeroQuality(params)
		}
	}
	return star
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
