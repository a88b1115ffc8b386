package publish

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syndicate/internal/document"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/redistest"
	"syndicate/internal/render"
	"syndicate/internal/store"
)

var testSite = render.Site{
	Title: "Test Review", BaseURL: "https://news.example", Language: "en",
	TTL: 5 * time.Minute, TagAuthority: "news.example", TagDate: "2026-01-01",
}

// testStoreTimeout is what app passes: config's store.timeout.
var testStoreTimeout = config.Defaults().Store.Timeout.Duration

var testSections = []config.Section{
	{Slug: "latest", Title: "Latest", Limit: 50},
	{Slug: "asia", Title: "Asia", Limit: 50},
	{Slug: "middle-east", Title: "Middle East", Limit: 50},
}

func article(id, title string, day int, sections ...string) item.Item {
	t := time.Date(2026, 10, day, 8, 0, 0, 0, time.UTC)
	return item.Item{
		ID: "tag:news.example,2026-01-01:article/" + id, URL: "https://news.example/articles/" + id + "/",
		Title: title, Summary: "About " + title, ContentHTML: "<p>" + title + "</p>",
		Authors: []item.Person{{Name: "A. Writer"}}, Sections: sections, Published: t, Updated: t,
	}
}

func TestPublishRendersOnlyTouchedSections(t *testing.T) {
	st := store.NewMemory()
	p := New(Options{Site: testSite, Sections: testSections, Store: st, StoreTimeout: testStoreTimeout})
	var published int
	p.OnPublish(func(map[string]document.Document) { published++ })

	items := []item.Item{
		article("one", "One", 1, "asia"),
		article("two", "Two", 2, "middle-east"),
	}
	ctx := context.Background()
	if err := p.Publish(ctx, items, nil); err != nil {
		t.Fatal(err)
	}
	var stale []string
	p.OnStale(func(paths []string) { stale = append(stale, paths...) })
	var told []string
	p.OnStale(func([]string) { told = append(told, "stale") })
	p.OnPublish(func(map[string]document.Document) { told = append(told, "publish") })
	docs := p.Documents()
	for _, path := range []string{"/", "/opml.xml", "/static/style.css", "/latest/atom.xml", "/asia/rss.xml", "/asia/feed.json", "/middle-east/", "/articles/one/", "/articles/two/"} {
		if _, ok := served(p, path); !ok {
			t.Errorf("first publish lacks %s", path)
		}
	}
	if _, ok := docs["/articles/one/"]; ok {
		t.Error("article page rendered ahead; it is rendered on demand")
	}
	if _, err := st.Document(ctx, "asia", render.FormatAtom); err != nil {
		t.Errorf("feed not written to the store: %v", err)
	}
	meBefore := docs["/middle-east/atom.xml"].ETag

	edited := append([]item.Item{}, items...)
	edited[0].Title = "One, revised"
	edited[0].Updated = edited[0].Updated.Add(time.Hour)
	if err := p.Publish(ctx, edited, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(told, []string{"stale", "publish"}) {
		t.Errorf("listeners told %v, want the stale ones first: a request between the two would see the new feed and an archive kept from before", told)
	}
	stats := p.Stats()
	if stats["asia"].Renders != 2 || stats["latest"].Renders != 2 {
		t.Errorf("touched sections not rendered again: %+v", stats)
	}
	if stats["middle-east"].Renders != 1 {
		t.Errorf("untouched middle-east rendered %d times, want 1", stats["middle-east"].Renders)
	}
	docs = p.Documents()
	if got := docs["/middle-east/atom.xml"].ETag; got != meBefore {
		t.Error("untouched section's document changed")
	}
	if !strings.Contains(string(docs["/asia/atom.xml"].Body), "One, revised") {
		t.Error("edit not in the asia feed")
	}
	if page, _ := served(p, "/articles/one/"); !strings.Contains(string(page.Body), "One, revised") {
		t.Error("edit not on the article page")
	}
	if !slices.Contains(stale, "/articles/one/") || slices.Contains(stale, "/articles/two/") {
		t.Errorf("stale after editing one article: %v, want /articles/one/ and not /articles/two/", stale)
	}

	if err := p.Publish(ctx, edited, nil); err != nil {
		t.Fatal(err)
	}
	if published != 2 {
		t.Errorf("publishing unchanged items notified %d times in all, want 2", published)
	}

	if err := p.Publish(ctx, edited[1:], nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := served(p, "/articles/one/"); ok {
		t.Error("removed article's page still published")
	}
	if !slices.Contains(stale, "/articles/one/") {
		t.Error("removed article's page not named stale")
	}
	if strings.Contains(string(p.Documents()["/asia/rss.xml"].Body), "One, revised") {
		t.Error("removed article still in the asia feed")
	}
}

// Items that went through Redis come back with times in another location
// and without their monotonic reading: that is not a change, and nothing
// is rendered again for it.
func TestPublishIgnoresStoreRoundTrip(t *testing.T) {
	st, err := store.Open(config.Store{RedisURL: redistest.Start(t), Prefix: redistest.Prefix(t), Timeout: config.Duration{Duration: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := New(Options{Site: testSite, Sections: testSections, Sources: []string{"wire"}, StoreTimeout: testStoreTimeout})
	var published int
	p.OnPublish(func(map[string]document.Document) { published++ })
	ctx := context.Background()
	wire := article("w1", "Wire one", 3, "asia")
	wire.ID, wire.Origin = "w1", &item.Origin{SourceID: "wire", FeedURL: "https://wire.example/feed"}
	wire.Published = time.Now().In(time.FixedZone("ICT", 7*3600))
	wire.Updated = wire.Published
	if err := p.Publish(ctx, []item.Item{article("one", "One", 1, "asia")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.PublishSource(ctx, "wire", []item.Item{wire}); err != nil {
		t.Fatal(err)
	}
	before := p.Stats()["asia"].Renders

	if err := st.ReplaceItems(ctx, "wire", []item.Item{wire}); err != nil {
		t.Fatal(err)
	}
	stored, err := st.Items(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.PublishSource(ctx, "wire", stored); err != nil {
		t.Fatal(err)
	}
	if got := p.Stats()["asia"].Renders; got != before || published != 2 {
		t.Errorf("round-tripped items rendered asia again (%d renders, want %d) and published %d times, want 2", got, before, published)
	}
}

// A store that cannot be reached (a real Redis client aimed at a closed
// port) must not stop publishing: documents are served from memory.
func TestPublishSurvivesStoreFailure(t *testing.T) {
	dead, err := store.Open(config.Store{RedisURL: "redis://127.0.0.1:1/0", Prefix: "syndicate:", Timeout: config.Duration{Duration: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	p := New(Options{Site: testSite, Sections: testSections, Store: dead, StoreTimeout: 200 * time.Millisecond})
	if err := p.Publish(context.Background(), []item.Item{article("one", "One", 1, "asia")}, nil); err != nil {
		t.Fatalf("a store failure stopped publishing: %v", err)
	}
	if _, ok := p.Documents()["/asia/rss.xml"]; !ok {
		t.Error("documents not served after a store failure")
	}
}

func TestPublishSourceMergesExternalItems(t *testing.T) {
	p := New(Options{Site: testSite, Sections: testSections, Store: store.NewMemory(), StoreTimeout: testStoreTimeout, Sources: []string{"wire", "partner"}})
	ctx := context.Background()
	external := func(source, id, link string, day int, sections ...string) item.Item {
		it := article(id, source+" "+id, day, sections...)
		it.ID, it.URL = id, link
		it.Origin = &item.Origin{SourceID: source, Title: source, FeedURL: "https://" + source + ".example/feed"}
		return it
	}
	// Recorded before the first Publish, shown from it on.
	p.PublishSource(ctx, "partner", []item.Item{external("partner", "p1", "https://news.example/shared-story?utm_source=x", 5, "middle-east")})
	if err := p.Publish(ctx, []item.Item{article("own", "Own", 1, "asia")}, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(p.Documents()["/middle-east/atom.xml"].Body), "partner p1") {
		t.Fatal("partner item missing from middle-east")
	}
	before := p.Stats()

	// wire is listed first, so its copy of the shared story wins.
	if err := p.PublishSource(ctx, "wire", []item.Item{external("wire", "w1", "https://news.example/shared-story", 4, "middle-east")}); err != nil {
		t.Fatal(err)
	}
	me := string(p.Documents()["/middle-east/atom.xml"].Body)
	if !strings.Contains(me, "wire w1") || strings.Contains(me, "partner p1") {
		t.Errorf("dedup by canonical link did not keep the first source's copy")
	}
	after := p.Stats()
	if after["asia"].Renders != before["asia"].Renders {
		t.Error("asia rendered again for a change that only touched middle-east")
	}
	if after["middle-east"].Renders != before["middle-east"].Renders+1 || after["latest"].Renders != before["latest"].Renders+1 {
		t.Errorf("middle-east and latest not rendered again: %+v", after)
	}
	if _, ok := served(p, "/articles/w1/"); ok {
		t.Error("an aggregated item got an article page of its own")
	}
}

func TestLoadMedia(t *testing.T) {
	media, err := LoadMedia("../../feeds/media")
	if err != nil {
		t.Fatal(err)
	}
	if len(media) == 0 {
		t.Fatal("no media loaded from the sample publication")
	}
	for path, doc := range media {
		if !strings.HasPrefix(path, "/media/") || doc.ETag == "" || doc.Gzip != nil {
			t.Errorf("%s: %+v", path, doc.ContentType)
		}
	}
	if m, err := LoadMedia(t.TempDir() + "/none"); err != nil || m != nil {
		t.Errorf("missing dir: %v %v", m, err)
	}

	// Only images, audio and video are served, never hidden files.
	dir := t.TempDir()
	for _, name := range []string{"photo.JPG", "talk.mp3", "clip.mp4", "notes.md", "page.html", "logo.svg", ".env", ".hidden.png", "config.toml"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	media, err = LoadMedia(dir)
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]string{}
	for path, doc := range media {
		served[path] = doc.ContentType
	}
	want := map[string]string{"/media/photo.JPG": "image/jpeg", "/media/talk.mp3": "audio/mpeg", "/media/clip.mp4": "video/mp4"}
	if !maps.Equal(served, want) {
		t.Errorf("served %v, want %v", served, want)
	}
}

// served is the document at path as the server finds it: rendered ahead,
// else on demand.
func served(p *Publisher, path string) (document.Document, bool) {
	if doc, ok := p.Documents()[path]; ok {
		return doc, true
	}
	return p.Render(path)
}
