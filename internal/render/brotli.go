package render

import (
	"bytes"

	"github.com/andybalholm/brotli"
	"github.com/andybalholm/brotli/matchfinder"
)

// brotliLevel of the library's newer encoder (NewWriterV2). Unlike the
// gzip copy, assembled from cached pieces, the brotli copy is compressed
// whole on every render, which makes it most of a render's cost: in
// BenchmarkBrotliCost a 50-item section in three formats took about
// 2.7 ms without it and 30 ms with it at level 3. BenchmarkBrotliLevel, on
// the 50-item RSS feed in one run (2 busy cores): gzip 6.1 ms for a ratio
// of 0.368, level 1 8.2 ms for 0.316, level 3 16.2 ms for 0.296. Level 1
// halves the cost for 7% more bytes than level 3, still 14% fewer than
// gzip; sections are re-rendered on every change, so the cost counts.
const brotliLevel = 1

var brotliWriters = newCompressors(func() *matchfinder.Writer { return brotli.NewWriterV2(nil, brotliLevel) })

// brotliOf makes the brotli copy of every document; BenchmarkBrotliCost
// swaps it for a stub to measure rendering without it.
var brotliOf = brotliCopy

// brotliCopy compresses a whole document for clients that accept br. It
// is not assembled from cached pieces as the gzip copy is: the library
// has no way to end a piece so that another can be appended.
func brotliCopy(body []byte) []byte {
	out := scratch.Get().(*bytes.Buffer)
	compressInto(out, brotliWriters, body)
	return keep(out)
}
