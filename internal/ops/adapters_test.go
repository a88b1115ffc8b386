package ops_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/ops"
	"syndicate/internal/publish"
	"syndicate/internal/render"
	"syndicate/internal/store"
)

func TestPublisherSections(t *testing.T) {
	secs := []config.Section{{Slug: "latest", Title: "Latest", Limit: 50}, {Slug: "asia", Title: "Asia", Limit: 50}, {Slug: "africa", Title: "Africa", Limit: 50}}
	p := publish.New(publish.Options{
		Site:     render.Site{Title: "The Dispatch", BaseURL: "https://dispatch.example", Language: "en", TagAuthority: "dispatch.example", TagDate: "2026-01-01"},
		Sections: secs, Store: store.NewMemory(), StoreTimeout: config.Defaults().Store.Timeout.Duration,
		Logger: slog.New(slog.DiscardHandler),
	})
	info := ops.PublisherSections(p, secs)
	if got := info(); len(got) != 3 || got[0].Items != 0 || !got[0].RenderedAt.IsZero() || len(got[0].Formats) != 0 {
		t.Fatalf("before the first publish: %+v", got)
	}
	published := time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC)
	items := []item.Item{{
		ID: "tag:dispatch.example,2026-01-01:article/jakarta-nickel", URL: "https://dispatch.example/articles/jakarta-nickel/",
		Title: "Jakarta bets on nickel", Sections: []string{"asia"}, Published: published, Updated: published,
	}}
	if err := p.Publish(context.Background(), items, nil); err != nil {
		t.Fatal(err)
	}
	got := info()
	if len(got) != 3 {
		t.Fatalf("%d sections, want 3", len(got))
	}
	asia := got[1]
	if asia.Slug != "asia" || asia.Title != "Asia" || asia.Items != 1 || !asia.Newest.Equal(published) || asia.RenderedAt.IsZero() {
		t.Errorf("asia: %+v", asia)
	}
	docs := p.Documents()
	for _, format := range render.FeedFormats {
		f, ok := asia.Formats[format]
		d := docs["/asia/"+format]
		if !ok || f.Bytes != len(d.Body) || f.GzipBytes != len(d.Gzip) || f.ETag != d.ETag || f.Bytes == 0 {
			t.Errorf("asia %s: %+v, want the served document's sizes and ETag", format, f)
		}
	}
	if got[2].Items != 0 || len(got[2].Formats) != 3 {
		t.Errorf("an empty section still has its feeds: %+v", got[2])
	}
}

func TestStoreStates(t *testing.T) {
	mem := store.NewMemory()
	ctx := context.Background()
	st := okState(wire)
	st.ID = "" // written by an older version that did not record it
	if err := mem.PutSourceState(ctx, wire.ID, st); err != nil {
		t.Fatal(err)
	}
	states, err := ops.StoreStates(mem, []config.Source{wire, partner})(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 || states[0].ID != wire.ID || states[0].Items != 42 {
		t.Errorf("states %+v, want only wire's, with its id", states)
	}
}
