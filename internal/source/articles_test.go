package source

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// articlesSource is a first-party source on url, configured as an
// operator would write it, with extra keys in its table.
func articlesSource(t *testing.T, url, extra string) config.Source {
	t.Helper()
	cfg, err := config.Parse("c.toml", []byte(fmt.Sprintf(`
[site]
base_url = "https://review.example"
[[section]]
slug = "middle-east"
title = "Middle East"
[[section]]
slug = "asia"
title = "Asia"
[[section]]
slug = "world"
title = "World"
[[source]]
id = "cms"
kind = "articles"
url = %q
%s`, url, extra)))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Sources[0]
}

// cmsAtom is an Atom feed of a CMS with two posts, and the tombstones given.
func cmsAtom(updated, tombstones string, entries ...string) string {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">
<title>The Review</title><id>tag:cms.example,2026:feed</id><updated>` + updated + `</updated>` + tombstones
	for _, e := range entries {
		doc += e
	}
	return doc + `</feed>`
}

func cmsEntry(n int, updated, category, content string) string {
	return fmt.Sprintf(`<entry><id>tag:cms.example,2026:post-%[1]d</id><title>Post %[1]d</title>
<link href="https://cms.example/posts/%[1]d/"/><author><name>Leila Haddad</name></author>
<published>2026-10-0%[1]dT08:00:00Z</published><updated>%[2]s</updated>
<category term="%[3]s"/><content type="html">%[4]s</content></entry>`, n, updated, category, content)
}

// TestFirstPartyPoll: routes, tags, attribution marked first-party, the
// first picture of the content as the image, and a deleted entry gone.
func TestFirstPartyPoll(t *testing.T) {
	h := newHarness(t)
	feed := cmsAtom("2026-10-05T00:00:00Z", "",
		cmsEntry(1, "2026-10-01T08:00:00Z", "Middle East", `&lt;p&gt;One.&lt;/p&gt;`),
		cmsEntry(2, "2026-10-02T08:00:00Z", "Shipping", `&lt;figure&gt;&lt;img src="/img/2.jpg"&gt;&lt;figcaption&gt;Port of  Aden.&lt;/figcaption&gt;&lt;/figure&gt;`))
	h.srv.serve("/feed", "application/atom+xml", []byte(feed))
	src := articlesSource(t, h.srv.URL+"/feed", "default_sections = [\"world\"]\n[source.route]\n\"middle east\" = \"middle-east\"\n")
	h.start(fastFetch(), src)
	h.mustPoll("cms")

	got := h.items("cms")
	if len(got) != 2 {
		t.Fatalf("items: %s", asJSON(got))
	}
	two, one := got[0], got[1]
	if !slices.Equal(one.Sections, []string{"middle-east"}) || len(one.Tags) != 0 || !slices.Equal(one.Categories, []string{"Middle East"}) {
		t.Errorf("post 1 filed in %q tagged %q from %q", one.Sections, one.Tags, one.Categories)
	}
	if !slices.Equal(two.Sections, []string{"world"}) || !slices.Equal(two.Tags, []string{"Shipping"}) {
		t.Errorf("post 2 filed in %q tagged %q, want world and Shipping", two.Sections, two.Tags)
	}
	if want := (&item.Image{URL: "https://cms.example/img/2.jpg", Caption: "Port of Aden."}); two.Image == nil || *two.Image != *want {
		t.Errorf("post 2 image = %+v, want %+v", two.Image, want)
	}
	if one.Origin == nil || !one.Origin.FirstParty || one.Aggregated() {
		t.Errorf("origin = %+v, want a first-party one", one.Origin)
	}

	// The CMS deletes post 2, and says so.
	h.srv.serve("/feed", "application/atom+xml", []byte(cmsAtom("2026-10-06T00:00:00Z",
		`<at:deleted-entry ref="tag:cms.example,2026:post-2" when="2026-10-06T00:00:00Z"/>`,
		cmsEntry(1, "2026-10-01T08:00:00Z", "Middle East", `&lt;p&gt;One.&lt;/p&gt;`))))
	h.clock.Advance(time.Hour)
	h.mustPoll("cms")
	if got := ids(h.items("cms")); !slices.Equal(got, []string{"tag:cms.example,2026:post-1"}) {
		t.Errorf("after the tombstone the store holds %q", got)
	}
	if d := h.state("cms").Deleted; !slices.Equal(d, []string{"tag:cms.example,2026:post-2"}) {
		t.Errorf("state remembers %q as deleted", d)
	}
}

// TestFirstPartyEdit: an edit the feed does not date is dated when seen,
// once; an edit the feed dates keeps the feed's date.
func TestFirstPartyEdit(t *testing.T) {
	h := newHarness(t)
	rss := func(body string) []byte {
		return []byte(`<rss version="2.0"><channel><title>Review</title><item><guid isPermaLink="false">https://cms.example/?p=1</guid>
<title>Talks resume</title><link>https://cms.example/talks/</link><pubDate>Mon, 05 Oct 2026 08:00:00 +0000</pubDate>
<description>` + body + `</description></item></channel></rss>`)
	}
	h.srv.serve("/feed", "application/rss+xml", rss("First draft."))
	h.start(fastFetch(), articlesSource(t, h.srv.URL+"/feed", ""))
	h.mustPoll("cms")
	published := date("2026-10-05T08:00:00Z")
	if it := h.items("cms")[0]; !it.Updated.Equal(published) {
		t.Fatalf("new item updated %v, want its pubDate", it.Updated)
	}

	h.srv.serve("/feed", "application/rss+xml", rss("Second draft, with the minister's reply."))
	h.clock.Advance(time.Hour)
	edited := h.clock.Now()
	h.mustPoll("cms")
	it := h.items("cms")[0]
	if !it.Updated.Equal(edited) || !it.Published.Equal(published) || it.Summary != "Second draft, with the minister's reply." {
		t.Errorf("edited item: published %v updated %v %q; want updated %v", it.Published, it.Updated, it.Summary, edited)
	}

	// The same body again (a new lastBuildDate, say) is no edit.
	h.srv.serve("/feed", "application/rss+xml", append(rss("Second draft, with the minister's reply."), ' '))
	h.clock.Advance(time.Hour)
	h.mustPoll("cms")
	if it := h.items("cms")[0]; !it.Updated.Equal(edited) {
		t.Errorf("unchanged item re-dated %v, want %v", it.Updated, edited)
	}
}

// TestFirstPartyReroute: a changed route applies to the items stored
// before, those that left the feed included.
func TestFirstPartyReroute(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/feed", "application/atom+xml", []byte(cmsAtom("2026-10-05T00:00:00Z", "",
		cmsEntry(1, "2026-10-01T08:00:00Z", "Korea", `x`))))
	url := h.srv.URL + "/feed"
	h.start(fastFetch(), articlesSource(t, url, ""))
	h.mustPoll("cms")
	if it := h.items("cms")[0]; len(it.Sections) != 0 || !slices.Equal(it.Tags, []string{"Korea"}) {
		t.Fatalf("unrouted item filed in %q tagged %q", it.Sections, it.Tags)
	}
	// The item leaves the feed; then the operator routes its category.
	h.srv.serve("/feed", "application/atom+xml", []byte(cmsAtom("2026-10-06T00:00:00Z", "")))
	h.clock.Advance(time.Hour)
	h.mustPoll("cms")
	h.start(fastFetch(), articlesSource(t, url, "[source.route]\nKOREA = \"asia\"\n"))
	h.clock.Advance(time.Hour)
	h.mustPoll("cms")
	if it := h.items("cms")[0]; !slices.Equal(it.Sections, []string{"asia"}) || len(it.Tags) != 0 {
		t.Errorf("after the route the item is filed in %q tagged %q, want asia", it.Sections, it.Tags)
	}
}

// TestDiscovery: a url answering with a page is followed to the feed it
// advertises (Atom before RSS), polled there from then on, and asked again
// when that feed is gone.
func TestDiscovery(t *testing.T) {
	h := newHarness(t)
	h.srv.serve("/", "text/html; charset=utf-8", []byte(`<!doctype html><html><head><title>Review</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss">
<link rel="alternate" type="application/atom+xml" title="Atom" href="atom.xml">
</head><body><p>Home</p></body></html>`))
	h.srv.handle("/atom.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Header().Set("ETag", `"a1"`)
		if r.Header.Get("If-None-Match") == `"a1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte(cmsAtom("2026-10-05T00:00:00Z", "", cmsEntry(1, "2026-10-01T08:00:00Z", "Asia", "x"))))
	})
	h.start(fastFetch(), h.src("review", "/"))
	h.mustPoll("review")
	st := h.state("review")
	if st.DiscoveredURL != h.srv.URL+"/atom.xml" || st.DiscoveredFrom != h.srv.URL+"/" || st.Items != 1 || st.ETag != `"a1"` {
		t.Fatalf("state after discovery: %s", asJSON(st))
	}
	if h.srv.hitCount("/rss") != 0 {
		t.Error("the RSS feed was fetched though the page advertises Atom")
	}

	h.clock.Advance(time.Hour)
	h.mustPoll("review")
	if h.srv.hitCount("/") != 1 || h.srv.hitCount("/atom.xml") != 2 || h.srv.lastHeader("/atom.xml").Get("If-None-Match") != `"a1"` {
		t.Errorf("second poll: page hit %d times, feed %d times with If-None-Match %q; want the feed alone, conditionally",
			h.srv.hitCount("/"), h.srv.hitCount("/atom.xml"), h.srv.lastHeader("/atom.xml").Get("If-None-Match"))
	}

	// The feed moves without a redirect: the page is asked again.
	h.srv.handle("/atom.xml", http.NotFound)
	h.srv.serve("/rss", "application/rss+xml", []byte(`<rss version="2.0"><channel><title>Review</title><item><guid>r1</guid><title>R</title></item></channel></rss>`))
	h.clock.Advance(time.Hour)
	if err := h.poll("review"); err == nil {
		t.Error("a discovered feed gone 404 is no error")
	}
	if st := h.state("review"); st.DiscoveredURL != "" || st.Status != "error" {
		t.Errorf("state after the feed went: %s", asJSON(st))
	}
	if len(h.items("review")) != 1 {
		t.Error("a failing poll lost the items")
	}
}

