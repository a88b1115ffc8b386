package render

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"syndicate/internal/document"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// TestBrotliCopies checks that every rendered document, feeds assembled
// from cached pieces included, carries a brotli copy of its body.
func TestBrotliCopies(t *testing.T) {
	docs, err := Feeds(fixtureSite(), benchSection(5))
	if err != nil {
		t.Fatal(err)
	}
	empty := NewDocument(nil, "text/plain", time.Time{})
	for name, doc := range map[string]document.Document{"rss": docs[FormatRSS], "atom": docs[FormatAtom], "json": docs[FormatJSON], "empty": empty} {
		plain, err := io.ReadAll(brotli.NewReader(bytes.NewReader(doc.Brotli)))
		if err != nil || !bytes.Equal(plain, doc.Body) || doc.Brotli == nil {
			t.Errorf("%s: brotli copy (%d bytes) does not decode to the body: %v", name, len(doc.Brotli), err)
		}
	}
}

// BenchmarkBrotliLevel backs the choice of brotliLevel: time and size of
// the brotli copy of a 50-item RSS feed at each candidate level, with the
// gzip copy (gzipLevel) as the baseline in the same run.
func BenchmarkBrotliLevel(b *testing.B) {
	docs, err := Feeds(fixtureSite(), benchSection(50))
	if err != nil {
		b.Fatal(err)
	}
	body := docs[FormatRSS].Body
	type compressor struct {
		name string
		new  func(io.Writer) io.WriteCloser
	}
	compressors := []compressor{
		{"gzip-baseline", func(w io.Writer) io.WriteCloser { z, _ := gzip.NewWriterLevel(w, gzipLevel); return z }},
	}
	for _, level := range []int{1, 2, 3, 4, 5} {
		compressors = append(compressors,
			compressor{fmt.Sprintf("level=%d", level), func(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, level) }},
			compressor{fmt.Sprintf("v2-level=%d", level), func(w io.Writer) io.WriteCloser { return brotli.NewWriterV2(w, level) }})
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

// BenchmarkBrotliCost is the render of a 50-item section in all three
// formats with its fragments cached, as after an edit, with and without
// the brotli copy: what brotli adds to a render.
func BenchmarkBrotliCost(b *testing.B) {
	site, sec := fixtureSite(), benchSection(50)
	for _, variant := range []string{"with", "without"} {
		b.Run(variant, func(b *testing.B) {
			if variant == "without" {
				brotliOf = func([]byte) []byte { return nil }
				defer func() { brotliOf = brotliCopy }()
			}
			if _, err := Feeds(site, sec); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Feeds(site, sec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
