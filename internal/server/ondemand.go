package server

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"

	"syndicate/internal/document"
)

// onDemand keeps the documents rendered on their first request (see
// Options.Render), bounded in bytes. A warm request finds its entry with
// one lock-free map read and is then served as any document is; a miss
// renders once, however many requests wait for it. Over the bound, the
// documents least recently requested go first, recency being counted in
// renders: a request notes how many renders have been kept so far, which
// costs it two atomic reads, and a write only after a render.
type onDemand struct {
	render func(path string) (document.Document, bool)
	entry  func(path string, doc document.Document) *entry
	limit  int // bytes

	m     sync.Map      // path -> *kept
	clock atomic.Uint64 // renders kept so far

	mu       sync.Mutex // guards what follows, and stores into m
	bytes    int
	gen      uint64 // bumped by Forget: a render begun before it is not kept
	inflight map[string]*flight
}

type kept struct {
	e    *entry
	size int
	seen atomic.Uint64 // the clock at its last request
}

type flight struct {
	done chan struct{}
	e    *entry // nil: the path names no document
}

func newOnDemand(render func(string) (document.Document, bool), entry func(string, document.Document) *entry, limit int) *onDemand {
	return &onDemand{render: render, entry: entry, limit: limit, inflight: map[string]*flight{}}
}

// get returns the entry of path, rendering it on a miss; nil when path
// names no document.
func (c *onDemand) get(path string) *entry {
	if v, ok := c.m.Load(path); ok {
		k := v.(*kept)
		if now := c.clock.Load(); k.seen.Load() != now {
			k.seen.Store(now)
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
		if c.inflight[path] == f { // Forget may have let another render begin
			delete(c.inflight, path)
		}
		if f.e != nil && gen == c.gen {
			k := &kept{e: f.e, size: f.e.size()}
			k.seen.Store(c.clock.Add(1))
			c.m.Store(path, k)
			c.bytes += k.size
			c.evict()
		}
		c.mu.Unlock()
		close(f.done)
	}()
	if doc, ok := c.render(path); ok {
		f.e = c.entry(path, doc)
	}
	return f.e
}

// forget drops paths; a render in flight is served to those already
// waiting for it but not kept, since it may have begun from what made
// them stale, and a request from now on renders anew rather than wait
// for it: whoever asks after Forget gets what the edit made.
func (c *onDemand) forget(paths []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, p := range paths {
		if v, ok := c.m.LoadAndDelete(p); ok {
			c.bytes -= v.(*kept).size
		}
		delete(c.inflight, p)
	}
}

// forgetAll drops every document, as forget does.
func (c *onDemand) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m.Clear()
	c.bytes = 0
	clear(c.inflight)
}

// evict makes room once the cache is over its limit, down to three
// quarters of it so that the next renders do not evict again, dropping
// the documents least recently requested first. c.mu is held.
func (c *onDemand) evict() {
	if c.bytes <= c.limit {
		return
	}
	type candidate struct {
		path any
		k    *kept
		seen uint64 // read once: requests go on while the cache sorts
	}
	var all []candidate
	c.m.Range(func(path, v any) bool {
		k := v.(*kept)
		all = append(all, candidate{path, k, k.seen.Load()})
		return true
	})
	slices.SortFunc(all, func(a, b candidate) int { return cmp.Compare(a.seen, b.seen) })
	for _, cand := range all {
		if c.bytes <= c.limit/4*3 {
			return
		}
		c.m.Delete(cand.path)
		c.bytes -= cand.k.size
	}
}
