package render

import (
	"sync"

	"syndicate/internal/document"
	"syndicate/internal/item"
)

// An item renders to the same bytes in a given format whatever section
// carries it, so its fragment, and the fragment's compressed piece, are
// cached by the item's fingerprint and the site fields that appear in item
// markup. An edit changes the fingerprint, so entries are never stale; old
// ones age out. Re-rendering a 50-item section after one edit is 8.6x
// faster with the cache than without (BenchmarkTricks/edit/without-cache,
// median of -count 5); a cold render costs the same either way (1.03x).
// Since every render also compresses a whole brotli copy, which no cache
// saves, the edit is 2.8x faster (8.3 against 23.2 ms, -count 3), with
// the cache's entries copies or lent alike.

// cacheKey identifies one item's fragment, or its compressed piece, in one
// format for one site.
type cacheKey struct {
	kind uint8 // the format's code, with the flags below
	site string
	sum  item.Fingerprint
}

// Flags of cacheKey.kind, above the format codes.
const (
	packedPiece = 1 << 6
	afterComma  = 1 << 7 // the piece begins with the comma before the item
)

// fragmentCache keeps two generations: entries used since the last
// rotation live in cur; prev is dropped at the next rotation. Memory stays
// under twice limit bytes, and what every render touches survives.
//
// The items of a section's current documents are cached apart, as views
// of those documents' bytes (lend), not as copies of their own: the
// publisher holds the documents anyway, so their items cost the cache
// nothing. Copies doubled what an instance holds of what it serves: at
// 100,000 archived items, with 51 sections of 50 items, 34 MB of a live
// heap of 126 MB, as much as the documents themselves (make flatbench
// -pprof).
type fragmentCache struct {
	mu        sync.Mutex
	cur, prev map[cacheKey][]byte
	curBytes  int
	limit     int
	// lent are the entries that view a lender's document; lenders is the
	// latest lender of each document name.
	lent    map[cacheKey]lentEntry
	lenders map[string]*lender
}

// A lender is one rendered document whose bytes back cache entries:
// doc is the document as rendered, then as sealed (see Seal), whose
// files the entries are read back from.
type lender struct {
	keys []cacheKey
	doc  document.Document
}

// lentEntry is n bytes at off in part of its lender's document.
type lentEntry struct {
	from   *lender
	part   document.Part
	off, n int
}

// bytes returns the entry's bytes: a view of its lender's document, or a
// copy read from the file the document was sealed into.
func (e lentEntry) bytes() []byte {
	b, err := e.from.doc.Slice(e.part, e.off, e.n)
	if err != nil {
		return nil // the fragment is made again
	}
	return b
}

// cacheEntry is one entry to lend: n bytes at off in part.
type cacheEntry struct {
	key    cacheKey
	part   document.Part
	off, n int
}

// lend makes entries, views of the document called name, the cached
// bytes of their keys, in place of any copies. Entries lent by the
// previous document of that name and not lent again since are dropped,
// so that the cache never keeps a replaced document alive.
func (c *fragmentCache) lend(name string, doc document.Document, entries []cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := &lender{keys: make([]cacheKey, len(entries)), doc: doc}
	for i, e := range entries {
		l.keys[i] = e.key
		c.lent[e.key] = lentEntry{from: l, part: e.part, off: e.off, n: e.n}
		if b, ok := c.cur[e.key]; ok {
			c.curBytes -= entrySize(b)
			delete(c.cur, e.key)
		}
		delete(c.prev, e.key)
	}
	if old := c.lenders[name]; old != nil {
		for _, k := range old.keys {
			if c.lent[k].from == old {
				delete(c.lent, k)
			}
		}
	}
	c.lenders[name] = l
}

// Seal seals doc (document.Document.Seal), and points the cache entries
// that view its bytes at the files they are now in: the publisher seals
// every document it keeps, so that none is held on the heap beside its
// file.
func Seal(doc document.Document) document.Document {
	sealed := doc.Seal()
	fragments.sealed(doc, sealed)
	return sealed
}

// sealed makes the lender of doc, if any, read from sealed.
func (c *fragmentCache) sealed(doc, sealed document.Document) {
	if len(doc.Body) == 0 || sealed.File(document.PartBody) == nil && sealed.File(document.PartGzip) == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.lenders {
		if len(l.doc.Body) > 0 && &l.doc.Body[0] == &doc.Body[0] {
			l.doc = sealed
			return
		}
	}
}

// fragmentLimit holds a 1000-item section of 3-5 KB articles in one
// generation: its fragments and compressed pieces in all three formats
// take about 29 MB.
const fragmentLimit = 32 << 20

var fragments = newFragmentCache(fragmentLimit)

// minFragmentLimit is the least FitFragments leaves the cache: room for a
// few sections of short items.
const minFragmentLimit = 1 << 20

// FitFragments sizes the cache to what is served: bytes is the size of
// every current feed document, bodies and gzip copies, which is about
// what the fragments and compressed pieces of their items take, so one
// generation holds them all with a quarter to spare. It is held between
// minFragmentLimit and fragmentLimit. The publisher calls it after each
// publish: a site of 550 current items of 3.5 KB holds 12 MB per
// generation rather than 32 MB, which with two generations, filled and
// rotated by a polling cycle's renders, was 40 MB of a 96 MB live heap.
func FitFragments(bytes int) {
	fragments.setLimit(min(max(bytes+bytes/4, minFragmentLimit), fragmentLimit))
}

func (c *fragmentCache) setLimit(n int) {
	c.mu.Lock()
	c.limit = n
	c.mu.Unlock()
}

func newFragmentCache(limit int) *fragmentCache {
	return &fragmentCache{cur: map[cacheKey][]byte{}, limit: limit, lent: map[cacheKey]lentEntry{}, lenders: map[string]*lender{}}
}

// entrySize counts the capacity, which is what the entry holds on to, and
// the key and map slot.
func entrySize(b []byte) int { return cap(b) + 64 }

func (c *fragmentCache) get(k cacheKey) ([]byte, bool) {
	c.mu.Lock()
	if e, ok := c.lent[k]; ok {
		c.mu.Unlock()
		b := e.bytes()
		return b, b != nil
	}
	defer c.mu.Unlock()
	if f, ok := c.cur[k]; ok {
		return f, true
	}
	f, ok := c.prev[k]
	if ok {
		delete(c.prev, k)
		c.putLocked(k, f)
	}
	return f, ok
}

func (c *fragmentCache) put(k cacheKey, f []byte) {
	c.mu.Lock()
	c.putLocked(k, f)
	c.mu.Unlock()
}

func (c *fragmentCache) putLocked(k cacheKey, f []byte) {
	if c.curBytes+entrySize(f) > c.limit && len(c.cur) > 0 {
		c.prev, c.cur, c.curBytes = c.cur, make(map[cacheKey][]byte, len(c.cur)), 0
	}
	if _, ok := c.cur[k]; !ok {
		c.curBytes += entrySize(f)
	}
	c.cur[k] = f
}

// reset empties the cache; benchmarks use it to measure cold renders.
func (c *fragmentCache) reset() {
	c.mu.Lock()
	c.cur, c.prev, c.curBytes = map[cacheKey][]byte{}, nil, 0
	c.lent, c.lenders = map[cacheKey]lentEntry{}, map[string]*lender{}
	c.mu.Unlock()
}
