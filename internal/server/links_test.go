package server

import (
	"slices"
	"testing"

	"syndicate/internal/document"
	"syndicate/internal/render"
)

// Link headers are what Options.Links gives each document, on the full
// response and its gzip copy alike; documents it gives none carry none.
func TestLinkHeaders(t *testing.T) { inModes(t, testLinkHeaders) }

func testLinkHeaders(t *testing.T, mode string) {
	links := []string{`<https://news.example/websub>; rel="hub"`, `<https://news.example/asia/rss.xml>; rel="self"`}
	calls := 0
	s := New(Options{Links: func(path string, doc document.Document) []string {
		calls++
		if path == "/asia/rss.xml" {
			return links
		}
		return nil
	}})
	feed := render.NewDocument([]byte("<rss/>"), "application/rss+xml; charset=utf-8", modified)
	page := render.NewDocument([]byte("<!doctype html>"), "text/html; charset=utf-8", modified)
	s.Update(map[string]document.Document{"/asia/rss.xml": feed, "/asia/": page})
	ts := startServer(t, s, mode, nil)

	for _, enc := range []string{"", "gzip", "br"} {
		resp := do(t, "GET", ts.URL+"/asia/rss.xml", map[string]string{"Accept-Encoding": enc})
		if got := resp.Header.Values("Link"); !slices.Equal(got, links) {
			t.Errorf("feed (Accept-Encoding %q) Link = %q, want %q", enc, got, links)
		}
	}
	if got := do(t, "HEAD", ts.URL+"/asia/rss.xml", nil).Header.Values("Link"); !slices.Equal(got, links) {
		t.Errorf("HEAD Link = %q, want %q", got, links)
	}
	if got := do(t, "GET", ts.URL+"/asia/", nil).Header.Values("Link"); got != nil {
		t.Errorf("page Link = %q, want none", got)
	}
	// Unchanged documents keep their prepared headers: no call per update.
	s.Update(map[string]document.Document{"/asia/rss.xml": feed, "/asia/": page})
	if calls != 2 {
		t.Errorf("Links called %d times for two documents updated twice unchanged, want 2", calls)
	}
}
