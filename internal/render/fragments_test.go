package render

import (
	"fmt"
	"testing"
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
