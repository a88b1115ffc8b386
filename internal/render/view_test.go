package render

import (
	"strings"
	"testing"
	"time"

	"syndicate/internal/item"
)

func TestStableID(t *testing.T) {
	c := newChannel(fixtureSite(), Section{Slug: "asia"})
	wire := &item.Origin{SourceID: "gulf wire", FeedURL: "https://wire.example.org/feed"}
	tests := []struct {
		name      string
		it        item.Item
		want      string
		permalink bool
	}{
		{"tag URI kept", item.Item{ID: "tag:news.example,2026-01-01:article/x", URL: "https://news.example/a/x/"}, "tag:news.example,2026-01-01:article/x", false},
		{"URL id that is the link", item.Item{ID: "https://wire.example.org/s/1", URL: "https://wire.example.org/s/1"}, "https://wire.example.org/s/1", true},
		{"URL id that is not the link", item.Item{ID: "https://wire.example.org/s/1", URL: "https://wire.example.org/s/1?amp"}, "https://wire.example.org/s/1", false},
		{"urn kept", item.Item{ID: "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"}, "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", false},
		{"numeric guid of a source", item.Item{ID: "12345", Origin: wire}, "tag:news.example,2026-01-01:source/gulf%20wire/12345", false},
		{"numeric guid, no source", item.Item{ID: "12345"}, "tag:news.example,2026-01-01:item/12345", false},
		{"unregistered scheme", item.Item{ID: "story:99"}, "tag:news.example,2026-01-01:item/story:99", false},
		{"IRI with non-ASCII", item.Item{ID: "https://example.org/ünï"}, "tag:news.example,2026-01-01:item/https://example.org/%C3%BCn%C3%AF", false},
		{"space and hash escaped", item.Item{ID: " a b#c "}, "tag:news.example,2026-01-01:item/a%20b%23c", false},
		{"no id: the URL", item.Item{URL: "https://news.example/x"}, "https://news.example/x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newView(c, &tt.it)
			if v.id != tt.want || v.permalink != tt.permalink {
				t.Errorf("id %q permalink %v, want %q %v", v.id, v.permalink, tt.want, tt.permalink)
			}
			if strings.HasPrefix(v.id, "tag:") && !tagURI.MatchString(v.id) {
				t.Errorf("%q is not a tag URI validators accept", v.id)
			}
		})
	}
	noID := newView(c, &item.Item{Title: "x", Published: time.Unix(1e9, 0)})
	if !strings.HasPrefix(noID.id, "tag:news.example,2026-01-01:item/") || noID.id != newView(c, &item.Item{Title: "x", Published: time.Unix(1e9, 0)}).id {
		t.Errorf("id for an item with neither id nor URL: %q", noID.id)
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"tab\tnl\ncr\r", "tab\tnl\ncr\r"},
		{"nul\x00bel\x07", "nulbel"},
		{"bad\xffutf8\xc3\x28", "badutf8("},
		{"nonchar\uFFFE\uFFFF", "nonchar"},
		{"c1\u0085\u009f ok\u00a0é", "c1 ok\u00a0é"},
		{"emoji 🚢", "emoji 🚢"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestChannel(t *testing.T) {
	tests := []struct {
		name        string
		site        Site
		sec         Section
		title, lang string
		ttl         int
	}{
		{"defaults", fixtureSite(), Section{Slug: "asia", Title: "Asia"}, "The Dispatch: Asia", "en", 5},
		{"ttl rounds up", func() Site { s := fixtureSite(); s.TTL = 90 * time.Second; return s }(), Section{Slug: "asia"}, "The Dispatch: asia", "en", 2},
		{"ttl at least a minute", func() Site { s := fixtureSite(); s.TTL = 0; return s }(), Section{Slug: "asia"}, "The Dispatch: asia", "en", 1},
		{"no site title", func() Site { s := fixtureSite(); s.Title = ""; s.Language = "en-GB"; return s }(), Section{Slug: "asia", Title: "Asia"}, "Asia", "en-GB", 5},
		{"language that is not a tag", func() Site { s := fixtureSite(); s.Language = "English (UK)"; return s }(), Section{Slug: "asia", Title: "Asia"}, "The Dispatch: Asia", "", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChannel(tt.site, tt.sec)
			if c.err != nil || c.title != tt.title || c.lang != tt.lang || c.ttl != tt.ttl {
				t.Errorf("err %v title %q lang %q ttl %d", c.err, c.title, c.lang, c.ttl)
			}
		})
	}
}

func TestImages(t *testing.T) {
	c := newChannel(fixtureSite(), Section{Slug: "asia"})
	tests := []struct {
		name string
		in   item.Image
		url  string // "" for no image
		mime string
	}{
		{"site path", item.Image{URL: "/media/a.JPG"}, "https://news.example/media/a.JPG", "image/jpeg"},
		{"scheme-relative", item.Image{URL: "//cdn.example/b.webp?w=800"}, "https://cdn.example/b.webp?w=800", "image/webp"},
		{"given type", item.Image{URL: "https://cdn.example/c", Type: "image/avif"}, "https://cdn.example/c", "image/avif"},
		{"bad type, unknown extension", item.Image{URL: "https://cdn.example/d.bin", Type: "jpeg"}, "https://cdn.example/d.bin", "application/octet-stream"},
		{"not a URL", item.Image{URL: "media/e.png"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newView(c, &item.Item{ID: "x", Image: &tt.in})
			switch {
			case tt.url == "" && v.image != nil:
				t.Errorf("image kept: %+v", v.image)
			case tt.url != "" && (v.image == nil || v.image.url != tt.url || v.image.mime != tt.mime):
				t.Errorf("image %+v, want %s %s", v.image, tt.url, tt.mime)
			}
		})
	}
}

func TestFragmentCacheBound(t *testing.T) {
	c := newFragmentCache(1000)
	f := make([]byte, 200)
	for i := range 20 {
		c.put(cacheKey{sum: [2]uint64{uint64(i)}}, f)
	}
	if c.curBytes > c.limit {
		t.Errorf("current generation holds %d bytes, limit %d", c.curBytes, c.limit)
	}
	if _, ok := c.get(cacheKey{sum: [2]uint64{0}}); ok {
		t.Errorf("oldest entry survived two rotations")
	}
	if _, ok := c.get(cacheKey{sum: [2]uint64{19}}); !ok {
		t.Errorf("newest entry missing")
	}
	// An entry read from the previous generation is promoted, not lost.
	last := cacheKey{sum: [2]uint64{16}}
	if _, ok := c.get(last); !ok {
		t.Fatalf("entry of the previous generation missing")
	}
	for i := 100; i < 103; i++ {
		c.put(cacheKey{sum: [2]uint64{uint64(i)}}, f)
	}
	if _, ok := c.get(last); !ok {
		t.Errorf("promoted entry lost at the next rotation")
	}
}
