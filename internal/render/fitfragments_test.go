package render

import "testing"

// The cache is sized to the documents it serves, within its bounds, and
// a smaller size bounds what it holds from the next rotation on.
func TestFitFragments(t *testing.T) {
	defer fragments.setLimit(fragmentLimit)
	for _, tc := range []struct {
		name  string
		bytes int
		want  int
	}{
		{"nothing served", 0, minFragmentLimit},
		{"a small site", 100 << 10, minFragmentLimit},
		{"550 items of 3.5 KB", 9 << 20, 9<<20 + (9<<20)/4},
		{"more than the ceiling", 100 << 20, fragmentLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			FitFragments(tc.bytes)
			fragments.mu.Lock()
			got := fragments.limit
			fragments.mu.Unlock()
			if got != tc.want {
				t.Errorf("FitFragments(%d): limit %d, want %d", tc.bytes, got, tc.want)
			}
		})
	}
	c := newFragmentCache(fragmentLimit)
	for i := range 200 {
		c.put(cacheKey{sum: [2]uint64{uint64(i)}}, make([]byte, 64<<10))
	}
	c.setLimit(1 << 20)
	for i := range 200 {
		c.put(cacheKey{sum: [2]uint64{uint64(1000 + i)}}, make([]byte, 64<<10))
	}
	if held := c.held(); held > 2<<20+2*(64<<10+64) {
		t.Errorf("after the limit shrank to 1 MiB the cache holds %d bytes", held)
	}
}
