package publish

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/store"
)

func wireItem(id string, day int) item.Item {
	it := article(id, "Wire "+id, day, "middle-east")
	it.ID, it.URL = id, "https://wire.example/"+id
	it.Origin = &item.Origin{SourceID: "wire", FeedURL: "https://wire.example/feed"}
	return it
}

func idsOf(items []item.Item) string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return strings.Join(out, ",")
}

func TestUnion(t *testing.T) {
	edited := wireItem("b", 2)
	edited.Title = "Wire b, edited"
	tests := []struct {
		name         string
		stored, held []item.Item
		limit        int
		want         string
	}{
		{"store lost everything", nil, []item.Item{wireItem("a", 1), wireItem("b", 2)}, 0, "b,a"},
		{"store holds more", []item.Item{wireItem("a", 1), wireItem("b", 2), wireItem("c", 3)}, []item.Item{wireItem("a", 1)}, 0, "c,b,a"},
		{"each lacks one", []item.Item{wireItem("c", 3)}, []item.Item{wireItem("a", 1)}, 0, "c,a"},
		{"limit keeps the newest", []item.Item{wireItem("c", 3)}, []item.Item{wireItem("a", 1), wireItem("b", 2)}, 2, "c,b"},
		{"nothing anywhere", nil, nil, 5, ""},
		{"every item replaced", []item.Item{wireItem("c", 3), wireItem("d", 4)}, []item.Item{wireItem("a", 1), wireItem("b", 2)}, 2, "d,c"},
		{"store over the limit", []item.Item{wireItem("a", 1), wireItem("b", 2), wireItem("c", 3)}, nil, 2, "c,b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := union(tt.stored, tt.held, tt.limit)
			if ids := idsOf(got); ids != tt.want {
				t.Errorf("union = %s, want %s", ids, tt.want)
			}
			// The Publisher holds what union returns: no room for items
			// it left out.
			if cap(got) != len(got) {
				t.Errorf("union returned %d items with room for %d", len(got), cap(got))
			}
		})
	}
	t.Run("stored edit wins", func(t *testing.T) {
		got := union([]item.Item{edited}, []item.Item{wireItem("b", 2)}, 0)
		if len(got) != 1 || got[0].Title != "Wire b, edited" {
			t.Errorf("union kept %+v, want the stored edit", got)
		}
	})
}

// A store that comes back with less than an instance publishes (a Redis
// restarted empty) is re-seeded from what the instance publishes, and the
// sections keep every item; a store that holds more wins.
func TestReloadSourceReseedsStore(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		published  []item.Item // what the instance published before
		stored     []item.Item // what the store holds at reload
		limit      int
		wantStored string
		wantFeed   []string
	}{
		{"store came back empty", []item.Item{wireItem("a", 1), wireItem("b", 2)}, nil, 0, "b,a", []string{"Wire a", "Wire b"}},
		{"store lost the oldest", []item.Item{wireItem("a", 1), wireItem("b", 2)}, []item.Item{wireItem("b", 2)}, 0, "b,a", []string{"Wire a", "Wire b"}},
		{"store holds more", []item.Item{wireItem("a", 1)}, []item.Item{wireItem("a", 1), wireItem("c", 3)}, 0, "a,c", []string{"Wire a", "Wire c"}},
		{"re-seed is cut to the limit", []item.Item{wireItem("a", 1), wireItem("b", 2)}, []item.Item{wireItem("c", 3)}, 2, "c,b", []string{"Wire b", "Wire c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := store.NewMemory()
			p := New(Options{Site: testSite, Sections: testSections, Store: st, StoreTimeout: testStoreTimeout, Sources: []string{"wire"}})
			if err := p.Publish(ctx, nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := p.PublishSource(ctx, "wire", tt.published); err != nil {
				t.Fatal(err)
			}
			if err := st.ReplaceItems(ctx, "wire", tt.stored); err != nil {
				t.Fatal(err)
			}
			if err := p.ReloadSource(ctx, "wire", tt.limit); err != nil {
				t.Fatal(err)
			}
			held, _ := st.Items(ctx, "wire")
			item.SortNewest(held)
			got := idsOf(held)
			if want := idsInOrder(tt.wantStored); got != want {
				t.Errorf("store holds %s after reload, want %s", got, want)
			}
			feed := string(p.Documents()["/middle-east/atom.xml"].Body)
			for _, title := range tt.wantFeed {
				if !strings.Contains(feed, title) {
					t.Errorf("%q missing from the section after reload", title)
				}
			}
		})
	}
}

// idsInOrder is want sorted as SortNewest sorts wireItem ids (a later
// letter is a later day).
func idsInOrder(want string) string {
	if want == "" {
		return ""
	}
	ids := strings.Split(want, ",")
	slices.Sort(ids)
	slices.Reverse(ids)
	return strings.Join(ids, ",")
}

// While the store cannot be read, a reload changes nothing published and
// says why, naming the source.
func TestReloadSourceStoreDown(t *testing.T) {
	dead, err := store.Open(config.Store{RedisURL: "redis://127.0.0.1:1/0", Prefix: "syndicate:", Timeout: config.Duration{Duration: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	var failed []string
	p := New(Options{Site: testSite, Sections: testSections, Store: dead, Sources: []string{"wire"}, StoreTimeout: 200 * time.Millisecond,
		OnStoreError: func(op string) { failed = append(failed, op) }})
	ctx := context.Background()
	p.Publish(ctx, nil, nil)
	p.PublishSource(ctx, "wire", []item.Item{wireItem("a", 1)})
	before := p.Documents()["/middle-east/atom.xml"].ETag
	failed = nil

	err = p.ReloadSource(ctx, "wire", 0)
	if err == nil || !strings.Contains(err.Error(), "publish: load items of wire") {
		t.Errorf("ReloadSource on a dead store = %v, want an error naming the source", err)
	}
	if !slices.Contains(failed, "items") {
		t.Errorf("store errors reported %v, want items", failed)
	}
	if got := p.Documents()["/middle-east/atom.xml"].ETag; got != before {
		t.Error("a failed reload changed the published section")
	}
}

// Reloading many changed sources at once renders each section they
// touch once, not once per source, and shows every source's items.
func TestReloadSourcesRendersOnce(t *testing.T) {
	st := store.NewMemory()
	ids := []string{"w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7"}
	p := New(Options{Site: testSite, Sections: testSections, Store: st, Sources: ids, StoreTimeout: testStoreTimeout})
	ctx := context.Background()
	if err := p.Publish(ctx, []item.Item{article("a", "Site story", 1, "asia")}, nil); err != nil {
		t.Fatal(err)
	}
	before := p.Stats()
	limits := map[string]int{}
	for i, id := range ids {
		it := wireItem(id+"-1", 2+i)
		it.Origin = &item.Origin{SourceID: id, FeedURL: "https://" + id + ".example/feed"}
		if err := st.ReplaceItems(ctx, id, []item.Item{it}); err != nil {
			t.Fatal(err)
		}
		limits[id] = 20
	}
	if err := p.ReloadSources(ctx, limits); err != nil {
		t.Fatal(err)
	}
	after := p.Stats()
	for _, slug := range []string{"latest", "middle-east"} {
		if n := after[slug].Renders - before[slug].Renders; n != 1 {
			t.Errorf("%s rendered %d times for %d changed sources, want 1", slug, n, len(ids))
		}
		if got := after[slug].Items; got < len(ids) {
			t.Errorf("%s shows %d items, want every source's", slug, got)
		}
	}
	if n := after["asia"].Renders - before["asia"].Renders; n != 0 {
		t.Errorf("asia, untouched, rendered %d times", n)
	}
}
