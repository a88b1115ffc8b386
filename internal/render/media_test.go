package render

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"syndicate/internal/item"
)

// mediaSite is the fixture site with the podcast settings a section of
// episodes needs.
func mediaSite() Site {
	s := fixtureSite()
	s.Podcast = Podcast{Email: "podcasts@news.example", Category: "News", Image: "https://news.example/media/show.jpg"}
	return s
}

// mediaSection holds what real feeds carry beside articles: a podcast
// episode with audio and iTunes tags, a video in renditions, an episode in
// a format podcast apps do not play, embedded players, an item with
// nothing but a title, and a source whose URL is not canonical.
func mediaSection() Section {
	show := &item.Origin{SourceID: "harbour-show", FeedID: "", Title: "Harbour Show", FeedURL: "https://Show.Example", HomeURL: "https://show.example/"}
	return Section{
		Slug: "media", Title: "Media",
		Items: []*item.Item{
			{
				ID: "tag:show.example,2026:ep131", URL: "https://show.example/",
				Title:       "Episode 131: The harbour at night",
				ContentHTML: "<p>Show notes.</p>",
				Image:       &item.Image{URL: "https://cdn.show.example/ep131.jpg", Type: "image/jpeg"},
				Enclosures: []item.Enclosure{
					{URL: "https://cdn.show.example/ep131.mp3", Type: "audio/mpeg", Length: 55123456, Medium: "audio", Duration: 3700},
					{URL: "https://cdn.show.example/ep131.chapters.json", Type: "application/json+chapters"},
				},
				Podcast:   &item.Podcast{Duration: 3723, Image: "https://cdn.show.example/ep131.jpg", Episode: 131, Explicit: "false"},
				Published: mustTime("2026-11-20T06:00:00Z"), Updated: mustTime("2026-11-20T06:00:00Z"),
				Origin: show,
			},
			{
				ID: "tag:show.example,2026:ep130", URL: "https://show.example/",
				Title:       "Episode 130: Ferries",
				ContentHTML: "<p>Ferries.</p>",
				Enclosures:  []item.Enclosure{{URL: "https://cdn.show.example/ep130.ogg", Type: "audio/ogg", Medium: "audio"}},
				Published:   mustTime("2026-11-13T06:00:00Z"), Updated: mustTime("2026-11-13T06:00:00Z"),
				Origin: show,
			},
			{
				ID: "https://clips.example/9", URL: "https://clips.example/9",
				Title:   "Harbour at dawn",
				Summary: "Ninety seconds of cranes.",
				Enclosures: []item.Enclosure{
					{URL: "https://clips.example/9-1080.mp4", Type: "video/mp4", Length: 90000000, Medium: "video", Duration: 61},
					{URL: "https://clips.example/9-480.mp4", Type: "video/mp4", Length: 20000000, Medium: "video"},
					{URL: "https://clips.example/9.vtt", Type: "text/vtt", Title: "Captions"},
				},
				Published: mustTime("2026-11-19T07:00:00Z"), Updated: mustTime("2026-11-19T07:00:00Z"),
			},
			{
				ID: "https://blog.example/2026/11/18.html#a0306", URL: "https://blog.example/2026/11/18.html#a0306",
				Title: "Two videos",
				ContentHTML: `<p>Watch:</p><iframe src="https://www.youtube.com/embed/abc_123" title="Harbour tour" sandbox="allow-scripts allow-same-origin"></iframe>` +
					`<p><a href="https://blog.example/more">More <iframe src="https://player.vimeo.com/video/42" sandbox="allow-scripts allow-same-origin"></iframe></a></p>` +
					`<iframe src="https://player.vimeo.com/video/43" sandbox="allow-scripts allow-same-origin"></iframe>`,
				Published: mustTime("2026-11-18T03:06:00Z"), Updated: mustTime("2026-11-18T03:06:00Z"),
			},
			{
				ID: "https://blog.example/2026/11/18.html#a0312", URL: "https://blog.example/2026/11/18.html#a0312",
				Title:     "A title and nothing else",
				Published: mustTime("2026-11-18T03:12:00Z"), Updated: mustTime("2026-11-18T03:12:00Z"),
			},
		},
	}
}

func renderMedia(t *testing.T) (rss, atom, jsonFeed []byte) {
	t.Helper()
	docs, err := Feeds(mediaSite(), mediaSection())
	if err != nil {
		t.Fatal(err)
	}
	return docs[FormatRSS].Body, docs[FormatAtom].Body, docs[FormatJSON].Body
}

