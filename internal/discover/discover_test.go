package discover

import (
	"net/url"
	"reflect"
	"testing"
)

func TestFeeds(t *testing.T) {
	base, _ := url.Parse("https://cms.example/news/")
	for _, tc := range []struct {
		name string
		page string
		want []Feed
	}{
		{
			name: "wordpress-shaped head",
			page: `<!DOCTYPE html><html><head><title>Desk</title>
<link rel="alternate" type="application/rss+xml" title="Desk &raquo; Feed" href="https://cms.example/feed/" />
<link rel="alternate" type="application/rss+xml" title="Desk &raquo; Comments Feed" href="https://cms.example/comments/feed/" />
<link rel="alternate" type="application/atom+xml" title="Desk Atom" href="/feed/atom/">
<link rel="alternate" type="application/feed+json" title="Desk JSON" href="feed.json">
<link rel="stylesheet" href="/style.css"></head><body></body></html>`,
			want: []Feed{
				{URL: "https://cms.example/feed/", Format: RSS, Type: "application/rss+xml", Title: "Desk » Feed"},
				{URL: "https://cms.example/comments/feed/", Format: RSS, Type: "application/rss+xml", Title: "Desk » Comments Feed"},
				{URL: "https://cms.example/feed/atom/", Format: Atom, Type: "application/atom+xml", Title: "Desk Atom"},
				{URL: "https://cms.example/news/feed.json", Format: JSON, Type: "application/feed+json", Title: "Desk JSON"},
			},
		},
		{
			name: "base href, odd case and spacing, duplicates, fragments",
			page: `<html><head><base href="https://static.example/site/">
<LINK REL="Alternate home" TYPE="Application/Atom+XML" HREF="atom.xml#top">
<link rel="alternate" type="application/atom+xml" href="atom.xml">
<link rel="alternate" type="text/html" href="/other">
<link rel="alternate stylesheet" type="application/rss+xml" href="/x">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/rss+xml" href="">
</head></html>`,
			want: []Feed{{URL: "https://static.example/site/atom.xml", Format: Atom, Type: "Application/Atom+XML"}},
		},
		{name: "no feeds", page: `<html><head><title>x</title></head><body><p>nothing</p></body></html>`},
		{name: "not even html", page: "\x00\x01garbage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Feeds([]byte(tc.page), base)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Feeds =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestBest(t *testing.T) {
	rss := Feed{URL: "https://a.example/rss", Format: RSS}
	atom := Feed{URL: "https://a.example/atom", Format: Atom}
	json := Feed{URL: "https://a.example/json", Format: JSON}
	for _, tc := range []struct {
		name  string
		feeds []Feed
		want  Feed
		ok    bool
	}{
		{"atom wins", []Feed{rss, json, atom}, atom, true},
		{"json before rss", []Feed{rss, json}, json, true},
		{"rss alone", []Feed{rss}, rss, true},
		{"none", nil, Feed{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Best(tc.feeds)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Best = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestLooksLikeHTML(t *testing.T) {
	for _, tc := range []struct {
		ct, body string
		want     bool
	}{
		{"text/html; charset=utf-8", "<rss>", true},
		{"application/xhtml+xml", "", true},
		{"", "\ufeff  <!DOCTYPE html><html>", true},
		{"application/octet-stream", "<html lang=en>", true},
		{"application/rss+xml", `<?xml version="1.0"?><rss>`, false},
		{"", `{"version":"https://jsonfeed.org/version/1.1"}`, false},
	} {
		if got := LooksLikeHTML(tc.ct, []byte(tc.body)); got != tc.want {
			t.Errorf("LooksLikeHTML(%q, %q) = %v, want %v", tc.ct, tc.body, got, tc.want)
		}
	}
}
