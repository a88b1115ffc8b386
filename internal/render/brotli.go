package render

import (
	"bytes"
	"sync"

	"github.com/andybalholm/brotli"
)

// brotliLevel: see BenchmarkBrotliLevel.
const brotliLevel = 5

var brotliWriters = sync.Pool{New: func() any { return brotli.NewWriterLevel(nil, brotliLevel) }}

// brotliCopy compresses a whole document for clients that accept br.
// Unlike the gzip copy it is not assembled from cached pieces: a brotli
// stream has no flush point that later pieces could be appended at.
func brotliCopy(body []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(body)/3 + 64)
	w := brotliWriters.Get().(*brotli.Writer)
	w.Reset(&out)
	// Writing to a bytes.Buffer cannot fail.
	w.Write(body)
	w.Close()
	brotliWriters.Put(w)
	return out.Bytes()
}
