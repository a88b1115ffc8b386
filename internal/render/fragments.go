package render

import (
	"hash/maphash"
	"sync"

	"syndicate/internal/item"
)

// An item renders to the same bytes in a given format whatever section
// carries it, so its fragment is cached by the item's fingerprint and the
// site fields that appear in item markup. Compressed runs of items are
// cached the same way, by the fingerprints of the items they hold. An edit
// changes the fingerprint, so entries are never stale; old ones age out.

// cacheKey identifies one item's fragment, or one run's compressed bytes,
// in one format for one site.
type cacheKey struct {
	kind uint8     // the format's code, plus packedRun for compressed runs
	site string    // channel.siteKey
	sum  [2]uint64 // the item's fingerprint, or the run's key
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

// entrySize counts the capacity, which is what the entry holds on to, and
// the key and map slot.
func entrySize(b []byte) int { return cap(b) + 64 }

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

// runSeeds seed the two hashes of a run's key.
var runSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// runID is everything a run's compressed bytes depend on besides the site
// and the format; first says whether the run opens the list, which in JSON
// decides whether a comma precedes it.
type runID struct {
	first  bool
	n      int
	prints [maxRun]item.Fingerprint
}

func runKey(run []*entry, first bool) [2]uint64 {
	id := runID{first: first, n: len(run)}
	for i, e := range run {
		id.prints[i] = e.print
	}
	return [2]uint64{maphash.Comparable(runSeeds[0], id), maphash.Comparable(runSeeds[1], id)}
}
