package parse

import (
	"cmp"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"

	"syndicate/internal/item"
	"syndicate/internal/sanitize"
)

// maxEnclosures bounds the enclosures of one item.
const maxEnclosures = 20

// media are the item's Media RSS elements: media:content, also inside
// media:group, then media:thumbnail.
func media(gi *gofeed.Item) []ext.Extension {
	var out []ext.Extension
	if m, ok := gi.Extensions["media"]; ok {
		out = append(out, m["content"]...)
		for _, g := range m["group"] {
			out = append(out, g.Children["content"]...)
		}
		out = append(out, m["thumbnail"]...)
	}
	return out
}

// image is the item's top image as the feed declares it: gofeed's pick
// (itunes:image, a media:content image, an image enclosure, JSON Feed's
// image), else an image enclosure or Media RSS content or thumbnail. Type
// and length come from whichever element names the same URL.
func (n *normalizer) image(gi *gofeed.Item, base *url.URL) *item.Image {
	media := media(gi)
	var cands []string
	if gi.Image != nil {
		cands = append(cands, gi.Image.URL)
	}
	for _, e := range gi.Enclosures {
		if e != nil && strings.HasPrefix(strings.ToLower(e.Type), "image/") {
			cands = append(cands, e.URL)
		}
	}
	for _, m := range media {
		if m.Name == "thumbnail" || strings.HasPrefix(m.Attrs["type"], "image/") || m.Attrs["medium"] == "image" {
			cands = append(cands, m.Attrs["url"])
		}
	}
	for _, c := range cands {
		u := sanitize.AbsoluteURL(base, c)
		if u == "" {
			continue
		}
		img := &item.Image{URL: item.CleanText(u)}
		if gi.Image != nil && gi.Image.URL == c {
			img.Caption = truncate(sanitize.PlainText(gi.Image.Title), maxSummary)
		}
		for _, e := range gi.Enclosures {
			if e != nil && e.URL == c {
				img.Type, img.Length = mimeType(e.Type), length(e.Length)
			}
		}
		for _, m := range media {
			if m.Attrs["url"] != c {
				continue
			}
			if img.Type == "" {
				img.Type, img.Length = mimeType(m.Attrs["type"]), length(m.Attrs["fileSize"])
			}
			if img.Credit == "" {
				img.Credit = mediaText(m, "credit", maxTitle)
			}
			if img.Caption == "" {
				img.Caption = cmp.Or(mediaText(m, "description", maxSummary), mediaText(m, "title", maxSummary))
			}
		}
		if m, ok := gi.Extensions["media"]; ok && len(media) > 0 {
			// Said once for the item, as Media RSS allows: of its media,
			// the top image is the one credited.
			whole := ext.Extension{Children: m}
			img.Credit = cmp.Or(img.Credit, mediaText(whole, "credit", maxTitle))
			img.Caption = cmp.Or(img.Caption, mediaText(whole, "description", maxSummary))
		}
		return img
	}
	return nil
}

// mediaText is the plain text of m's first child element name (a Media
// RSS credit, description or title), within max runes.
func mediaText(m ext.Extension, name string, max int) string {
	for _, c := range m.Children[name] {
		if t := truncate(sanitize.PlainText(c.Value), max); t != "" {
			return t
		}
	}
	return ""
}

func mimeType(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 100 || strings.ContainsAny(s, " <>\"'") || !strings.Contains(s, "/") {
		return ""
	}
	return s
}

