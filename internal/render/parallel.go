package render

import (
	"sync"
	"sync/atomic"
)

// worker is one goroutine's reusable state.
type worker struct {
	enc *itemEncoder
}

// parallel calls fn for 0 <= k < n on up to c.workers goroutines that
// take the next k as they finish. Sharing out items rather than formats
// keeps every core busy: one goroutine per format left a core idle while
// the largest format finished.
func (c *channel) parallel(n int, fn func(w *worker, k int)) {
	workers := min(c.workers, n)
	if workers <= 1 {
		var w worker
		for k := range n {
			fn(&w, k)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var w worker
			for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
				fn(&w, k)
			}
		})
	}
	wg.Wait()
}
