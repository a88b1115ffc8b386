package publish

import (
	"context"
	"sync"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/redistest"
	"syndicate/internal/render"
	"syndicate/internal/store"
)

// Three instances on one Redis publish the same articles at once: each
// section is rendered by one of them, and all serve identical bytes.
func TestFleetRendersEachSectionOnce(t *testing.T) {
	srv := redistest.StartServer(t)
	prefix := redistest.Prefix(t)
	var pubs []*Publisher
	for range 3 {
		st, err := store.Open(config.Store{RedisURL: srv.URL, Prefix: prefix, Timeout: config.Duration{Duration: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		pubs = append(pubs, New(Options{Site: testSite, Sections: testSections, Store: st, StoreTimeout: testStoreTimeout, Fleet: true, Version: "test"}))
	}
	items := []item.Item{article("one", "One", 1, "asia"), article("two", "Two", 2, "middle-east")}

	publishAll := func(items []item.Item) {
		var wg sync.WaitGroup
		for _, p := range pubs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := p.Publish(context.Background(), items, nil); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	check := func(round int, wantRenders map[string]int) {
		for _, s := range testSections {
			renders := 0
			for _, p := range pubs {
				renders += p.Stats()[s.Slug].Renders
			}
			if renders != wantRenders[s.Slug] {
				t.Errorf("round %d: section %s rendered %d times across the fleet, want %d", round, s.Slug, renders, wantRenders[s.Slug])
			}
			for _, format := range render.FeedFormats {
				path := "/" + s.Slug + "/" + format
				want := pubs[0].Documents()[path].ETag
				for i, p := range pubs[1:] {
					if got := p.Documents()[path].ETag; got != want || want == "" {
						t.Errorf("round %d: %s ETag on instance %d = %q, instance 0 = %q", round, path, i+1, got, want)
					}
				}
			}
		}
	}
	publishAll(items)
	check(1, map[string]int{"latest": 1, "asia": 1, "middle-east": 1})

	// The edit touches asia (and latest) only.
	items[0].Title = "One, revised"
	publishAll(items)
	check(2, map[string]int{"latest": 2, "asia": 2, "middle-east": 1})
}
