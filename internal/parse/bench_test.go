package parse

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mmcdole/gofeed"

	"syndicate/internal/feedtest"
)

// BenchmarkParseFeed is gofeed with our lean RSS translator, against
// gofeed's default translator, whose image scan parses every item's HTML.
// Most feeds, like most WordPress ones, have their images inline only;
// wire services declare them with media:content.
func BenchmarkParseFeed(b *testing.B) {
	for _, media := range []bool{false, true} {
		body := feedtest.RSS(49, 50, "p", media)
		b.Run(fmt.Sprintf("media=%v/lean", media), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if f, err := parseFeed(body); err != nil || len(f.Items) != 50 {
					b.Fatalf("parse: %v", err)
				}
			}
		})
		b.Run(fmt.Sprintf("media=%v/default", media), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				p := gofeed.NewParser()
				p.KeepOriginalFeed = true
				if f, err := p.Parse(bytes.NewReader(body)); err != nil || len(f.Items) != 50 {
					b.Fatalf("parse: %v", err)
				}
			}
		})
	}
}

// BenchmarkParse is the package's whole work on a busy feed: parsing and
// normalizing, not sanitizing.
func BenchmarkParse(b *testing.B) {
	body := feedtest.RSS(49, 50, "p", false)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if f, err := Parse(body, Options{SourceID: "bench", URL: "https://news.example/feed", Now: t0}); err != nil || len(f.Entries) != 50 {
			b.Fatalf("parse: %v", err)
		}
	}
}
