package publish

import (
	"context"
	"strings"
	"testing"

	"syndicate/internal/item"
	"syndicate/internal/store"
)

// cmsItem is an item of the first-party source "cms".
func cmsItem(id, title string, day int, tags ...string) item.Item {
	it := article(id, title, day, "asia")
	it.ID, it.URL = "https://cms.example/?p="+id, "https://cms.example/"+id+"/"
	it.Tags = tags
	it.Authors = []item.Person{{Name: "Ji-woo Park"}}
	it.Origin = &item.Origin{SourceID: "cms", FeedURL: "https://cms.example/feed/", FirstParty: true}
	return it
}

// TestFirstPartyTopics: a first-party source's tags and authors make feeds
// beside the Markdown articles', change with the source, and a story both
// publish under one link is the Markdown article's alone.
func TestFirstPartyTopics(t *testing.T) {
	ctx := context.Background()
	p := New(Options{Site: testSite, Sections: testSections, Store: store.NewMemory(), StoreTimeout: testStoreTimeout, Sources: []string{"cms", "wire"}})
	md := article("seoul", "Seoul hedges", 3, "asia")
	md.Tags = []string{"Korea"}
	if err := p.Publish(ctx, []item.Item{md}, nil); err != nil {
		t.Fatal(err)
	}
	copyOfMD := cmsItem("9", "Seoul hedges (CMS copy)", 3, "Korea", "Duplicates")
	copyOfMD.URL = md.URL
	wire := wireItem("w1", 4)
	wire.Tags, wire.Authors = []string{"Wire Tag"}, []item.Person{{Name: "Wire Writer"}}
	if err := p.PublishSource(ctx, "cms", []item.Item{cmsItem("1", "Chips and alliances", 2, "Korea", "Semiconductors"), copyOfMD}); err != nil {
		t.Fatal(err)
	}
	if err := p.PublishSource(ctx, "wire", []item.Item{wire}); err != nil {
		t.Fatal(err)
	}

	render := func(path string) string {
		t.Helper()
		doc, ok := p.Render(path)
		if !ok {
			return ""
		}
		return string(doc.Body)
	}
	korea := render("/tag/korea/atom.xml")
	for _, want := range []string{"Seoul hedges", "Chips and alliances"} {
		if !strings.Contains(korea, want) {
			t.Errorf("/tag/korea/ lacks %q", want)
		}
	}
	if strings.Contains(korea, "CMS copy") || render("/tag/duplicates/atom.xml") != "" {
		t.Error("the CMS's copy of a Markdown article made topics of its own")
	}
	if !strings.Contains(render("/author/ji-woo-park/atom.xml"), "Chips and alliances") {
		t.Error("a first-party author has no feed")
	}
	if render("/tag/wire-tag/atom.xml") != "" || render("/author/wire-writer/atom.xml") != "" {
		t.Error("an aggregated item made topics")
	}
	if latest := string(p.Documents()["/latest/atom.xml"].Body); strings.Contains(latest, "CMS copy") || !strings.Contains(latest, "Seoul hedges") {
		t.Error("latest does not carry the shared story once, as the Markdown article")
	}

	// The CMS retags its item: the topics follow.
	if err := p.PublishSource(ctx, "cms", []item.Item{cmsItem("1", "Chips and alliances", 2, "Taiwan")}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(render("/tag/korea/atom.xml"), "Chips and alliances") || !strings.Contains(render("/tag/taiwan/atom.xml"), "Chips and alliances") {
		t.Error("a first-party source's change left its topics as they were")
	}
}

// TestReloadSourceLeavesGoneOut: an item taken down is published by no
// reload, whoever still holds it, and the store is not re-seeded with it.
func TestReloadSourceLeavesGoneOut(t *testing.T) {
	one, two, three := cmsItem("1", "Kept story", 1), cmsItem("2", "Deleted story", 2), cmsItem("3", "Another kept story", 3)
	tests := []struct {
		name              string
		published, stored []item.Item
		wantStored        string // ids, newest first
	}{
		// Published before it was deleted; the poller has since dropped it.
		{"held here only", []item.Item{one, two}, []item.Item{one}, one.ID},
		// The store lacks an item published here, so it is re-seeded;
		// another instance, still holding the deleted item, wrote it back.
		{"written back by another instance", []item.Item{one, three}, []item.Item{two, three}, three.ID + "," + one.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := store.NewMemory()
			p := New(Options{Site: testSite, Sections: testSections, Store: st, StoreTimeout: testStoreTimeout, Sources: []string{"cms"},
				Gone: func(source string, it *item.Item) bool { return source == "cms" && it.ID == two.ID }})
			p.Publish(ctx, nil, nil)
			p.PublishSource(ctx, "cms", tt.published)
			st.ReplaceItems(ctx, "cms", tt.stored)
			if err := p.ReloadSource(ctx, "cms", 0); err != nil {
				t.Fatal(err)
			}
			if latest := string(p.Documents()["/latest/atom.xml"].Body); strings.Contains(latest, "Deleted story") || !strings.Contains(latest, "Kept story") {
				t.Errorf("latest after reload:\n%s", latest)
			}
			held, _ := st.Items(ctx, "cms")
			item.SortNewest(held)
			if got := idsOf(held); got != tt.wantStored {
				t.Errorf("store holds %s, want %s", got, tt.wantStored)
			}
		})
	}
}
