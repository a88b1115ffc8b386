package item

import "testing"

func TestMediaType(t *testing.T) {
	for name, want := range map[string]string{
		"tanker.jpg":        "image/jpeg",
		"Tanker.JPEG":       "image/jpeg",
		"chart.webp":        "image/webp",
		"interview.mp3":     "audio/mpeg",
		"clip.webm":         "video/webm",
		"logo.svg":          "", // script in the site's origin
		"notes.md":          "",
		"page.html":         "",
		"config.toml":       "",
		".htpasswd":         "",
		".hidden.jpg":       "",
		"archive.tar.gz":    "",
		"no-extension":      "",
		"media/photo.png":   "image/png",
		"media/.secret.png": "",
	} {
		if got := MediaType(name); got != want {
			t.Errorf("MediaType(%q) = %q, want %q", name, got, want)
		}
	}
}
