package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/document"
	"syndicate/internal/partner"
	"syndicate/internal/render"
)

type partnerFixture struct {
	ts                        *httptest.Server
	s                         *Server
	full, summary             document.Document
	token, revoked, summaryTk string
	limitedTk                 string
	log                       *bytes.Buffer
	mu                        sync.Mutex
	hits                      []Hit
}

// newPartnerFixture serves partners' and public feeds in mode ("fast" or
// "net/http", see startServer). At debug level every request goes through
// net/http, to be logged; the fast path is tried only at info level.
func newPartnerFixture(t *testing.T, mode string, level slog.Level) *partnerFixture {
	t.Helper()
	f := &partnerFixture{log: &bytes.Buffer{}}
	f.full = render.NewDocument([]byte("<rss>full text</rss>"), "application/rss+xml; charset=utf-8", modified)
	f.summary = render.NewDocument([]byte("<rss>summary</rss>"), "application/rss+xml; charset=utf-8", modified)
	f.s = New(Options{
		CacheMaxAge: time.Minute,
		Logger:      slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: level})),
		RenderOther: func(path string) (document.Document, bool) {
			return f.summary, path == "/asia/rss.xml"
		},
		OnDemandBytes: 1 << 20,
		Observer:      f,
	})
	f.s.Update(map[string]document.Document{
		"/asia/rss.xml":   f.full,
		"/asia/":          render.NewDocument([]byte("<!doctype html><title>Asia</title>"), "text/html; charset=utf-8", modified),
		"/europe/rss.xml": f.full,
	})
	f.token, f.revoked, f.summaryTk, f.limitedTk = "tok-full", "tok-revoked", "tok-summary", "tok-limited"
	f.s.SetPartners(partner.NewSet([]config.Partner{
		{ID: "wire", TokenSHA256: config.TokenHash(f.token), Sections: []string{"asia"}},
		{ID: "gone", TokenSHA256: config.TokenHash(f.revoked), Sections: []string{"asia"}, Revoked: true},
		{ID: "digest", TokenSHA256: config.TokenHash(f.summaryTk), Sections: []string{"asia"}, Content: config.ContentSummary},
		{ID: "slow", TokenSHA256: config.TokenHash(f.limitedTk), Sections: []string{"asia"}, Rate: 2},
	}, nil))
	f.ts = startServer(t, f.s, mode, nil)
	return f
}

// Observe records a hit: the fixture is the server's counting hook.
func (f *partnerFixture) Observe(h Hit) {
	f.mu.Lock()
	f.hits = append(f.hits, h)
	f.mu.Unlock()
}

func TestPartnerTokens(t *testing.T) {
	for _, mode := range []string{"net/http", "fast"} {
		t.Run(mode, func(t *testing.T) { testPartnerTokens(t, mode) })
	}
}

