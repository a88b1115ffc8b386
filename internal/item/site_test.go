package item

import (
	"strings"
	"testing"
)

func TestBaseURL(t *testing.T) {
	tests := []struct {
		raw, base, scheme, err string
	}{
		{"https://news.example", "https://news.example", "https", ""},
		{"https://news.example/", "https://news.example", "https", ""},
		{"HTTP://news.example/edition//", "HTTP://news.example/edition", "http", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", "http", ""},
		{"news.example", "", "", "not an absolute http(s) URL"},
		{"//news.example", "", "", "not an absolute http(s) URL"},
		{"ftp://news.example", "", "", "not an absolute http(s) URL"},
		{"https://news.example/?x=1", "", "", "query or fragment"},
		{"https://news.example/?", "", "", "query or fragment"},
		{"https://news.example/#top", "", "", "query or fragment"},
		{"https://news.example#", "", "", "query or fragment"},
		{"https://news example/", "", "", "invalid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			base, scheme, err := BaseURL(tt.raw)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.raw) {
					t.Errorf("error = %v, want one naming %q and saying %q", err, tt.raw, tt.err)
				}
				return
			}
			if err != nil || base != tt.base || scheme != tt.scheme {
				t.Errorf("= %q, %q, %v; want %q, %q", base, scheme, err, tt.base, tt.scheme)
			}
		})
	}
}

func TestTagPrefix(t *testing.T) {
	tests := []struct {
		authority, date, want, err string
	}{
		{"news.example", "2026-01-01", "tag:news.example,2026-01-01:", ""},
		{"News.Example", "2026", "tag:news.example,2026:", ""},
		{"desk@news.example", "2026-10", "tag:desk@news.example,2026-10:", ""},
		{"127.0.0.1", "2026-01-01", "tag:127.0.0.1,2026-01-01:", ""},
		{"localhost", "2026-01-01", "tag:localhost,2026-01-01:", ""},
		{"news.example:8080", "2026-01-01", "", "tag authority"},
		{"news.example/feeds", "2026-01-01", "", "tag authority"},
		{"-news.example", "2026-01-01", "", "tag authority"},
		{"news..example", "2026-01-01", "", "tag authority"},
		{"", "2026-01-01", "", "tag authority"},
		{"news.example", "2026-13-01", "", "tag date"},
		{"news.example", "2026-02-30", "", "tag date"},
		{"news.example", "26-01-01", "", "tag date"},
		{"news.example", "2026/01/01", "", "tag date"},
		{"news.example", "", "", "tag date"},
	}
	for _, tt := range tests {
		t.Run(tt.authority+" "+tt.date, func(t *testing.T) {
			got, err := TagPrefix(tt.authority, tt.date)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Errorf("error = %v, want %q…", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("= %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestAbsoluteHTTP(t *testing.T) {
	for s, want := range map[string]bool{
		"https://a.example/x": true,
		"HTTP://a.example":    true,
		"/x":                  false,
		"//a.example/x":       false,
		"mailto:a@b.example":  false,
		"https:///x":          false,
		"":                    false,
	} {
		if got := AbsoluteHTTP(s); got != want {
			t.Errorf("AbsoluteHTTP(%q) = %v, want %v", s, got, want)
		}
	}
}
