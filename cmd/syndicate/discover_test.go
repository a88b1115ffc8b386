package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cmsServer is a CMS home page advertising three feeds, and two of them.
func cmsServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!DOCTYPE html><html><head><title>The Meridian Review</title>
<link rel="alternate" type="application/rss+xml" title="The Meridian Review &raquo; Feed" href="/feed/">
<link rel="alternate" type="application/rss+xml" title="Comments" href="/comments/feed/">
<link rel="alternate" type="application/feed+json" href="/feed/json">
</head><body></body></html>`)
		case "/feed/":
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, `<rss version="2.0"><channel><title>The Meridian Review</title>
<item><guid>p1</guid><title>One</title><category>Middle East</category><category>Podcasts</category></item>
<item><guid>p2</guid><title>Two</title><category>middle east</category><category>Books &amp; Ideas</category></item>
</channel></rss>`)
		case "/feed/json":
			w.Header().Set("Content-Type", "application/feed+json")
			io.WriteString(w, `{"version": "https://jsonfeed.org/version/1.1", "title": "The Meridian Review", "items": [
{"id": "p1", "title": "One", "content_text": "x", "tags": ["Middle East", "Podcasts"]},
{"id": "p2", "title": "Two", "content_text": "y", "tags": ["middle east", "Books & Ideas"]}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDiscoverCommand(t *testing.T) {
	srv := cmsServer(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"discover", srv.URL + "/"}, &out, &errOut); code != 0 {
		t.Fatalf("discover exited %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	want := []string{
		"  rss  " + srv.URL + "/feed/\tapplication/rss+xml\tThe Meridian Review » Feed",
		"  rss  " + srv.URL + "/comments/feed/\tapplication/rss+xml\tComments",
		"* json " + srv.URL + "/feed/json\tapplication/feed+json\t(untitled)",
	}
	if len(lines) != len(want)+1 {
		t.Fatalf("output:\n%s", out.String())
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], w)
		}
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a feed already", []string{"discover", srv.URL + "/feed/"}, 0, "is not an HTML page (application/rss+xml)"},
		{"no URL", []string{"discover"}, 2, "usage: syndicate discover URL"},
		{"not a URL", []string{"discover", "meridian.example"}, 1, `"meridian.example" is not an absolute http(s) URL`},
		{"missing page", []string{"discover", srv.URL + "/nothing"}, 1, "404"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := run(context.Background(), tt.args, &out, &out); code != tt.code || !strings.Contains(out.String(), tt.want) {
				t.Errorf("exit %d, output %q; want %d and %q", code, out.String(), tt.code, tt.want)
			}
		})
	}
}

// TestCheckWarnsOfRoutes: routes to unknown sections, and the categories a
// live first-party feed uses that route nowhere, are warnings: check
// still passes.
func TestCheckWarnsOfRoutes(t *testing.T) {
	srv := cmsServer(t)
	dir := sampleCopy(t, "127.0.0.1:8080")
	cfg := filepath.Join(dir, "config.toml")
	text, _ := os.ReadFile(cfg)
	text = append(text, []byte(`
[[source]]
id = "cms"
kind = "articles"
url = "`+srv.URL+`/"

[source.route]
"Middle East" = "middle-east"
"Podcasts" = "podcasts"
`)...)
	os.WriteFile(cfg, text, 0o644)
	var out bytes.Buffer
	if code := run(context.Background(), []string{"check", "--config", cfg}, &out, io.Discard); code != 0 {
		t.Fatalf("check exited %d: %s", code, out.String())
	}
	for _, want := range []string{
		cfg + `: warning: source "cms": route "Podcasts" goes to section "podcasts", which is not defined`,
		cfg + `: warning: source "cms": categories in its feed that route to no section (they become tags): "Books & Ideas"`,
		"ok: ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestBuildCMSSite: a static build of a site fed by its CMS carries the
// CMS's articles, routed and tagged; a CMS that cannot be read fails it.
func TestBuildCMSSite(t *testing.T) {
	srv := cmsServer(t)
	dir := sampleCopy(t, "127.0.0.1:8080")
	cfg := filepath.Join(dir, "config.toml")
	text, _ := os.ReadFile(cfg)
	source := `
[[source]]
id = "cms"
kind = "articles"
url = "%s"

[source.route]
"Middle East" = "middle-east"
`
	os.WriteFile(cfg, append(text, []byte(fmt.Sprintf(source, srv.URL+"/"))...), 0o644)
	out := filepath.Join(t.TempDir(), "site")
	var log bytes.Buffer
	if code := run(context.Background(), []string{"build", "--config", cfg, "--out", out}, &log, &log); code != 0 {
		t.Fatalf("build exited %d: %s", code, log.String())
	}
	for file, want := range map[string]string{
		"middle-east/feed.json":     `"title":"Two"`,
		"tag/books-ideas/feed.json": `"title":"Two"`,
		"tag/podcasts/feed.json":    `"title":"One"`,
	} {
		b, err := os.ReadFile(filepath.Join(out, file))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s (%v) lacks %s:\n%.600s", file, err, want, b)
		}
	}

	os.WriteFile(cfg, append(text, []byte(fmt.Sprintf(source, srv.URL+"/nothing"))...), 0o644)
	log.Reset()
	if code := run(context.Background(), []string{"build", "--config", cfg, "--out", t.TempDir()}, &log, &log); code != 1 || !strings.Contains(log.String(), "build: source: cms: http: 404") {
		t.Errorf("build from an unreadable CMS exited %d: %s", code, log.String())
	}
}