func testPartnerTokens(t *testing.T, mode string) {
	level := slog.LevelDebug
	if mode == "fast" {
		level = slog.LevelInfo
	}
	f := newPartnerFixture(t, mode, level)
	missing := do(t, "GET", f.ts.URL+"/nowhere/rss.xml", nil)
	missingBody := string(body(t, missing))
	for _, tt := range []struct {
		name, path, bearer string
		want               int
		body               string
	}{
		{"path form", "/p/" + f.token + "/asia/rss.xml", "", 200, "<rss>full text</rss>"},
		{"bearer form", "/asia/rss.xml", f.token, 200, "<rss>full text</rss>"},
		{"bearer in lower case", "/asia/rss.xml", "", 200, "<rss>full text</rss>"},
		{"summary partner gets summaries", "/p/" + f.summaryTk + "/asia/rss.xml", "", 200, "<rss>summary</rss>"},
		{"summary partner, page is the same", "/p/" + f.summaryTk + "/asia/", "", 200, "<!doctype html><title>Asia</title>"},
		{"wrong token", "/p/tok-wrong/asia/rss.xml", "", 404, missingBody},
		{"wrong bearer", "/asia/rss.xml", "tok-wrong", 404, missingBody},
		{"revoked token", "/p/" + f.revoked + "/asia/rss.xml", "", 404, missingBody},
		{"revoked bearer", "/asia/rss.xml", f.revoked, 404, missingBody},
		{"section not granted", "/p/" + f.token + "/europe/rss.xml", "", 404, missingBody},
		{"no such feed", "/p/" + f.token + "/asia/feed.rdf", "", 404, missingBody},
		{"no path after the token", "/p/" + f.token, "", 404, missingBody},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.bearer != "" {
				h["Authorization"] = "Bearer " + tt.bearer
			}
			if tt.name == "bearer in lower case" {
				h["Authorization"] = "bearer " + f.token
			}
			resp := do(t, "GET", f.ts.URL+tt.path, h)
			got := string(body(t, resp))
			if resp.StatusCode != tt.want || got != tt.body {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, got, tt.want, tt.body)
			}
			if tt.want == 404 {
				for _, k := range []string{"Content-Type", "X-Content-Type-Options", "Cache-Control", "Vary"} {
					if resp.Header.Get(k) != missing.Header.Get(k) {
						t.Errorf("%s %q differs from a missing feed's %q", k, resp.Header.Get(k), missing.Header.Get(k))
					}
				}
				return
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "private, max-age=60" {
				t.Errorf("Cache-Control %q, want private", cc)
			}
		})
	}
	if resp := do(t, "GET", f.ts.URL+"/asia/rss.xml", nil); resp.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("public response Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	// A Bearer token on a route that is no document is not a partner's:
	// the operator routes take their own token.
	f.s.Handle("GET /api/v1/x", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ops")) }))
	if resp := do(t, "GET", f.ts.URL+"/api/v1/x", map[string]string{"Authorization": "Bearer ops-token"}); resp.StatusCode != 200 {
		t.Errorf("operator route with a Bearer token: %d", resp.StatusCode)
	}
	for _, secret := range []string{f.token, f.revoked, f.summaryTk, "tok-wrong", "127.0.0.1"} {
		if strings.Contains(f.log.String(), secret) {
			t.Errorf("log holds %q:\n%s", secret, f.log.String())
		}
	}
	if level == slog.LevelDebug && !strings.Contains(f.log.String(), "path=/p/***/asia/rss.xml") {
		t.Errorf("request log lacks the redacted path:\n%s", f.log.String())
	}
}

func TestPartnerVariantsValidate(t *testing.T) {
	f := newPartnerFixture(t, "fast", slog.LevelInfo)
	full := do(t, "GET", f.ts.URL+"/p/"+f.token+"/asia/rss.xml", nil)
	sum := do(t, "GET", f.ts.URL+"/p/"+f.summaryTk+"/asia/rss.xml", nil)
	if full.Header.Get("Etag") != f.full.ETag || sum.Header.Get("Etag") != f.summary.ETag || f.full.ETag == f.summary.ETag {
		t.Fatalf("ETags full %q summary %q: want each variant's own", full.Header.Get("Etag"), sum.Header.Get("Etag"))
	}
	for _, tt := range []struct {
		token, etag string
		want        int
	}{
		{f.token, f.full.ETag, 304},
		{f.token, f.summary.ETag, 200},
		{f.summaryTk, f.summary.ETag, 304},
		{f.summaryTk, f.full.ETag, 200},
	} {
		resp := do(t, "GET", f.ts.URL+"/p/"+tt.token+"/asia/rss.xml", map[string]string{"If-None-Match": tt.etag})
		if resp.StatusCode != tt.want {
			t.Errorf("%s with %s: %d, want %d", tt.token, tt.etag, resp.StatusCode, tt.want)
		}
	}
}

func TestPartnerRate(t *testing.T) {
	f := newPartnerFixture(t, "fast", slog.LevelInfo)
	for i := range 2 {
		if resp := do(t, "GET", f.ts.URL+"/p/"+f.limitedTk+"/asia/rss.xml", nil); resp.StatusCode != 200 {
			t.Fatalf("request %d within the rate: %d", i+1, resp.StatusCode)
		}
	}
	resp := do(t, "GET", f.ts.URL+"/asia/rss.xml", map[string]string{"Authorization": "Bearer " + f.limitedTk})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" {
		t.Fatalf("over the rate: %d, Retry-After %q; want 429 after 30s (2 a minute)", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Other partners are not held back by one over its rate.
	if resp := do(t, "GET", f.ts.URL+"/p/"+f.token+"/asia/rss.xml", nil); resp.StatusCode != 200 {
		t.Errorf("another partner: %d", resp.StatusCode)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var limited, served int
	for _, h := range f.hits {
		if h.Partner == "slow" && h.Status == 429 {
			limited++
		}
		if h.Partner == "slow" && h.Status == 200 && h.Section == "asia" && h.Bytes == len(f.full.Body) && h.Path == "/asia/rss.xml" {
			served++
		}
		if strings.Contains(h.Path, "tok-") {
			t.Errorf("hit path %q holds a token", h.Path)
		}
	}
	if limited != 1 || served != 2 {
		t.Errorf("hits: %d limited, %d served, want 1 and 2: %+v", limited, served, f.hits)
	}
}

// Both paths a public request may take report it to the hook alike.
func TestObservePublic(t *testing.T) {
	for _, mode := range []string{"net/http", "fast"} {
		t.Run(mode, func(t *testing.T) {
			f := newPartnerFixture(t, mode, slog.LevelInfo)
			do(t, "GET", f.ts.URL+"/asia/rss.xml", map[string]string{"User-Agent": "Feedly/1.0 (3 subscribers)"})
			do(t, "GET", f.ts.URL+"/asia/", nil)
			do(t, "HEAD", f.ts.URL+"/asia/rss.xml", nil)
			do(t, "GET", f.ts.URL+"/asia/rss.xml", map[string]string{"If-None-Match": f.full.ETag})
			// The fast path reports a response once it is written, so the
			// client may read it before the last hit is noted.
			for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				f.mu.Lock()
				n := len(f.hits)
				f.mu.Unlock()
				if n >= 3 {
					break
				}
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.hits) != 3 {
				t.Fatalf("hits %+v: want the three feed responses, not the page", f.hits)
			}
			// Each connection's goroutine notes its own hit: on a busy
			// machine they may come in any order.
			byUA := map[string]Hit{}
			for _, h := range f.hits {
				byUA[h.Agent()+strconv.Itoa(h.Status)] = h
			}
			h := byUA["Feedly/1.0 (3 subscribers)200"]
			if h.Path != "/asia/rss.xml" || h.Section != "asia" || h.Bytes != len(f.full.Body) || !strings.HasPrefix(h.Remote, "127.0.0.1:") || h.Partner != "" || h.Doc == 0 {
				t.Errorf("hit %+v in %+v", h, f.hits)
			}
			if head, ok := byUA["Go-http-client/1.1200"]; !ok || head.Bytes != 0 || head.Doc != h.Doc {
				t.Errorf("HEAD hit %+v in %+v", head, f.hits)
			}
			if nm, ok := byUA["Go-http-client/1.1304"]; !ok || nm.Bytes != 0 {
				t.Errorf("304 hit %+v in %+v", nm, f.hits)
			}
		})
	}
}
