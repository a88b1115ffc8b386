package section

import (
	"fmt"
	"math/rand/v2"
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
// and with 10,000 tags.
func BenchmarkNewTopics(b *testing.B) {
	for _, tags := range []int{10, 10000} {
		items := benchArticles(100000, tags)
		b.Run(fmt.Sprintf("tags=%d", tags), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				NewTopics(items, 50)
			}
		})
	}
}
