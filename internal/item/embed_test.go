package item

import "testing"

func TestVideoPage(t *testing.T) {
	tests := []struct{ src, want string }{
		{"https://www.youtube.com/embed/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
		{"https://www.youtube-nocookie.com/embed/abc_12-3?start=30&rel=0", "https://www.youtube.com/watch?v=abc_12-3"},
		{"//www.youtube.com/embed/v1", "https://www.youtube.com/watch?v=v1"},
		{"https://player.vimeo.com/video/76979871#t=10s", "https://vimeo.com/76979871"},
		{"https://player.vimeo.com/video/42?h=abc", "https://vimeo.com/42"},
		// Refused: not the documented embed paths over https.
		{"http://www.youtube.com/embed/v1", ""},
		{"https://www.youtube.com/embed/../../redirect?u=evil", ""},
		{"https://www.youtube.com/embed/v1/../../x", ""},
		{"https://www.youtube.com/embed/%2e%2e/x", ""},
		{"https://www.youtube.com/watch?v=v1", ""},
		{"https://www.youtube.com/embed/", ""},
		{"https://player.vimeo.com/video/abc", ""},
		{"https://player.vimeo.com/embed/42", ""},
		{"https://www.youtube.com.evil.example/embed/v1", ""},
		{"https://www.youtube.com@evil.example/embed/v1", ""},
		{"https://youtube.com/embed/v1", ""},
		{"javascript://www.youtube.com/embed/v1", ""},
		{"https://www.youtube.com/embed/v1\"onload=\"x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, ok := VideoPage(tt.src)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("VideoPage(%q) = %q, %v; want %q", tt.src, got, ok, tt.want)
			}
		})
	}
}
