package server

import (
	"sync"
	"sync/atomic"

	"syndicate/internal/document"
)

// onDemand keeps the documents rendered on their first request (see
// Options.Render), bounded in bytes. A warm request finds its entry with
// one lock-free map read and is then served as any document is; a miss
// renders once, however many requests wait for it.
type onDemand struct {
	render func(path string) (document.Document, bool)
	entry  func(document.Document) *entry
	limit  int // bytes

	m sync.Map // path -> *kept

	mu       sync.Mutex // guards what follows, and stores into m
	bytes    int
	gen      uint64 // bumped by Forget: a render begun before it is not kept
	inflight map[string]*flight
}

type kept struct {
	e    *entry
	size int
	used atomic.Bool // since the last eviction pass: a second chance
}

type flight struct {
	done chan struct{}
	e    *entry // nil: the path names no document
}

func newOnDemand(render func(string) (document.Document, bool), entry func(document.Document) *entry, limit int) *onDemand {
	return &onDemand{render: render, entry: entry, limit: limit, inflight: map[string]*flight{}}
}

// get returns the entry of path, rendering it on a miss; nil when path
// names no document.
func (c *onDemand) get(path string) *entry {
	if v, ok := c.m.Load(path); ok {
		k := v.(*kept)
		if !k.used.Load() { // a store only when the bit changes: no cache line ping-pong
			k.used.Store(true)
		}
		return k.e
	}
	return c.fill(path)
}

func (c *onDemand) fill(path string) *entry {
	c.mu.Lock()
	if v, ok := c.m.Load(path); ok {
		c.mu.Unlock()
		return v.(*kept).e
	}
	if f, ok := c.inflight[path]; ok {
		c.mu.Unlock()
		<-f.done
		return f.e
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[path] = f
	gen := c.gen
	c.mu.Unlock()

	defer func() {
		c.mu.Lock()
		delete(c.inflight, path)
		if f.e != nil && gen == c.gen {
			size := len(f.e.doc.Body) + len(f.e.doc.Gzip)
			c.m.Store(path, &kept{e: f.e, size: size})
			c.bytes += size
			c.evict()
		}
		c.mu.Unlock()
		close(f.done)
	}()
	if doc, ok := c.render(path); ok {
		f.e = c.entry(doc)
	}
	return f.e
}

// forget drops paths; a render in flight is served but not kept, since
// it may have begun from what made them stale.
func (c *onDemand) forget(paths []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, p := range paths {
		if v, ok := c.m.LoadAndDelete(p); ok {
			c.bytes -= v.(*kept).size
		}
	}
}

// evict makes room once the cache is over its limit, down to three
// quarters of it so that the next insertions do not evict again: a
// clock pass drops entries not requested since the previous pass and
// clears the mark of the others; a second pass, if needed, drops any.
// c.mu is held.
func (c *onDemand) evict() {
	if c.bytes <= c.limit {
		return
	}
	target := c.limit / 4 * 3
	for pass := 0; pass < 2 && c.bytes > target; pass++ {
		c.m.Range(func(key, v any) bool {
			k := v.(*kept)
			if pass == 0 && k.used.Swap(false) {
				return true
			}
			c.m.Delete(key)
			c.bytes -= k.size
			return c.bytes > target
		})
	}
}
