package render

import (
	"bytes"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/andybalholm/brotli/matchfinder"
)

// brotliLevel of the library's newer encoder (NewWriterV2). See
// BenchmarkBrotliLevel: on a 50-item feed it takes about as long as the
// gzip copy compressed whole (gzipLevel) and writes 19% fewer bytes (ratio
// 0.296 against 0.367); level 5 of the classic encoder saves another 0.4%
// in two to four times the time. Unlike the gzip copy, the brotli copy is
// compressed whole on every render (see BenchmarkBrotliCost).
const brotliLevel = 3

var brotliWriters = sync.Pool{New: func() any { return brotli.NewWriterV2(nil, brotliLevel) }}

// brotliOf makes the brotli copy of every document; BenchmarkBrotliCost
// swaps it for a stub to measure rendering without it.
var brotliOf = brotliCopy

// brotliCopy compresses a whole document for clients that accept br. It
// is not assembled from cached pieces as the gzip copy is: the library
// has no way to end a piece so that another can be appended.
func brotliCopy(body []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(body)/3 + 64)
	w := brotliWriters.Get().(*matchfinder.Writer)
	w.Reset(&out)
	// Writing to a bytes.Buffer cannot fail.
	w.Write(body)
	w.Close()
	brotliWriters.Put(w)
	return out.Bytes()
}
