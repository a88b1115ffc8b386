package render

import (
	"errors"
	"fmt"
	"time"

	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/section"
)

// Content types of the feed formats.
const (
	rssType  = "application/rss+xml; charset=utf-8"
	atomType = "application/atom+xml; charset=utf-8"
	jsonType = "application/feed+json; charset=utf-8"
)

// IsFeedType reports whether contentType is one of the feed formats',
// which tells a feed from a page among published documents.
func IsFeedType(contentType string) bool {
	switch contentType {
	case rssType, atomType, jsonType:
		return true
	}
	return false
}

// generator names Syndicate in every feed.
const generator = "Syndicate"

// emptyTime dates a section with no items (its lastBuildDate, updated and
// Last-Modified). It is fixed, so that an empty feed's bytes and ETag never
// change, and independent of the site. It is not the Unix epoch because the
// W3C validator calls any date before 1990 implausible.
var emptyTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

var errFormat = errors.New("unknown feed format")

// Feed renders one format of a section. format is FormatRSS, FormatAtom or
// FormatJSON. Equal inputs give byte-identical documents, gzip copies
// included: every date in the output comes from the items.
func Feed(site Site, sec Section, format string) (document.Document, error) {
	docs, err := newChannel(site, sec).render([]string{format})
	if err != nil {
		return document.Document{}, err
	}
	return docs[0], nil
}

// Feeds renders every format of a section. Each item is cleaned at most
// once for all three, and only when some format misses the cache.
func Feeds(site Site, sec Section) (map[string]document.Document, error) {
	docs, err := newChannel(site, sec).render(FeedFormats)
	if err != nil {
		return nil, err
	}
	out := make(map[string]document.Document, len(docs))
	for i, format := range FeedFormats {
		out[format] = docs[i]
	}
	return out, nil
}

// formatSpec is what a feed format's render needs to know.
type formatSpec struct {
	name        string
	code        uint8 // the format's part of cache keys
	contentType string
	writeHead   func(*channel) ([]byte, error) // the document without items
	encode      func(*itemEncoder, *view) ([]byte, error)
	tail        []byte
	tailPacked  []byte
	commas      bool // JSON separates items with commas
}

var formatSpecs = map[string]*formatSpec{
	FormatRSS:  {name: FormatRSS, code: 1, contentType: rssType, writeHead: (*channel).rssHead, encode: (*itemEncoder).rss, tail: rssTail},
	FormatAtom: {name: FormatAtom, code: 2, contentType: atomType, writeHead: (*channel).atomHead, encode: (*itemEncoder).atom, tail: atomTail},
	FormatJSON: {name: FormatJSON, code: 3, contentType: jsonType, writeHead: (*channel).jsonHead, encode: (*itemEncoder).json, tail: jsonTail, commas: true},
}

// Tails are constant, so they are compressed once.
func init() {
	for _, f := range formatSpecs {
		f.tailPacked = deflate(f.tail)
	}
}

var (
	rssTail  = []byte("</channel></rss>\n")
	atomTail = []byte("</feed>\n")
	jsonTail = []byte("]}\n")
	comma    = []byte(",")
)

// job is one format's render in progress.
type job struct {
	*formatSpec
	head  []byte
	frags [][]byte // per entry
}

func (c *channel) fail(format string, err error) error {
	return fmt.Errorf("render: %s %s: %w", c.sec.Slug, format, err)
}

// render makes the documents of formats, one after the other.
func (c *channel) render(names []string) ([]document.Document, error) {
	docs := make([]document.Document, len(names))
	for i, name := range names {
		j, err := c.encode(name)
		if err != nil {
			return nil, c.fail(name, err)
		}
		docs[i] = c.document(j)
	}
	return docs, nil
}

// encode starts the job of one format and fills in its item fragments.
func (c *channel) encode(name string) (*job, error) {
	f, ok := formatSpecs[name]
	if !ok {
		return nil, errFormat
	}
	if c.err != nil {
		return nil, c.err
	}
	doc, err := f.writeHead(c)
	if err != nil {
		return nil, err
	}
	head, err := cutTail(doc, f.tail)
	if err != nil {
		return nil, err
	}
	j := &job{formatSpec: f, head: head, frags: make([][]byte, len(c.entries))}
	for i, e := range c.entries {
		if j.frags[i], err = c.fragment(j, e); err != nil {
			return nil, fmt.Errorf("item %q: %w", e.raw.ID, err)
		}
	}
	return j, nil
}

