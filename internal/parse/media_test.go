package parse

import (
	"reflect"
	"testing"
	"time"

	"syndicate/internal/item"
)

func TestEnclosures(t *testing.T) {
	tests := []struct {
		name, doc  string
		image      *item.Image
		enclosures []item.Enclosure
		podcast    *item.Podcast
	}{
		{
			name: "podcast episode",
			doc: `<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:psc="http://podlove.org/simple-chapters"><channel><title>Show</title><link>https://show.example/</link>
<item><guid isPermaLink="false">ep-131</guid><title>Episode 131</title><link>https://show.example/</link>
<enclosure url="https://cdn.show.example/ep131.mp3" length="55123456" type="audio/mpeg"/>
<itunes:image href="https://cdn.show.example/ep131.jpg"/><itunes:duration>1:02:03</itunes:duration>
<itunes:episode>131</itunes:episode><itunes:explicit>no</itunes:explicit>
<podcast:chapters url="https://cdn.show.example/ep131.chapters.json" type="application/json+chapters"/>
<psc:chapters version="1.2"><psc:chapter start="00:00:00" title="Intro"/><psc:chapter start="00:05:10" title="News"/></psc:chapters>
</item></channel></rss>`,
			image:      &item.Image{URL: "https://cdn.show.example/ep131.jpg"},
			enclosures: []item.Enclosure{{URL: "https://cdn.show.example/ep131.mp3", Type: "audio/mpeg", Length: 55123456, Medium: "audio"}},
			podcast:    &item.Podcast{Duration: 3723, Image: "https://cdn.show.example/ep131.jpg", Episode: 131, Explicit: "false"},
		},
		{
			name: "video with a thumbnail and renditions",
			doc: `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Clips</title>
<item><guid>clip-9</guid><title>Harbour at dawn</title>
<media:thumbnail url="https://v.example/9.jpg"/>
<media:group>
  <media:content url="https://v.example/9-1080.mp4" type="video/mp4" medium="video" fileSize="90000000" duration="61.4"/>
  <media:content url="https://v.example/9-480.mp4" type="video/mp4" fileSize="20000000"/>
</media:group>
<media:content url="https://v.example/9.vtt" type="text/vtt"/>
</item></channel></rss>`,
			image: &item.Image{URL: "https://v.example/9.jpg"},
			// media:content first, then a group's (gofeed keeps them apart)
			enclosures: []item.Enclosure{
				{URL: "https://v.example/9.vtt", Type: "text/vtt"},
				{URL: "https://v.example/9-1080.mp4", Type: "video/mp4", Length: 90000000, Medium: "video", Duration: 61},
				{URL: "https://v.example/9-480.mp4", Type: "video/mp4", Length: 20000000, Medium: "video"},
			},
		},
		{
			// gofeed's pick of the top image, a media:content image before an
			// image enclosure, as before; the other image is an enclosure.
			name: "one image the top image, the other an enclosure",
			doc: `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Photos</title>
<item><guid>p1</guid><title>Gallery</title>
<enclosure url="https://p.example/lead.jpg" length="1000" type="image/jpeg"/>
<media:content url="https://p.example/second.jpg" medium="image"/>
<media:content url="https://p.example/lead.jpg" medium="image"/>
</item></channel></rss>`,
			image:      &item.Image{URL: "https://p.example/second.jpg"},
			enclosures: []item.Enclosure{{URL: "https://p.example/lead.jpg", Type: "image/jpeg", Length: 1000, Medium: "image"}},
		},
		{
			name: "credit and caption of the top image",
			doc: `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Review</title>
<item><guid>r1</guid><title>Talks in Vienna</title>
<media:content url="https://r.example/vienna.jpg" medium="image" type="image/jpeg" fileSize="2048">
  <media:credit role="photographer">Sara Mahmoudi / Meridian</media:credit>
  <media:description type="html">Delegations arrive at the &lt;b&gt;Palais&lt;/b&gt; Coburg.</media:description>
</media:content>
<media:content url="https://r.example/map.png" medium="image"><media:credit>Not the top image</media:credit></media:content>
</item></channel></rss>`,
			image: &item.Image{URL: "https://r.example/vienna.jpg", Type: "image/jpeg", Length: 2048,
				Credit: "Sara Mahmoudi / Meridian", Caption: "Delegations arrive at the Palais Coburg."},
			enclosures: []item.Enclosure{{URL: "https://r.example/map.png", Medium: "image"}},
		},
		{
			name: "credit said once for the item",
			doc: `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Review</title>
<item><guid>r2</guid><title>Capitol at dusk</title>
<enclosure url="https://r.example/capitol.jpg" length="1000" type="image/jpeg"/>
<media:thumbnail url="https://r.example/capitol-small.jpg"/>
<media:credit>Wire Photo</media:credit><media:title>The Capitol at dusk</media:title>
</item></channel></rss>`,
			// A thumbnail is a preview, not a file of the item's own.
			image: &item.Image{URL: "https://r.example/capitol.jpg", Type: "image/jpeg", Length: 1000, Credit: "Wire Photo"},
		},
		{
			name: "atom enclosure links",
			doc: `<feed xmlns="http://www.w3.org/2005/Atom"><title>Talks</title><id>urn:x:talks</id><updated>2026-10-01T00:00:00Z</updated>
<entry><id>urn:x:talk-3</id><title>Talk 3</title><updated>2026-10-01T00:00:00Z</updated>
<link rel="alternate" href="https://talks.example/3"/>
<link rel="enclosure" type="audio/ogg" length="1234" href="/media/3.ogg"/>
<link rel="enclosure" type="application/pdf" href="https://talks.example/media/3.pdf"/>
</entry></feed>`,
			enclosures: []item.Enclosure{
				{URL: "https://talks.example/media/3.ogg", Type: "audio/ogg", Length: 1234, Medium: "audio"},
				{URL: "https://talks.example/media/3.pdf", Type: "application/pdf"},
			},
		},
		{
			name: "json attachments",
			doc: `{"version": "https://jsonfeed.org/version/1.1", "title": "Cast", "items": [{"id": "e1", "title": "One", "content_text": "x",
"image": "https://cast.example/1.png",
"attachments": [
  {"url": "https://cast.example/1.m4a", "mime_type": "audio/x-m4a", "size_in_bytes": 89970236, "duration_in_seconds": 6629, "title": "AAC"},
  {"url": "https://cast.example/1.mp3", "mime_type": "audio/mpeg", "title": "MP3"}]}]}`,
			image: &item.Image{URL: "https://cast.example/1.png"},
			enclosures: []item.Enclosure{
				{URL: "https://cast.example/1.m4a", Type: "audio/x-m4a", Length: 89970236, Medium: "audio", Title: "AAC", Duration: 6629},
				{URL: "https://cast.example/1.mp3", Type: "audio/mpeg", Medium: "audio", Title: "MP3"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.doc), Options{SourceID: "m", URL: "https://talks.example/feed", Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Entries) != 1 {
				t.Fatalf("%d entries", len(f.Entries))
			}
			it := f.Entries[0].Item
			if !reflect.DeepEqual(it.Image, tt.image) {
				t.Errorf("image %+v, want %+v", it.Image, tt.image)
			}
			if !reflect.DeepEqual(it.Enclosures, tt.enclosures) {
				t.Errorf("enclosures\n got %+v\nwant %+v", it.Enclosures, tt.enclosures)
			}
			if !reflect.DeepEqual(it.Podcast, tt.podcast) {
				t.Errorf("podcast %+v, want %+v", it.Podcast, tt.podcast)
			}
			if len(f.Warnings) > 0 {
				t.Errorf("warnings %q", f.Warnings)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]int64{"3723": 3723, "62:03": 3723, "1:02:03": 3723, "00:00:59.6": 60, "0": 0} {
		if got, ok := duration(in); !ok || got != want {
			t.Errorf("duration(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "an hour", "1:60", "-5", "1:2:3:4", "1::2", "NaN", "Inf"} {
		if got, ok := duration(in); ok {
			t.Errorf("duration(%q) = %d, want refused", in, got)
		}
	}
}

// TestUndatedItems: items with no date get the time first seen, less their
// position, a second earlier still where that time is taken, and keep it.
func TestUndatedItems(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>t</title>
<item><guid>a</guid><title>A</title></item>
<item><guid>b</guid><title>B</title></item>
<item><guid>c</guid><title>C</title><pubDate>Thu, 15 Oct 2026 11:59:58 GMT</pubDate></item>
<item><guid>d</guid><title>D</title></item>
<item><guid>e</guid><title>E</title></item>
</channel></rss>`
	stored := t0.Add(-3 * time.Second) // e's slot, taken by an item seen before
	prev := map[string]*item.Item{"s/x": {ID: "s/x", Published: stored, Updated: stored}, "s/b": {ID: "s/b", Published: t0.Add(-time.Hour), Updated: t0.Add(-time.Hour)}}
	f, err := Parse([]byte(doc), Options{SourceID: "s", Now: t0.Add(500 * time.Millisecond), Prev: prev})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{
		"s/a": t0,                       // first seen, position 0, to the second
		"s/b": t0.Add(-time.Hour),       // kept from before
		"s/c": t0.Add(-2 * time.Second), // its own date
		"s/d": t0.Add(-4 * time.Second), // position 3 is taken by x; c has 2
		"s/e": t0.Add(-5 * time.Second), // position 4, then 3 and 4 taken
	}
	seen := map[int64]string{}
	for _, e := range f.Entries {
		it := e.Item
		if !it.Published.Equal(want[it.ID]) || !it.Updated.Equal(it.Published) {
			t.Errorf("%s: published %v, updated %v; want %v", it.ID, it.Published, it.Updated, want[it.ID])
		}
		if other, dup := seen[it.Updated.Unix()]; dup {
			t.Errorf("%s and %s share %v", it.ID, other, it.Updated)
		}
		seen[it.Updated.Unix()] = it.ID
	}
	// The next poll, here or on another instance, finds the dates stored.
	next := map[string]*item.Item{}
	for _, e := range f.Entries {
		it := e.Item
		next[it.ID] = &it
	}
	again, err := Parse([]byte(doc), Options{SourceID: "s", Now: t0.Add(time.Hour), Prev: next})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range again.Entries {
		if !e.Item.Published.Equal(f.Entries[i].Item.Published) {
			t.Errorf("%s moved from %v to %v", e.Item.ID, f.Entries[i].Item.Published, e.Item.Published)
		}
	}
}

// TestEmptyItems: an item is kept with whatever it has, titled by its link
// or its media when it has no text; one with nothing at all is dropped.
func TestEmptyItems(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>t</title>
<item><title>Only a title</title><pubDate>Mon, 12 Oct 2026 09:00:00 GMT</pubDate></item>
<item><link>https://e.example/only-a-link</link><pubDate>Mon, 12 Oct 2026 08:00:00 GMT</pubDate></item>
<item><guid isPermaLink="false">enc</guid><enclosure url="https://e.example/a.mp3" type="audio/mpeg" length="5"/><pubDate>Mon, 12 Oct 2026 07:00:00 GMT</pubDate></item>
<item><guid isPermaLink="false">nothing</guid><pubDate>Mon, 12 Oct 2026 06:00:00 GMT</pubDate></item>
<item></item>
</channel></rss>`
	f, err := Parse([]byte(doc), Options{SourceID: "e", URL: "https://e.example/feed", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, e := range f.Entries {
		titles = append(titles, e.Item.Title)
	}
	if want := []string{"Only a title", "https://e.example/only-a-link", "https://e.example/a.mp3"}; !reflect.DeepEqual(titles, want) {
		t.Errorf("titles %q, want %q", titles, want)
	}
	if len(f.Warnings) != 2 {
		t.Errorf("warnings %q, want the two empty items", f.Warnings)
	}
}