func TestContentImage(t *testing.T) {
	long := strings.Repeat("word ", 200)
	tests := []struct {
		name, html string
		want       *item.Image
	}{
		{"none", `<p>No picture.</p>`, nil},
		{"img without src", `<p><img alt="x"></p>`, nil},
		{"relative src left by no sanitizer", `<img src="/a.jpg">`, nil},
		{"first of two", `<p><img src="https://c.example/1.jpg"><img src="https://c.example/2.jpg"></p>`, &item.Image{URL: "https://c.example/1.jpg"}},
		{"skips an unusable one", `<img src="data:image/png;base64,AAAA"><img src="https://c.example/2.jpg">`, &item.Image{URL: "https://c.example/2.jpg"}},
		{"figure caption", `<figure><a href="https://c.example/"><img src="https://c.example/f.jpg"></a><figcaption> A <em>harbour</em>
at dawn. </figcaption></figure>`, &item.Image{URL: "https://c.example/f.jpg", Caption: "A harbour at dawn."}},
		{"caption bounded", `<figure><img src="https://c.example/f.jpg"><figcaption>` + long + `</figcaption></figure>`,
			&item.Image{URL: "https://c.example/f.jpg", Caption: string([]rune(strings.TrimSpace(long))[:maxCaption-1]) + "…"}},
		{"figure without caption", `<figure><img src="https://c.example/f.jpg"></figure>`, &item.Image{URL: "https://c.example/f.jpg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := contentImage(tt.html)
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("contentImage = %+v, want %+v", got, tt.want)
			}
		})
	}
}
