package content

import (
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"

	"syndicate/internal/item"
	"syndicate/internal/tomlpos"
)

// localPrefix is where the site serves the files of Dir/media.
const localPrefix = "/media/"

// imageTypes fixes the types of common image files: mime.TypeByExtension
// also reads the host's mime.types, and feeds should not change with the
// host.
var imageTypes = map[string]string{
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
	".svg":  "image/svg+xml",
}

func typeOf(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := imageTypes[ext]; ok {
		return t
	}
	return mime.TypeByExtension(ext)
}

func (a *parsed) checkImage(ref *imageRef, loc *tomlpos.Lines, site *siteInfo) *item.Image {
	img := &item.Image{
		URL:     strings.TrimSpace(ref.URL),
		Caption: item.CleanText(strings.TrimSpace(ref.Caption)),
		Credit:  item.CleanText(strings.TrimSpace(ref.Credit)),
		Type:    strings.TrimSpace(ref.Type),
		Length:  ref.Length,
	}
	urlLine := loc.In("image", 0, "url")
	if img.URL == "" {
		a.problem(urlLine, "image has no url")
		return nil
	}
	if img.Length < 0 {
		a.problem(loc.In("image", 0, "length"), "image length %d is negative", img.Length)
	}
	if img.Type != "" && !strings.HasPrefix(img.Type, "image/") {
		a.problem(loc.In("image", 0, "type"), "image type %q is not an image/… type", img.Type)
	}
	if !strings.HasPrefix(img.URL, "/") {
		if !item.AbsoluteHTTP(img.URL) {
			a.problem(urlLine, "bad image url %q: write an absolute https:// URL or a path under %s", img.URL, localPrefix)
			return nil
		}
		if img.Type == "" {
			u := img.URL
			if i := strings.IndexAny(u, "?#"); i >= 0 {
				u = u[:i]
			}
			img.Type = typeOf(u)
		}
		return img
	}
	name, ok := strings.CutPrefix(img.URL, localPrefix)
	if !ok || !validFileName(name) {
		a.problem(urlLine, "bad image url %q: a local image must be a file directly under %s, named with letters, digits, '.', '_' and '-'", img.URL, localPrefix)
		return nil
	}
	if !strings.HasPrefix(item.MediaType(name), "image/") {
		a.problem(urlLine, "bad image url %q: %s serves images only as .jpg, .jpeg, .png, .gif, .webp or .avif files", img.URL, localPrefix)
		return nil
	}
	file := filepath.Join(site.Dir, mediaDir, name)
	info, err := os.Stat(file)
	if err != nil || !info.Mode().IsRegular() {
		a.problem(urlLine, "image file %s not found", file)
		return nil
	}
	switch {
	case img.Length == 0:
		img.Length = info.Size()
	case img.Length != info.Size():
		// Podcast-style clients trust an enclosure's length; a stale one
		// after the image was replaced truncates it.
		a.problem(loc.In("image", 0, "length"), "image length %d does not match %s (%d bytes); drop length to derive it", img.Length, file, info.Size())
	}
	if img.Type == "" {
		if img.Type = typeOf(name); img.Type == "" {
			a.problem(urlLine, "cannot tell the type of %s from its name: set image.type", file)
		}
	}
	img.URL = site.BaseURL + img.URL
	return img
}

func validFileName(s string) bool {
	if s == "" || s[0] == '.' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
