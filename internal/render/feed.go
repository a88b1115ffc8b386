package render

import (
	"errors"
	"fmt"
	"sync"
	"syndicate/internal/document"
	"time"

	"syndicate/internal/item"
)

// Content types of the feed formats.
const (
	rssType  = "application/rss+xml; charset=utf-8"
	atomType = "application/atom+xml; charset=utf-8"
	jsonType = "application/feed+json; charset=utf-8"
)

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

// Feeds renders every format of a section. The work (encoding items that
// are not cached, compressing runs of items, hashing bodies) is shared out
// among GOMAXPROCS goroutines across the three formats, and each item is
// cleaned at most once for all three.
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
	writeHead   func(*channel) ([]byte, error)
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
	head   []byte
	frags  [][]byte // per entry
	packed [][]byte // per run
}

func (c *channel) fail(format string, err error) error {
	return fmt.Errorf("render: %s %s: %w", c.sec.Slug, format, err)
}

func (c *channel) newJob(name string) (*job, error) {
	f, ok := formatSpecs[name]
	if !ok {
		return nil, errFormat
	}
	if c.err != nil {
		return nil, c.err
	}
	head, err := f.writeHead(c)
	if err != nil {
		return nil, err
	}
	return &job{formatSpec: f, head: head, frags: make([][]byte, len(c.entries)), packed: make([][]byte, len(c.runs))}, nil
}

// render makes the documents of formats in three passes, each shared out
// among the channel's workers: item fragments, compressed runs, then whole
// documents.
func (c *channel) render(names []string) ([]document.Document, error) {
	jobs, err := c.encode(names)
	if err != nil {
		return nil, err
	}
	r := len(c.runs)
	c.parallel(len(jobs)*r, func(_ *worker, k int) {
		j, i := jobs[k/r], k%r
		j.packed[i] = c.packRun(j, i)
	})
	docs := make([]document.Document, len(jobs))
	c.parallel(len(jobs), func(_ *worker, k int) {
		docs[k] = c.document(jobs[k])
	})
	return docs, nil
}

// encode starts a job for each format and fills in its item fragments.
func (c *channel) encode(names []string) ([]*job, error) {
	jobs := make([]*job, len(names))
	for i, name := range names {
		j, err := c.newJob(name)
		if err != nil {
			return nil, c.fail(name, err)
		}
		jobs[i] = j
	}
	n := len(c.entries)
	errs := make([]error, len(jobs)*n)
	c.parallel(len(jobs)*n, func(w *worker, k int) {
		j, i := jobs[k/n], k%n
		j.frags[i], errs[k] = c.fragment(w, j, c.entries[i])
	})
	for k, err := range errs {
		if err != nil {
			return nil, c.fail(jobs[k/n].name, fmt.Errorf("item %q: %w", c.entries[k%n].raw.ID, err))
		}
	}
	return jobs, nil
}

// fragment is an item's markup in j's format, from the cache or encoded.
func (c *channel) fragment(w *worker, j *job, e *entry) ([]byte, error) {
	key := cacheKey{kind: j.code, site: c.siteKey, sum: e.print}
	if b, ok := c.cache.get(key); ok {
		return b, nil
	}
	if w.enc == nil {
		w.enc = newItemEncoder(c)
	}
	b, err := j.encode(w.enc, e.view(c))
	if err != nil {
		return nil, err
	}
	c.cache.put(key, b)
	return b, nil
}

// packRun is the compressed form of run i, from the cache or compressed.
func (c *channel) packRun(j *job, i int) []byte {
	lo, hi := c.runBounds(i)
	first := j.commas && lo == 0
	key := cacheKey{kind: j.code + packedRun, site: c.siteKey, sum: runKey(c.entries[lo:hi], first)}
	if b, ok := c.cache.get(key); ok {
		return b
	}
	b := deflate(j.itemParts(lo, hi)...)
	c.cache.put(key, b)
	return b
}

// itemParts lists the bytes of items lo to hi as they appear in the body.
func (j *job) itemParts(lo, hi int) [][]byte {
	parts := make([][]byte, 0, 2*(hi-lo))
	for i := lo; i < hi; i++ {
		if j.commas && i > 0 {
			parts = append(parts, comma)
		}
		parts = append(parts, j.frags[i])
	}
	return parts
}

func (c *channel) document(j *job) document.Document {
	packed := make([][]byte, 0, len(j.packed)+2)
	packed = append(packed, deflate(j.head))
	packed = append(packed, j.packed...)
	packed = append(packed, j.tailPacked)
	return joinDocument(j.body(), packed, j.contentType, c.lastModified)
}

// body lists the parts of the document's body in order.
func (j *job) body() [][]byte {
	parts := make([][]byte, 0, 2*len(j.frags)+2)
	parts = append(parts, j.head)
	parts = append(parts, j.itemParts(0, len(j.frags))...)
	return append(parts, j.tail)
}

// Runs of items are content-defined: a run ends after an item whose id
// hashes to 0 mod runSpread, or after maxRun items. Inserting an item at
// the top of a section or dropping one at the bottom then changes only the
// runs at either end, and the others' compressed bytes stay cached. The
// hash is FNV, not the cache's seeded one, so that every process cuts the
// same runs and gzip copies are identical across a fleet.
const (
	runSpread = 8
	maxRun    = 16
)

func runStarts(entries []*entry) []int {
	var starts []int
	length := 0
	for i, e := range entries {
		if length == 0 {
			starts = append(starts, i)
		}
		length++
		if fnv32a(e.raw.ID)%runSpread == 0 || length == maxRun {
			length = 0
		}
	}
	return starts
}

// fnv32a is FNV-1a, written out to hash a string without allocating.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func (c *channel) runBounds(i int) (lo, hi int) {
	lo, hi = c.runs[i], len(c.entries)
	if i+1 < len(c.runs) {
		hi = c.runs[i+1]
	}
	return lo, hi
}

// entry is one item of the section being rendered: its fingerprint, and
// its cleaned view, built at most once and only when some format misses
// the cache.
type entry struct {
	raw   *item.Item
	print item.Fingerprint
	once  sync.Once
	v     *view
}

func (e *entry) view(c *channel) *view {
	e.once.Do(func() { e.v = newView(c, e.raw) })
	return e.v
}
