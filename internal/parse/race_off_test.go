//go:build !race

package source

const slowdown = 1
