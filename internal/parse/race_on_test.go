//go:build race

package source

// slowdown scales time limits in tests: the race detector makes parsing
// several times slower.
const slowdown = 5
