package render

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"unsafe"

	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/section"
)

// held is what the cache holds on to, counted from its maps rather than
// from its own tally.
func (c *fragmentCache) held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, gen := range []map[cacheKey][]byte{c.cur, c.prev} {
		for _, b := range gen {
			n += entrySize(b)
		}
	}
	return n
}

// TestFragmentCacheBounded renders many sections of distinct items through
// one small cache, over ten times its limit in all: it never holds more than
// twice its limit, and keeps everything the latest render used.
func TestFragmentCacheBounded(t *testing.T) {
	const limit = 1 << 20
	cache := newFragmentCache(limit)
	var last *channel
	for s := range 40 {
		sec := Section{Slug: fmt.Sprintf("s%d", s), Title: "Section"}
		for i := range 10 {
			sec.Items = append(sec.Items, benchItem(10*s+i))
		}
		last = newChannel(fixtureSite(), sec)
		last.cache = cache
		if _, err := last.render(FeedFormats); err != nil {
			t.Fatal(err)
		}
		if held := cache.held(); held > 2*limit {
			t.Fatalf("after %d sections the cache holds %d bytes, over twice its limit %d", s+1, held, limit)
		}
	}
	for _, format := range FeedFormats {
		code := formatSpecs[format].code
		for i, e := range last.entries {
			key := cacheKey{kind: code, site: last.siteKey, sum: e.print}
			if _, ok := cache.get(key); !ok {
				t.Errorf("%s: item %d of the latest render was dropped", format, i)
			}
			key.kind |= packedPiece
			if format == FormatJSON && i > 0 {
				key.kind |= afterComma
			}
			if _, ok := cache.get(key); !ok {
				t.Errorf("%s: compressed item %d of the latest render was dropped", format, i)
			}
		}
	}
}

// within reports whether b lies inside one of docs' bodies or gzip
// copies.
func within(b []byte, docs []document.Document) bool {
	inside := func(outer []byte) bool {
		if len(b) == 0 || len(outer) == 0 {
			return false
		}
		start := uintptr(unsafe.Pointer(unsafe.SliceData(outer)))
		p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		return p >= start && p+uintptr(len(b)) <= start+uintptr(len(outer))
	}
	for _, d := range docs {
		if inside(d.Body) || inside(d.Gzip) {
			return true
		}
	}
	return false
}

// A section's current documents lend the cache their items' bytes: the
// cache keeps no copies of them, every lent entry views a document of the
// latest render, and a replaced document is not kept alive by entries of
// items that left it. Other documents (a tag feed here) lend nothing.
func TestFragmentsLentByCurrentDocuments(t *testing.T) {
	cache := newFragmentCache(fragmentLimit)
	render := func(sec Section) (*channel, []document.Document) { return renderThrough(t, cache, sec) }

	_, first := render(Section{Slug: "asia", Title: "Asia", Items: itemRange(0, 10)})
	if held := cache.held(); held != 0 {
		t.Errorf("after a section's render the cache holds %d bytes of copies, want none", held)
	}
	c, second := render(Section{Slug: "asia", Title: "Asia", Items: itemRange(5, 15)}) // five items stay, five leave
	if held := cache.held(); held != 0 {
		t.Errorf("after a re-render the cache holds %d bytes of copies, want none", held)
	}
	if len(cache.lent) != 2*len(FeedFormats)*len(c.entries) {
		t.Errorf("%d entries lent, want %d: two per item and format of the latest render", len(cache.lent), 2*len(FeedFormats)*len(c.entries))
	}
	for k, e := range cache.lent {
		if !within(e.bytes(), second) {
			t.Errorf("entry %v views bytes outside the latest documents", k.sum)
		}
		if within(e.bytes(), first) {
			t.Errorf("entry %v keeps a replaced document alive", k.sum)
		}
	}
	// What is lent is what a cold render writes: the same documents again.
	sameAsCold(t, Section{Slug: "asia", Title: "Asia", Items: itemRange(5, 15)}, second)

	lent := len(cache.lent)
	render(Section{Kind: section.KindTag, Slug: "shipping", Title: "Shipping", Items: itemRange(20, 25)})
	if len(cache.lent) != lent {
		t.Errorf("a tag feed's render lent %d entries", len(cache.lent)-lent)
	}
	if cache.held() == 0 {
		t.Error("a tag feed's items were not cached as copies")
	}
}

// Once the publisher seals a section's documents, the entries they lent
// are read back from the files they are in, and no heap copy of a sealed
// part is kept: a re-render from them writes what a cold render does.
func TestSealedDocumentsLendFromTheirFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("documents are sealed into in-memory files on Linux only")
	}
	cache := newFragmentCache(fragmentLimit)
	render := func(sec Section) []document.Document {
		_, docs := renderThrough(t, cache, sec)
		return docs
	}

	first := render(Section{Slug: "asia", Title: "Asia", Items: itemRange(0, 20)})
	for _, doc := range first {
		sealed := doc.Seal()
		if sealed.File(document.PartBody) == nil {
			t.Fatalf("a %d-byte body was not sealed", len(doc.Body))
		}
		cache.sealed(doc, sealed)
	}
	for name, l := range cache.lenders {
		if l.doc.Body != nil {
			t.Errorf("%q: the cache holds the sealed body on the heap", name)
		}
	}
	for k, e := range cache.lent {
		if b := e.bytes(); e.part == document.PartBody && (len(b) != e.n || within(b, first)) {
			t.Errorf("entry %v: %d bytes, viewing the heap copy: %v", k.sum, len(b), within(b, first))
		}
	}
	sec := Section{Slug: "asia", Title: "Asia", Items: itemRange(10, 30)} // ten items stay
	sameAsCold(t, sec, render(sec))
}

// renderThrough renders sec's feeds through cache.
func renderThrough(t *testing.T, cache *fragmentCache, sec Section) (*channel, []document.Document) {
	t.Helper()
	c := newChannel(fixtureSite(), sec)
	c.cache = cache
	docs, err := c.render(FeedFormats)
	if err != nil {
		t.Fatal(err)
	}
	return c, docs
}

func itemRange(from, to int) []*item.Item {
	var out []*item.Item
	for i := from; i < to; i++ {
		out = append(out, benchItem(i))
	}
	return out
}

// sameAsCold checks that docs, rendered through a cache, are what a
// render of sec through an empty one writes.
func sameAsCold(t *testing.T, sec Section, docs []document.Document) {
	t.Helper()
	cold := newChannel(fixtureSite(), sec)
	cold.cache = newFragmentCache(fragmentLimit)
	want, err := cold.render(FeedFormats)
	if err != nil {
		t.Fatal(err)
	}
	for i, format := range FeedFormats {
		if !bytes.Equal(docs[i].Body, want[i].Body) || !bytes.Equal(docs[i].Gzip, want[i].Gzip) {
			t.Errorf("%s: a render through the cache differs from a cold one", format)
		}
	}
}
