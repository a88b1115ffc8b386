package render

import (
	"hash/maphash"
	"sync"
	"time"

	"syndicate/internal/item"
)

// An item renders to the same bytes in a given format whatever section
// carries it, so its fragment is cached by a hash of everything the output
// depends on: the item's fields and the site fields that appear in item
// markup. Compressed runs of items are cached the same way, by the hashes
// of the items they hold. An edit changes the hash, so entries are never
// stale; old ones age out.

// cacheKey identifies one item's fragment, or one run's compressed bytes,
// in one format.
type cacheKey struct {
	kind uint8     // the format's code, plus packedRun for compressed runs
	sum  [2]uint64 // 128 bits: two independently seeded hashes
}

const packedRun = 16

// fragmentCache keeps two generations: entries used since the last
// rotation live in cur; prev is dropped at the next rotation. Memory stays
// under twice limit bytes, and what every render touches survives.
type fragmentCache struct {
	mu        sync.Mutex
	cur, prev map[cacheKey][]byte
	curBytes  int
	limit     int
}

// fragmentLimit holds a 1000-item section in all three formats in one
// generation, with room for the smaller sections beside it.
const fragmentLimit = 32 << 20

var fragments = newFragmentCache(fragmentLimit)

func newFragmentCache(limit int) *fragmentCache {
	return &fragmentCache{cur: map[cacheKey][]byte{}, limit: limit}
}

func entrySize(b []byte) int { return len(b) + 64 }

func (c *fragmentCache) get(k cacheKey) ([]byte, bool) {
	c.mu.Lock()
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
	c.mu.Unlock()
}

var hashSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// itemHash covers every field of it and the site fields item markup uses.
// Strings are length-prefixed so that no two inputs share a byte stream.
func itemHash(site Site, it *item.Item) [2]uint64 {
	var sum [2]uint64
	var h maphash.Hash
	for i, seed := range hashSeeds {
		h.SetSeed(seed)
		str(&h, site.BaseURL)
		str(&h, site.TagAuthority)
		str(&h, site.TagDate)
		str(&h, it.ID)
		str(&h, it.URL)
		str(&h, it.Title)
		str(&h, it.Summary)
		str(&h, it.ContentHTML)
		num(&h, uint64(len(it.Authors)))
		for _, p := range it.Authors {
			str(&h, p.Name)
			str(&h, p.Email)
			str(&h, p.URL)
		}
		strs(&h, it.Sections)
		strs(&h, it.Tags)
		if im := it.Image; im != nil {
			num(&h, 1)
			str(&h, im.URL)
			str(&h, im.Caption)
			str(&h, im.Credit)
			str(&h, im.Type)
			num(&h, uint64(im.Length))
		} else {
			num(&h, 0)
		}
		instant(&h, it.Published)
		instant(&h, it.Updated)
		if o := it.Origin; o != nil {
			num(&h, 1)
			str(&h, o.SourceID)
			str(&h, o.FeedID)
			str(&h, o.Title)
			str(&h, o.FeedURL)
			str(&h, o.HomeURL)
		} else {
			num(&h, 0)
		}
		sum[i] = h.Sum64()
	}
	return sum
}

func str(h *maphash.Hash, s string) {
	num(h, uint64(len(s)))
	h.WriteString(s)
}

func strs(h *maphash.Hash, ss []string) {
	num(h, uint64(len(ss)))
	for _, s := range ss {
		str(h, s)
	}
}

func num(h *maphash.Hash, n uint64) {
	var b [8]byte
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	h.Write(b[:])
}

// instant hashes the moment, not the zone: output is always in UTC.
func instant(h *maphash.Hash, t time.Time) {
	num(h, uint64(t.Unix()))
	num(h, uint64(t.Nanosecond()))
}

// runHash identifies a run of items in one format; first says whether the
// run opens the list, which in JSON decides whether a comma precedes it.
func runHash(run []*entry, first bool) [2]uint64 {
	var sum [2]uint64
	var h maphash.Hash
	for i, seed := range hashSeeds {
		h.SetSeed(seed)
		num(&h, uint64(len(run)))
		for _, e := range run {
			num(&h, e.key[0])
			num(&h, e.key[1])
		}
		if first {
			num(&h, 1)
		}
		sum[i] = h.Sum64()
	}
	return sum
}
