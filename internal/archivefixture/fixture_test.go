package archivefixture

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/store"
)

// The fixture is what every "cost that stays flat" figure is measured
// on: its config must load, and the store must then hold exactly the
// planned items, each source's in its own section, none of them due.
func TestPopulateMatchesConfig(t *testing.T) {
	for _, n := range []int{1_000, 1_234} {
		plan := New(n)
		cfg, err := config.Parse(filepath.Join(t.TempDir(), "config.toml"), []byte(plan.Config(Endpoints{BaseURL: "http://flat.example", ContentDir: t.TempDir()})))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(cfg.Sections); got != plan.Sections+1 {
			t.Errorf("%d sections configured, want %d and latest", got, plan.Sections)
		}
		st := store.NewMemory()
		ctx := context.Background()
		if err := plan.Populate(ctx, st); err != nil {
			t.Fatal(err)
		}
		total, seen := 0, map[string]bool{}
		for s, src := range cfg.Sources {
			items, err := st.Items(ctx, src.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) > src.MaxItems {
				t.Errorf("%s holds %d items, over its max_items %d", src.ID, len(items), src.MaxItems)
			}
			for _, it := range items {
				if seen[it.ID] {
					t.Fatalf("item %s held twice", it.ID)
				}
				seen[it.ID] = true
				if len(it.Sections) != 1 || it.Sections[0] != src.Sections[0] || it.Origin.SourceID != src.ID {
					t.Fatalf("item %s of %s filed under %v from %s", it.ID, src.ID, it.Sections, it.Origin.SourceID)
				}
			}
			total += len(items)
			state, err := st.SourceState(ctx, src.ID)
			if err != nil || state.URL != src.URL || !state.NextFetch.After(time.Now().Add(50*time.Minute)) {
				t.Errorf("source %d state %+v, %v: want its URL and not due for an hour", s, state, err)
			}
		}
		if total != n {
			t.Errorf("store holds %d items, want %d", total, n)
		}
	}
}