type xmlEnclosure struct {
	URL    string `xml:"url,attr"`
	Length string `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type xmlMedia struct {
	URL      string `xml:"url,attr"`
	Type     string `xml:"type,attr"`
	Medium   string `xml:"medium,attr"`
	FileSize string `xml:"fileSize,attr"`
	Duration string `xml:"duration,attr"`
	Title    string `xml:"http://search.yahoo.com/mrss/ title"`
}

func TestMediaRSS(t *testing.T) {
	rss, _, _ := renderMedia(t)
	var doc struct {
		Channel struct {
			Author   string `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd author"`
			Explicit string `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd explicit"`
			Category struct {
				Text string `xml:"text,attr"`
			} `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd category"`
			Email string `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd owner>email"`
			Image struct {
				Href string `xml:"href,attr"`
			} `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd image"`
			Items []struct {
				Title       string         `xml:"title"`
				Description *string        `xml:"description"`
				Content     string         `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
				Enclosures  []xmlEnclosure `xml:"enclosure"`
				Media       []xmlMedia     `xml:"http://search.yahoo.com/mrss/ content"`
				Duration    string         `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd duration"`
				Episode     string         `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd episode"`
				Explicit    string         `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd explicit"`
				Image       struct {
					Href string `xml:"href,attr"`
				} `xml:"http://www.itunes.com/dtds/podcast-1.0.dtd image"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(rss, &doc); err != nil {
		t.Fatal(err)
	}
	ch := doc.Channel
	if ch.Author != "The Dispatch" || ch.Explicit != "false" || ch.Category.Text != "News" || ch.Email != "podcasts@news.example" || ch.Image.Href != "https://news.example/media/show.jpg" {
		t.Errorf("channel iTunes tags: %q %q %q %q %q", ch.Author, ch.Explicit, ch.Category.Text, ch.Email, ch.Image.Href)
	}
	byTitle := map[string]int{}
	for i, it := range ch.Items {
		byTitle[it.Title] = i
		if len(it.Enclosures) > 1 {
			t.Errorf("%s: %d enclosures", it.Title, len(it.Enclosures))
		}
	}
	ep := ch.Items[byTitle["Episode 131: The harbour at night"]]
	if len(ep.Enclosures) != 1 || ep.Enclosures[0] != (xmlEnclosure{"https://cdn.show.example/ep131.mp3", "55123456", "audio/mpeg"}) {
		t.Errorf("episode enclosure %+v, want the audio", ep.Enclosures)
	}
	if len(ep.Media) != 2 || ep.Media[0].Medium != "image" || ep.Media[1].URL != "https://cdn.show.example/ep131.chapters.json" {
		t.Errorf("episode media:content %+v, want the image, then the chapters", ep.Media)
	}
	if ep.Duration != "3723" || ep.Episode != "131" || ep.Explicit != "false" || ep.Image.Href != "https://cdn.show.example/ep131.jpg" {
		t.Errorf("episode iTunes tags: %q %q %q %q", ep.Duration, ep.Episode, ep.Explicit, ep.Image.Href)
	}
	ogg := ch.Items[byTitle["Episode 130: Ferries"]]
	if len(ogg.Enclosures) != 1 || ogg.Enclosures[0].URL != "https://cdn.show.example/ep130.ogg" || ogg.Duration != "" || ogg.Explicit != "" {
		t.Errorf("ogg episode: enclosures %+v, duration %q: want the audio and no iTunes tags", ogg.Enclosures, ogg.Duration)
	}
	video := ch.Items[byTitle["Harbour at dawn"]]
	if len(video.Enclosures) != 1 || video.Enclosures[0].URL != "https://clips.example/9-1080.mp4" || video.Duration != "61" {
		t.Errorf("video: enclosures %+v, duration %q", video.Enclosures, video.Duration)
	}
	if len(video.Media) != 2 || video.Media[0] != (xmlMedia{URL: "https://clips.example/9-480.mp4", Type: "video/mp4", Medium: "video", FileSize: "20000000"}) ||
		video.Media[1] != (xmlMedia{URL: "https://clips.example/9.vtt", Type: "text/vtt", Title: "Captions"}) {
		t.Errorf("video media:content %+v", video.Media)
	}
	embeds := ch.Items[byTitle["Two videos"]]
	for _, want := range []string{
		`<a href="https://www.youtube.com/watch?v=abc_123" rel="nofollow noopener noreferrer">Harbour tour</a>`,
		`<a href="https://blog.example/more">More https://vimeo.com/42</a>`,
		`<a href="https://vimeo.com/43" rel="nofollow noopener noreferrer">https://vimeo.com/43</a>`,
	} {
		if !strings.Contains(embeds.Content, want) {
			t.Errorf("embeds: content lacks %s:\n%s", want, embeds.Content)
		}
	}
	if strings.Contains(embeds.Content, "iframe") {
		t.Errorf("an iframe in a feed:\n%s", embeds.Content)
	}
	if bare := ch.Items[byTitle["A title and nothing else"]]; bare.Description != nil || bare.Content != "" {
		t.Errorf("an item without text has description %v, content %q; want neither", bare.Description, bare.Content)
	}
}

