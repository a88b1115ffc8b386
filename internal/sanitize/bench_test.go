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

// BenchmarkPlainTextStart takes the summaries of a feed's worth of
// article bodies, the start of their text only, against PlainText of each
// whole body in the same run.
func BenchmarkPlainTextStart(b *testing.B) {
	var bodies []string
	for i := range 50 {
		bodies = append(bodies, feedtest.Article(i))
	}
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			for _, s := range bodies {
				firstRunes(PlainText(s), 501)
			}
		}
	})
	b.Run("start", func(b *testing.B) {
		for b.Loop() {
			for _, s := range bodies {
				PlainTextStart(s, 501)
			}
		}
	})
}
