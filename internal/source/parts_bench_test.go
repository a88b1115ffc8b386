package source

import (
	"bytes"
	"testing"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
)

func BenchmarkPartRSSParser(b *testing.B) {
	body := benchFeed(50, "p")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		(&rss.Parser{}).Parse(bytes.NewReader(body))
	}
}

func BenchmarkPartGofeedNoScan(b *testing.B) {
	body := benchFeed(50, "p")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		p := gofeed.NewParser()
		p.RSSTranslator = rssTranslator
		p.Parse(bytes.NewReader(body))
	}
}

func BenchmarkPartSanitize(b *testing.B) {
	body := benchFeed(50, "p")
	f, _ := gofeed.NewParser().Parse(bytes.NewReader(body))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		for _, it := range f.Items {
			policy().Sanitize(it.Content)
		}
	}
}
