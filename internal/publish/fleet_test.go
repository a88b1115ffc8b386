package publish

import (
	"context"
	"log/slog"
	"strings"
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

// A lone instance on Redis must not "adopt" the documents it rendered
// itself. An edit outside a section's window touches the section (its
// items changed) without changing what it shows, so its render input is
// the one this instance already stored: that is neither a render nor the
// work of another instance.
func TestFleetDoesNotAdoptItsOwnRenders(t *testing.T) {
	srv := redistest.StartServer(t)
	st, err := store.Open(config.Store{RedisURL: srv.URL, Prefix: redistest.Prefix(t), Timeout: config.Duration{Duration: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var logs strings.Builder
	sections := []config.Section{
		{Slug: "latest", Title: "Latest", Limit: 1},
		{Slug: "asia", Title: "Asia", Limit: 50},
		{Slug: "middle-east", Title: "Middle East", Limit: 50},
	}
	p := New(Options{Site: testSite, Sections: sections, Store: st, StoreTimeout: testStoreTimeout, Fleet: true, Version: "test",
		Logger: slog.New(slog.NewTextHandler(&lockedBuilder{b: &logs}, nil))})
	ctx := context.Background()
	items := []item.Item{article("new", "Newest", 3, "asia"), article("old", "Older", 1, "middle-east")}
	if err := p.Publish(ctx, items, nil); err != nil {
		t.Fatal(err)
	}
	latest := p.Documents()["/latest/atom.xml"]

	// "latest" shows only the newest item; the edit is to the older one.
	items[1].Title = "Older, revised"
	for range 3 {
		if err := p.Publish(ctx, items, nil); err != nil {
			t.Fatal(err)
		}
		items[1].Title += "!"
	}
	stats := p.Stats()
	for slug, want := range map[string]SectionStats{"latest": {Renders: 1}, "asia": {Renders: 1}, "middle-east": {Renders: 4}} {
		if got := stats[slug]; got.Renders != want.Renders || got.Adopted != 0 {
			t.Errorf("%s: %d renders, %d adopted; want %d renders, none adopted", slug, got.Renders, got.Adopted, want.Renders)
		}
	}
	if got := p.Documents()["/latest/atom.xml"]; got.ETag != latest.ETag || got.Input != latest.Input {
		t.Error("latest's feed changed though what it shows did not")
	}
	if strings.Contains(logs.String(), "rendered by another instance") {
		t.Errorf("a lone instance says it took another's rendering:\n%s", logs.String())
	}
}

// lockedBuilder lets a logger write from several goroutines.
type lockedBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedBuilder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
