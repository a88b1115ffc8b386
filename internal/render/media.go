package render

import (
	"path"
	"strings"

	"syndicate/internal/item"
)

// enclosure is an item's media file as every format writes it.
type enclosure struct {
	url, mime, medium, title string
	length, duration         int64 // 0 when unknown
}

// episode is what podcast apps read of an item: its iTunes tags.
type episode struct {
	duration int64  // seconds; 0 when unknown
	image    string // absolute http(s) URL, or ""
	number   int64  // 0 when unknown
	explicit string // "true", "false" or ""
}

// newEnclosures cleans an item's enclosures: absolute http(s) URLs only,
// each once, none the top image's, every one typed.
func newEnclosures(c *channel, it *item.Item, top *picture) []enclosure {
	var out []enclosure
	seen := map[string]bool{}
	if top != nil {
		seen[top.url] = true
	}
	for _, e := range it.Enclosures {
		link := c.abs(clean(e.URL))
		if !absoluteURL(link) || seen[link] {
			continue
		}
		seen[link] = true
		mime := guessType(clean(e.Type), link)
		out = append(out, enclosure{
			url:      link,
			mime:     mime,
			medium:   mediumOf(clean(e.Medium), mime),
			title:    strings.TrimSpace(clean(e.Title)),
			length:   max(e.Length, 0),
			duration: max(e.Duration, 0),
		})
	}
	return out
}

// mediums are the values Media RSS allows for medium.
var mediums = map[string]bool{"image": true, "audio": true, "video": true, "document": true, "executable": true}

// mediumOf is the given medium if Media RSS allows it, else the kind the
// MIME type names, else "" (no attribute).
func mediumOf(given, mime string) string {
	if mediums[given] {
		return given
	}
	if kind, _, _ := strings.Cut(mime, "/"); kind == "image" || kind == "audio" || kind == "video" {
		return kind
	}
	return ""
}

// playable reports whether e is an episode's sound or picture.
func (e *enclosure) playable() bool {
	return e.medium == "audio" || e.medium == "video"
}

// primary is the enclosure RSS's one <enclosure> element carries: the
// first audio or video file; nil when there is none, and the top image,
// or else the first enclosure, takes the element as before.
func (v *view) primary() *enclosure {
	for i := range v.enclosures {
		if v.enclosures[i].playable() {
			return &v.enclosures[i]
		}
	}
	return nil
}

// podcastFormats are the file extensions podcast apps, and the W3C
// validator's iTunes rules, accept for an episode; the validator takes
// whatever follows the URL's last dot, query included.
var podcastFormats = map[string]bool{"mp3": true, "m4a": true, "mp4": true, "m4v": true, "mov": true}

// newEpisode is the item's iTunes tags, for an item whose primary
// enclosure podcast apps can play; nil for any other.
func newEpisode(c *channel, it *item.Item, primary *enclosure) *episode {
	if primary == nil {
		return nil
	}
	if i := strings.LastIndexByte(primary.url, '.'); i < 0 || !podcastFormats[primary.url[i+1:]] {
		return nil
	}
	ep := &episode{duration: primary.duration}
	if p := it.Podcast; p != nil {
		if p.Duration > 0 {
			ep.duration = p.Duration
		}
		if link := c.abs(clean(p.Image)); absoluteURL(link) {
			ep.image = link
		}
		ep.number = max(p.Episode, 0)
		if p.Explicit == "true" || p.Explicit == "false" {
			ep.explicit = p.Explicit
		}
	}
	return ep
}

// guessType is the given MIME type if well-formed, else a guess from the
// file name. The table is fixed, not the system's, so that output does not
// depend on the machine.
func guessType(given, link string) string {
	if mediaType.MatchString(given) {
		return given
	}
	p := link
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if t, ok := typeByExtension[strings.ToLower(path.Ext(p))]; ok {
		return t
	}
	return "application/octet-stream"
}

var typeByExtension = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml",
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg",
	".oga": "audio/ogg", ".opus": "audio/opus", ".wav": "audio/wav", ".flac": "audio/flac",
	".mp4": "video/mp4", ".m4v": "video/x-m4v", ".mov": "video/quicktime", ".webm": "video/webm",
	".pdf": "application/pdf", ".epub": "application/epub+zip", ".vtt": "text/vtt",
}
