//go:build !race

package parse

const slowdown = 1
