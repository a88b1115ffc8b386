package render

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"

	"github.com/andybalholm/brotli"
)

// BenchmarkBrotliLevel backs the choice of brotliLevel: time and size of
// the brotli copy of a 50-item RSS feed at each candidate level, with the
// gzip copy (gzipLevel) as the baseline in the same run.
func BenchmarkBrotliLevel(b *testing.B) {
	docs, err := Feeds(fixtureSite(), benchSection(50))
	if err != nil {
		b.Fatal(err)
	}
	body := docs[FormatRSS].Body
	compressors := []struct {
		name string
		new  func(io.Writer) io.WriteCloser
	}{
		{"gzip-baseline", func(w io.Writer) io.WriteCloser { z, _ := gzip.NewWriterLevel(w, gzipLevel); return z }},
	}
	for _, level := range []int{1, 2, 3, 4, 5, 6, 7, 9} {
		compressors = append(compressors, struct {
			name string
			new  func(io.Writer) io.WriteCloser
		}{fmt.Sprintf("level=%d", level), func(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, level) }})
		compressors = append(compressors, struct {
			name string
			new  func(io.Writer) io.WriteCloser
		}{fmt.Sprintf("v2-level=%d", level), func(w io.Writer) io.WriteCloser { return brotli.NewWriterV2(w, level) }})
	}
	for _, c := range compressors {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				buf.Reset()
				w := c.new(&buf)
				w.Write(body)
				w.Close()
			}
			b.ReportMetric(float64(buf.Len())/float64(len(body)), "ratio")
		})
	}
}
