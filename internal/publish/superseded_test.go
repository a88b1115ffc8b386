package publish

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/store"
)

// longArticles are n articles in asia with bodies long enough that every
// section's feeds are held in in-memory files; edition tells versions
// apart.
func longArticles(n, edition int) []item.Item {
	items := make([]item.Item, n)
	for i := range items {
		items[i] = article(fmt.Sprintf("a%d", i), fmt.Sprintf("Dispatch %d, edition %d", i, edition), 1+i%28, "asia")
		items[i].ContentHTML = strings.Repeat(fmt.Sprintf("<p>Port traffic report %d of edition %d.</p>", i, edition), 40)
		items[i].Updated = items[i].Updated.Add(time.Duration(edition) * time.Hour)
	}
	return items
}

// settledFileBytes is document.FileBytes once the files of unreachable
// documents have closed, or after wait, whichever comes first: it
// returns as soon as the count falls to at most want.
func settledFileBytes(want int64, wait time.Duration) int64 {
	deadline := time.Now().Add(wait)
	for {
		n := document.FileBytes()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A publish that replaces documents held in in-memory files lets the old
// files close at once, rather than at a collection that, on a quiet
// instance, may be minutes away: the instance does not hold its served
// documents twice.
func TestPublishClosesSupersededFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("in-memory files are made on Linux only")
	}
	p := New(Options{Site: testSite, Sections: testSections, Store: store.NewMemory(), StoreTimeout: testStoreTimeout, Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	if err := p.Publish(ctx, longArticles(30, 1), nil); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	base := settledFileBytes(0, 200*time.Millisecond)
	if base < 4*document.FileMin {
		t.Fatalf("%d bytes in in-memory files after the first publish: the feeds were not sealed, the test shows nothing", base)
	}
	if err := p.Publish(ctx, longArticles(30, 2), nil); err != nil {
		t.Fatal(err)
	}
	slack := base / 10
	if got := settledFileBytes(base+slack, 2*time.Second); got > base+slack {
		t.Errorf("%d bytes in in-memory files 2 s after a publish replaced every feed, against %d before it: the old documents' files are still open", got, base)
	}
}

// BenchmarkSupersededFiles publishes an edit of every article, with and
// without collectSuperseded: ns/op and cpu-ms/op (the process's, the
// collector's included) are its cost, files-x the in-memory files open
// 50 ms after each publish against those of one set of documents.
func BenchmarkSupersededFiles(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("in-memory files are made on Linux only")
	}
	for _, collect := range []bool{true, false} {
		b.Run(fmt.Sprintf("collect=%v", collect), func(b *testing.B) {
			defer func(was bool) { collectSuperseded = was }(collectSuperseded)
			collectSuperseded = collect
			p := New(Options{Site: testSite, Sections: testSections, Store: store.NewMemory(), StoreTimeout: testStoreTimeout, Logger: slog.New(slog.DiscardHandler)})
			ctx := context.Background()
			editions := [2][]item.Item{longArticles(30, 1), longArticles(30, 2)}
			if err := p.Publish(ctx, editions[0], nil); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			base := settledFileBytes(0, 200*time.Millisecond)
			var ratios []float64
			cpu0 := processCPU()
			for i := 0; i < b.N; i++ {
				if err := p.Publish(ctx, editions[(i+1)%2], nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				time.Sleep(50 * time.Millisecond)
				ratios = append(ratios, float64(document.FileBytes())/float64(base))
				b.StartTimer()
			}
			b.ReportMetric(float64(processCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
			b.ReportMetric(median(ratios), "files-x")
		})
	}
}

// processCPU is the user and system time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
