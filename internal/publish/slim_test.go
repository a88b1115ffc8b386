package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"syndicate/internal/item"
	"syndicate/internal/store"
)

// Two slim items are equal exactly when the whole items are: the digest
// stands for the text it replaces.
func TestSlimEqual(t *testing.T) {
	base := wireItem("a", 3)
	for _, tc := range []struct {
		name string
		edit func(*item.Item)
		same bool
	}{
		{"unchanged", func(*item.Item) {}, true},
		{"content", func(it *item.Item) { it.ContentHTML += "<p>more</p>" }, false},
		{"summary", func(it *item.Item) { it.Summary = "Another standfirst" }, false},
		{"text moved between content and summary", func(it *item.Item) { it.Summary, it.ContentHTML = it.ContentHTML, it.Summary }, false},
		{"title", func(it *item.Item) { it.Title = "Retitled" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := base
			tc.edit(&other)
			a, b := item.Slim(&base), item.Slim(&other)
			if !item.IsSlim(&a) || item.IsSlim(&base) {
				t.Fatal("slim items are not told from whole ones")
			}
			if got := item.Equal(&a, &b); got != tc.same || got != item.Equal(&base, &other) {
				t.Errorf("slim Equal %v, whole Equal %v, want %v", got, item.Equal(&base, &other), tc.same)
			}
		})
	}
}

// A source reloaded from the store is held slim, whole only where a
// current document shows it; every document, current or archived, shows
// every item's text all the same; and an edit to an archived item's text
// makes its month stale and shows in it.
func TestArchivesServedFromStore(t *testing.T) {
	s := newArchiveSite()
	for i := range s.wire {
		s.wire[i].ContentHTML = fmt.Sprintf("<p>Body of wire story %d</p>", i)
	}
	st := store.NewMemory()
	ctx := context.Background()
	if err := st.ReplaceItems(ctx, "wire", s.wire); err != nil {
		t.Fatal(err)
	}
	p := New(Options{Site: testSite, Sections: archiveConfig, TopicLimit: archiveTopicLimit, Sources: []string{"wire"}, Store: st, StoreTimeout: testStoreTimeout})
	var stale []string
	p.OnStale(func(paths []string) { stale = append(stale, paths...) })
	if err := p.ReloadSource(ctx, "wire", 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(ctx, s.articles, nil); err != nil {
		t.Fatal(err)
	}
	for _, it := range p.external["wire"] {
		if !item.IsSlim(&it) {
			t.Fatalf("item %s held whole", it.ID)
		}
	}
	current := 0
	for _, f := range p.index.Sections {
		for _, it := range f.Current() {
			if it.Origin != nil {
				current++
			}
		}
	}
	if len(p.full) > current || len(p.full) == 0 {
		t.Errorf("%d whole items held, want no more than the %d current ones", len(p.full), current)
	}

	shows := func(path, text string) bool {
		t.Helper()
		doc, ok := p.Documents()[path]
		if !ok {
			if doc, ok = p.Render(path); !ok {
				t.Fatalf("%s not served", path)
			}
		}
		if strings.Contains(string(doc.Body), `\u0000`) || strings.Contains(string(doc.Body), "\x00") {
			t.Fatalf("%s shows a slim item's digest", path)
		}
		return strings.Contains(string(doc.Body), text)
	}
	var months []string
	for path := range p.OnDemand() {
		if strings.HasPrefix(path, "/asia/archive/") && strings.HasSuffix(path, "/feed.json") {
			months = append(months, path)
		}
	}
	if len(months) < 2 {
		t.Fatalf("asia archives %d months, want several", len(months))
	}
	for i := range s.wire {
		text := fmt.Sprintf("Body of wire story %d<", i)
		found := shows("/asia/feed.json", text)
		for _, m := range months {
			found = found || shows(m, text)
		}
		if !found {
			t.Errorf("wire story %d's text is in no asia document", i)
		}
	}

	// Edit the oldest story's text in the store: archived, so held slim.
	old := len(s.wire) - 1
	s.wire[old].ContentHTML = "<p>Corrected body</p>"
	st.ReplaceItems(ctx, "wire", s.wire)
	stale = nil
	if err := p.ReloadSource(ctx, "wire", 0); err != nil {
		t.Fatal(err)
	}
	month := "/asia/archive/" + s.wire[old].Published.Format("2006-01") + "/feed.json"
	if !slices.Contains(stale, month) {
		t.Errorf("stale after the edit: %v, want %s", stale, month)
	}
	if !shows(month, "Corrected body") {
		t.Errorf("%s does not show the edited text", month)
	}
}

// failingItems is a store whose ItemsByID fails while fail is set.
type failingItems struct {
	store.Store
	fail bool
}

func (f *failingItems) ItemsByID(ctx context.Context, source string, ids []string) ([]item.Item, error) {
	if f.fail {
		return nil, errors.New("store: redis: items of " + source + ": i/o timeout")
	}
	return f.Store.ItemsByID(ctx, source, ids)
}

// An archive month whose items' text the store cannot give back is not
// rendered (so not kept without it), and is once the store answers.
func TestArchiveMonthNeedsTheStore(t *testing.T) {
	s := newArchiveSite()
	st := &failingItems{Store: store.NewMemory()}
	ctx := context.Background()
	st.ReplaceItems(ctx, "wire", s.wire)
	p := New(Options{Site: testSite, Sections: archiveConfig, TopicLimit: archiveTopicLimit, Sources: []string{"wire"}, Store: st, StoreTimeout: testStoreTimeout, Logger: slog.New(slog.DiscardHandler)})
	if err := p.ReloadSource(ctx, "wire", 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	month := "/asia/archive/" + s.wire[len(s.wire)-1].Published.Format("2006-01") + "/feed.json"
	st.fail = true
	if _, ok := p.Render(month); ok {
		t.Errorf("%s rendered while the store fails", month)
	}
	st.fail = false
	doc, ok := p.Render(month)
	if !ok || !strings.Contains(string(doc.Body), s.wire[len(s.wire)-1].Title) {
		t.Errorf("%s not rendered with its items once the store answers", month)
	}
}
