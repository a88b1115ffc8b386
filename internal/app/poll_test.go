package app

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// POST /api/v1/poll polls every source at once, whatever its schedule,
// and answers when the polls are done; it exists only behind a token or
// on the operators' own listener, since each request costs a poll of
// every source.
func TestPollRoute(t *testing.T) {
	var hits atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, upstreamRSS)
	}))
	defer upstream.Close()
	for _, tc := range []struct {
		name, token string
		want        int // status of an authorized POST
	}{
		{"with a token", "s3cret-token", http.StatusOK},
		{"open on the public listener", "", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			_, front, _ := serveApp(t, "gulf-ports.md", testArticle, func(base string) string {
				cfg := fmt.Sprintf(testConfig, base, upstream.URL)
				cfg = strings.Replace(cfg, `interval = "1s"`, `interval = "1h"`, 1)
				if tc.token != "" {
					cfg = strings.Replace(cfg, "[content]", fmt.Sprintf("[server]\nops_token = %q\n\n[content]", tc.token), 1)
				}
				return cfg
			}, slog.New(slog.DiscardHandler))
			waitFor(t, front.URL+"/middle-east/rss.xml", "Ceasefire talks resume in Doha")
			before := hits.Load()

			post := func(token string) *http.Response {
				req, _ := http.NewRequest("POST", front.URL+"/api/v1/poll", nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { resp.Body.Close() })
				return resp
			}
			resp := post(tc.token)
			if resp.StatusCode != tc.want {
				t.Fatalf("POST /api/v1/poll: %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want != http.StatusOK {
				if n := hits.Load(); n != before {
					t.Errorf("a refused request polled the upstream %d times", n-before)
				}
				return
			}
			var out struct{ Sources, Failed int }
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if out.Sources != 1 || out.Failed != 0 {
				t.Errorf("answer %+v, want 1 source, 0 failed", out)
			}
			// Answered once the poll is done: the upstream has been asked,
			// though the source is not due for an hour.
			if n := hits.Load(); n != before+1 {
				t.Errorf("upstream asked %d times by the request, want 1", n-before)
			}
			if resp := post(""); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST without the token: %d, want 401", resp.StatusCode)
			}
			if n := hits.Load(); n != before+1 {
				t.Errorf("an unauthorized request polled the upstream")
			}
		})
	}
}

// A cycle in which every source changes renders each section a bounded
// number of times, not once per source: the changes are published
// together.
func TestCycleRendersSectionsOnce(t *testing.T) {
	const sources = 12
	var gen atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := gen.Load()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>%[1]s</title><link>https://up.example/</link><description>x</description>
<item><title>Story %[1]s generation %[2]d</title><link>https://up.example%[1]s/%[2]d</link><guid>%[1]s-%[2]d</guid><pubDate>Mon, 0%[2]d Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>`, r.URL.Path, g+1)
	}))
	defer upstream.Close()
	cfg := "[site]\ntitle = \"T\"\nbase_url = \"%s\"\n\n[server]\nops_token = \"tok\"\n\n[content]\ndir = \"feeds\"\n\n[fetch]\nallow_private = true\nper_host = 12\n\n[[section]]\nslug = \"wires\"\ntitle = \"Wires\"\n\n"
	for i := range sources {
		cfg += fmt.Sprintf("[[source]]\nid = \"w%d\"\nurl = \"%s/w%d\"\ninterval = \"1h\"\nsections = [\"wires\"]\n\n", i, upstream.URL, i)
	}
	a, front, _ := serveApp(t, "gulf-ports.md", strings.Replace(testArticle, `"middle-east"`, `"wires"`, 1),
		func(base string) string { return fmt.Sprintf(cfg, base) }, slog.New(slog.DiscardHandler))
	showsAll := func(g int) {
		t.Helper()
		for i := range sources {
			waitFor(t, front.URL+"/wires/feed.json", fmt.Sprintf("Story /w%d generation %d", i, g))
		}
	}
	showsAll(1)
	before := a.Publisher.Stats()["wires"].Renders

	gen.Store(1)
	req, _ := http.NewRequest("POST", front.URL+"/api/v1/poll", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	showsAll(2)
	if n := a.Publisher.Stats()["wires"].Renders - before; n > 2 {
		t.Errorf("a cycle of %d changed sources rendered the section %d times, want at most 2", sources, n)
	}
}
