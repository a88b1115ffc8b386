package item

import (
	"testing"
	"time"
)

func TestCanonicalLink(t *testing.T) {
	same := [][]string{
		{"https://News.Example/world/story-1/", "http://news.example/world/story-1", "https://www.news.example:443/world/story-1?utm_source=rss&utm_medium=feed"},
		{"https://blog.example/2026/11/26.html#a0306", "http://blog.example/2026/11/26.html?utm_source=rss#a0306"},
		{"https://a.example/p?id=7&page=2", "https://a.example/p?page=2&id=7&fbclid=xyz"},
	}
	for _, group := range same {
		want := CanonicalLink(group[0])
		for _, link := range group[1:] {
			if got := CanonicalLink(link); got != want {
				t.Errorf("CanonicalLink(%q) = %q, want %q", link, got, want)
			}
		}
	}
	different := [][2]string{
		{"https://a.example/p?id=7", "https://a.example/p?id=8"},
		{"https://a.example/p", "https://b.example/p"},
		{"https://a.example:8443/p", "https://a.example/p"},
		{"https://blog.example/2026/11/26.html#a0306", "https://blog.example/2026/11/26.html#a0312"},
		{"https://blog.example/2026/11/26.html#a0306", "https://blog.example/2026/11/26.html"},
	}
	for _, d := range different {
		if CanonicalLink(d[0]) == CanonicalLink(d[1]) {
			t.Errorf("%q and %q collapsed to one key", d[0], d[1])
		}
	}
	for _, bad := range []string{"", "/relative", "mailto:a@b.example", "javascript:alert(1)"} {
		if got := CanonicalLink(bad); got != "" {
			t.Errorf("CanonicalLink(%q) = %q, want empty", bad, got)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"tab\tnew\nline\r", "tab\tnew\nline\r"},
		{"bell\x07nul\x00esc\x1b", "bellnulesc"},
		{"bad \xff\xfe utf8", "bad  utf8"},
		{"nonchar \uFFFE\uFFFF end", "nonchar  end"},
		{"ünïcödé 中文 🙂", "ünïcödé 中文 🙂"},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewerAndModified(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	a := &Item{ID: "a", Published: t0}
	b := &Item{ID: "b", Published: t0}
	c := &Item{ID: "c", Published: t0.Add(time.Hour), Updated: t0.Add(2 * time.Hour)}
	if !Newer(c, a) || Newer(a, c) {
		t.Error("later item not first")
	}
	if !Newer(a, b) || Newer(b, a) {
		t.Error("tie not broken by id")
	}
	if !c.Modified().Equal(t0.Add(2*time.Hour)) || !a.Modified().Equal(t0) {
		t.Error("Modified wrong")
	}
	if HashID("x", "y") == HashID("xy", "") || HashID("x", "y") == HashID("x", "z") {
		t.Error("HashID is ambiguous")
	}
}
