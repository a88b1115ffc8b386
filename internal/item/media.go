package item

import (
	"path"
	"strings"
)

// mediaTypes are the files the site serves from its media folder: images,
// audio and video, by extension. The table is fixed, not the host's, so
// that what is served does not depend on the machine. SVG is left out: it
// is a document that can run script in the site's origin.
var mediaTypes = map[string]string{
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
	".mp3":  "audio/mpeg",
	".m4a":  "audio/mp4",
	".aac":  "audio/aac",
	".ogg":  "audio/ogg",
	".oga":  "audio/ogg",
	".opus": "audio/opus",
	".wav":  "audio/wav",
	".flac": "audio/flac",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".ogv":  "video/ogg",
	".mov":  "video/quicktime",
}

// MediaType is the type of the media file named name, or "" for a file
// the site does not serve as media: any other kind, and hidden files.
func MediaType(name string) string {
	base := path.Base(name)
	if strings.HasPrefix(base, ".") {
		return ""
	}
	return mediaTypes[strings.ToLower(path.Ext(base))]
}