func length(s string) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// enclosures are the item's media files besides its top image: RSS
// enclosures, Atom enclosure links, JSON Feed attachments and Media RSS
// content of any medium, each once, in that order.
func (n *normalizer) enclosures(i int, gi *gofeed.Item, base *url.URL, top *item.Image) []item.Enclosure {
	var out []item.Enclosure
	seen := map[string]bool{}
	if top != nil {
		seen[top.URL] = true
	}
	add := func(e item.Enclosure) {
		e.URL = item.CleanText(sanitize.AbsoluteURL(base, e.URL))
		if e.URL == "" || seen[e.URL] || len(out) == maxEnclosures {
			return
		}
		seen[e.URL] = true
		e.Type = mimeType(e.Type)
		e.Medium = medium(e.Medium, e.Type)
		e.Title = truncate(sanitize.PlainText(e.Title), maxTitle)
		out = append(out, e)
	}
	if i < len(n.jsonIts) && n.jsonIts[i].Attachments != nil {
		// Attachments carry titles and durations gofeed's model drops.
		for _, a := range *n.jsonIts[i].Attachments {
			add(item.Enclosure{URL: a.URL, Type: a.MimeType, Length: a.SizeInBytes, Title: a.Title, Duration: a.DurationInSeconds})
		}
	} else {
		for _, e := range gi.Enclosures {
			if e != nil {
				add(item.Enclosure{URL: e.URL, Type: e.Type, Length: n.number(i, "enclosure length", e.Length)})
			}
		}
	}
	for _, m := range media(gi) {
		if m.Name != "content" {
			continue
		}
		add(item.Enclosure{
			URL:      m.Attrs["url"],
			Type:     m.Attrs["type"],
			Length:   n.number(i, "media:content fileSize", m.Attrs["fileSize"]),
			Medium:   m.Attrs["medium"],
			Duration: n.number(i, "media:content duration", m.Attrs["duration"]),
		})
	}
	return out
}

// media are Media RSS's kinds of file.
var mediums = map[string]bool{"image": true, "audio": true, "video": true, "document": true, "executable": true}

// medium is the given Media RSS medium if it is one, else the kind the
// MIME type names, else "".
func medium(given, mime string) string {
	if given = strings.ToLower(strings.TrimSpace(given)); mediums[given] {
		return given
	}
	if kind, _, _ := strings.Cut(mime, "/"); kind == "image" || kind == "audio" || kind == "video" {
		return kind
	}
	return ""
}

// number is a size in bytes or a duration in seconds as a feed writes it;
// one that does not parse is dropped and warned of.
func (n *normalizer) number(i int, what, s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v >= math.MaxInt64 || math.IsNaN(v) {
		n.warn(i, "%s %q is not a number; dropped", what, excerpt(s))
		return 0
	}
	return int64(math.Round(v))
}

// podcast is the episode's iTunes tags. A value that does not parse is
// dropped and warned of.
func (n *normalizer) podcast(i int, gi *gofeed.Item, base *url.URL) *item.Podcast {
	it := gi.ITunesExt
	if it == nil {
		return nil
	}
	var p item.Podcast
	if d := strings.TrimSpace(it.Duration); d != "" {
		if secs, ok := duration(d); ok {
			p.Duration = secs
		} else {
			n.warn(i, "itunes:duration %q is not seconds, MM:SS or HH:MM:SS; dropped", excerpt(d))
		}
	}
	p.Image = item.CleanText(sanitize.AbsoluteURL(base, it.Image))
	if e := strings.TrimSpace(it.Episode); e != "" {
		if v, err := strconv.ParseInt(e, 10, 64); err == nil && v > 0 {
			p.Episode = v
		} else {
			n.warn(i, "itunes:episode %q is not a positive number; dropped", excerpt(e))
		}
	}
	switch e := strings.ToLower(strings.TrimSpace(it.Explicit)); e {
	case "":
	case "true", "yes", "explicit":
		p.Explicit = "true"
	case "false", "no", "clean":
		p.Explicit = "false"
	default:
		n.warn(i, "itunes:explicit %q is neither true nor false; dropped", excerpt(it.Explicit))
	}
	if p == (item.Podcast{}) {
		return nil
	}
	return &p
}

// duration reads an itunes:duration: seconds, MM:SS or HH:MM:SS.
func duration(s string) (int64, bool) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, false
	}
	var secs float64
	for k, part := range parts {
		v, err := strconv.ParseFloat(part, 64)
		if err != nil || v < 0 || (k > 0 && v >= 60) || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		secs = secs*60 + v
	}
	return int64(math.Round(secs)), secs < math.MaxInt32
}