// fragment is an item's markup in j's format, from the cache or encoded.
func (c *channel) fragment(j *job, e *entry) ([]byte, error) {
	key := cacheKey{kind: j.code, site: c.siteKey, sum: e.print}
	if b, ok := c.cache.get(key); ok {
		return b, nil
	}
	if c.enc == nil {
		c.enc = newItemEncoder(c)
	}
	if e.v == nil {
		e.v = newView(c, e.raw)
	}
	b, err := j.encode(c.enc, e.v)
	if err != nil {
		return nil, err
	}
	c.cache.put(key, b)
	return b, nil
}

// packed is item i's compressed piece, from the cache or compressed. In
// JSON every item but the first carries the comma before it, so the key
// says which of the two pieces it is.
func (c *channel) packed(j *job, i int) []byte {
	key := cacheKey{kind: j.code | packedPiece, site: c.siteKey, sum: c.entries[i].print}
	parts := j.item(i)
	if len(parts) > 1 {
		key.kind |= afterComma
	}
	if b, ok := c.cache.get(key); ok {
		return b
	}
	b := deflate(parts...)
	c.cache.put(key, b)
	return b
}

// item lists the bytes of item i as they appear in the body.
func (j *job) item(i int) [][]byte {
	if j.commas && i > 0 {
		return [][]byte{comma, j.frags[i]}
	}
	return j.frags[i : i+1]
}

func (c *channel) document(j *job) document.Document {
	packed := make([][]byte, 0, len(j.frags)+2)
	packed = append(packed, deflate(j.head))
	for i := range j.frags {
		packed = append(packed, c.packed(j, i))
	}
	packed = append(packed, j.tailPacked)
	doc := joinDocument(j.body(), packed, j.contentType, c.lastModified)
	if c.lends() {
		c.cache.lend(c.siteKey+"\x00"+c.dir+j.name, doc, c.views(j, packed))
	}
	return doc
}

// lends reports whether the channel's documents lend the cache their
// bytes (see fragmentCache.lend): a configured section's current
// documents, which the publisher holds until it renders them again. The
// others (tag, author and archive documents, the summary variant) are
// rendered on demand and dropped by the server's cache on its own terms.
func (c *channel) lends() bool {
	return c.sec.Kind == section.KindSection && !c.archived() && !c.summary
}

// views are the cache entries of j's items as views of its document:
// each item's fragment in its body and its compressed piece in its gzip
// copy, laid out as joinDocument concatenated them.
func (c *channel) views(j *job, packed [][]byte) []cacheEntry {
	out := make([]cacheEntry, 0, 2*len(j.frags))
	at, packedAt := len(j.head), len(gzipHeader)+len(packed[0])
	for i, e := range c.entries {
		key := cacheKey{kind: j.code, site: c.siteKey, sum: e.print}
		if j.commas && i > 0 {
			at += len(comma)
		}
		n := len(j.frags[i])
		out = append(out, cacheEntry{key, document.PartBody, at, n})
		at += n
		key.kind |= packedPiece
		if j.commas && i > 0 {
			key.kind |= afterComma
		}
		n = len(packed[1+i])
		out = append(out, cacheEntry{key, document.PartGzip, packedAt, n})
		packedAt += n
	}
	return out
}

// body lists the parts of the document's body in order.
func (j *job) body() [][]byte {
	parts := make([][]byte, 0, 2*len(j.frags)+2)
	parts = append(parts, j.head)
	for i := range j.frags {
		parts = append(parts, j.item(i)...)
	}
	return append(parts, j.tail)
}

// entry is one item of the section being rendered: its fingerprint, and
// its cleaned view, built at most once and only when some format misses
// the cache.
type entry struct {
	raw   *item.Item
	print item.Fingerprint
	v     *view
}
