package section

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"syndicate/internal/item"
)

// benchArticles are n articles with three tags each from a vocabulary of
// tags names, Zipf-distributed, and two of 200 writers.
func benchArticles(n, tags int) []item.Item {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(tags-1))
	items := make([]item.Item, n)
	newest := time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC)
	for i := range items {
		seen := map[string]bool{}
		var names []string
		for len(names) < min(3, tags) {
			if name := fmt.Sprintf("Topic %d", zipf.Uint64()); !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
		t := newest.Add(-time.Duration(i) * 50 * time.Minute)
		items[i] = item.Item{
			ID: fmt.Sprintf("a%d", i), Published: t, Updated: t, Tags: names,
			Authors: []item.Person{{Name: fmt.Sprintf("Writer %d", rng.IntN(200))}, {Name: fmt.Sprintf("Writer %d", rng.IntN(200))}},
		}
	}
	return items
}

// BenchmarkNewTopics groups 100,000 articles' tags and authors, with 10
// tags and with 10,000, alternately, so that a busy machine slows both
// alike; ratio is the median over iterations of the second's time over
// the first's.
func BenchmarkNewTopics(b *testing.B) {
	few, many := benchArticles(100000, 10), benchArticles(100000, 10000)
	var ratios []float64
	var fewTime, manyTime time.Duration
	for b.Loop() {
		start := time.Now()
		NewTopics(few, 50)
		f := time.Since(start)
		start = time.Now()
		NewTopics(many, 50)
		m := time.Since(start)
		fewTime, manyTime = fewTime+f, manyTime+m
		ratios = append(ratios, float64(m)/float64(f))
	}
	slices.Sort(ratios)
	n := float64(len(ratios))
	b.ReportMetric(float64(fewTime.Milliseconds())/n, "ms-10tags")
	b.ReportMetric(float64(manyTime.Milliseconds())/n, "ms-10ktags")
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
}
