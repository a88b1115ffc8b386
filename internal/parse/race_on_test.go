//go:build race

package parse

// slowdown scales time limits in tests: the race detector makes parsing
// several times slower.
const slowdown = 5