func TestMediaAtom(t *testing.T) {
	_, atom, _ := renderMedia(t)
	var doc struct {
		Entries []struct {
			Title   string `xml:"title"`
			Summary string `xml:"summary"`
			Links   []struct {
				Href   string `xml:"href,attr"`
				Rel    string `xml:"rel,attr"`
				Type   string `xml:"type,attr"`
				Length string `xml:"length,attr"`
			} `xml:"link"`
			Source struct {
				ID string `xml:"id"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(atom, &doc); err != nil {
		t.Fatal(err)
	}
	enclosures := map[string][]string{}
	for _, e := range doc.Entries {
		for _, l := range e.Links {
			if l.Rel == "enclosure" {
				enclosures[e.Title] = append(enclosures[e.Title], l.Href+" "+l.Type+" "+l.Length)
			}
		}
		switch e.Title {
		case "A title and nothing else":
			if e.Summary != e.Title {
				t.Errorf("summary %q, want the title", e.Summary)
			}
		case "Episode 131: The harbour at night":
			if e.Source.ID != "https://show.example/" {
				t.Errorf("source id %q, want the feed URL in canonical form", e.Source.ID)
			}
		}
	}
	want := map[string][]string{
		"Episode 131: The harbour at night": {"https://cdn.show.example/ep131.jpg image/jpeg ", "https://cdn.show.example/ep131.mp3 audio/mpeg 55123456", "https://cdn.show.example/ep131.chapters.json application/json+chapters "},
		"Episode 130: Ferries":              {"https://cdn.show.example/ep130.ogg audio/ogg "},
		"Harbour at dawn":                   {"https://clips.example/9-1080.mp4 video/mp4 90000000", "https://clips.example/9-480.mp4 video/mp4 20000000", "https://clips.example/9.vtt text/vtt "},
	}
	for title, w := range want {
		if got := enclosures[title]; strings.Join(got, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: enclosure links\n%s\nwant\n%s", title, strings.Join(got, "\n"), strings.Join(w, "\n"))
		}
	}
}

func TestMediaJSON(t *testing.T) {
	_, _, body := renderMedia(t)
	var doc struct {
		Items []struct {
			Title       string `json:"title"`
			ContentHTML string `json:"content_html"`
			Attachments []struct {
				URL      string `json:"url"`
				MIMEType string `json:"mime_type"`
				Title    string `json:"title"`
				Size     int64  `json:"size_in_bytes"`
				Duration int64  `json:"duration_in_seconds"`
			} `json:"attachments"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, it := range doc.Items {
		switch it.Title {
		case "Episode 131: The harbour at night":
			if len(it.Attachments) != 3 || it.Attachments[1].URL != "https://cdn.show.example/ep131.mp3" || it.Attachments[1].Size != 55123456 || it.Attachments[1].Duration != 3700 {
				t.Errorf("episode attachments %+v", it.Attachments)
			}
		case "Harbour at dawn":
			if len(it.Attachments) != 3 || it.Attachments[2].Title != "Captions" {
				t.Errorf("video attachments %+v", it.Attachments)
			}
		case "Two videos":
			if strings.Contains(it.ContentHTML, "<iframe") {
				t.Errorf("an iframe in JSON Feed: %s", it.ContentHTML)
			}
		}
	}
}

// TestNoEpisodesNoITunesChannel: a section without episodes says nothing
// to podcast apps.
func TestNoEpisodesNoITunesChannel(t *testing.T) {
	docs, err := Feeds(mediaSite(), fixtureSection())
	if err != nil {
		t.Fatal(err)
	}
	if body := string(docs[FormatRSS].Body); strings.Contains(body, "<itunes:") {
		t.Errorf("iTunes tags in a section without episodes")
	}
}

func TestCanonicalURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.sk":                 "https://example.sk/",
		"HTTPS://Example.SK:443/a/./b/../c/": "https://example.sk/a/c/",
		"http://example.sk:8080":             "http://example.sk:8080/",
		"https://example.sk/%7ea/%e2%82%ac":  "https://example.sk/~a/%E2%82%AC",
		"https://example.sk/p?q=1#f":         "https://example.sk/p?q=1#f",
		"urn:uuid:1":                         "urn:uuid:1",
	} {
		if got := canonicalURL(in); got != want {
			t.Errorf("canonicalURL(%q) = %q, want %q", in, got, want)
		}
	}
}
