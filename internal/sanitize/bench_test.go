package sanitize

import (
	"strings"
	"testing"

	"syndicate/internal/feedtest"
)

// BenchmarkHTML sanitizes a feed's worth of article bodies.
func BenchmarkHTML(b *testing.B) {
	var bodies []string
	for i := range 50 {
		bodies = append(bodies, feedtest.Article(i))
	}
	for b.Loop() {
		for _, s := range bodies {
			HTML(s, base)
		}
	}
}

// BenchmarkPlainText reduces a feed's worth of titles, summaries and tags.
func BenchmarkPlainText(b *testing.B) {
	var in []string
	for i := range 50 {
		in = append(in, strings.ToUpper(feedtest.Sentence(i, 1))+" "+feedtest.Sentence(i+1, 8),
			"<p>"+feedtest.Sentence(i+2, 30)+" &amp; more</p>", "World", "Diplomacy")
	}
	for b.Loop() {
		for _, s := range in {
			PlainText(s)
		}
	}
}
