package partner

import (
	"testing"
	"time"

	"syndicate/internal/config"
)

func newSet(t *testing.T, prev *Set, partners ...config.Partner) *Set {
	t.Helper()
	return NewSet(partners, prev)
}

func TestLookup(t *testing.T) {
	a, _ := NewToken()
	b, _ := NewToken()
	if a == b || len(a) != 43 {
		t.Fatalf("tokens %q %q: want two different 43-character tokens", a, b)
	}
	s := newSet(t, nil,
		config.Partner{ID: "wire", TokenSHA256: config.TokenHash(a), Sections: []string{"asia"}},
		config.Partner{ID: "gone", TokenSHA256: config.TokenHash(b), Sections: []string{"asia"}, Revoked: true},
	)
	for _, tt := range []struct {
		name, token, want string
	}{
		{"valid", a, "wire"},
		{"revoked", b, ""},
		{"wrong", a[:42] + "x", ""},
		{"empty", "", ""},
		{"the hash itself", config.TokenHash(a), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if p := s.Lookup(tt.token); p != nil {
				got = p.ID
			}
			if got != tt.want {
				t.Errorf("Lookup = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAllows(t *testing.T) {
	p := newSet(t, nil, config.Partner{ID: "w", TokenSHA256: config.TokenHash("x"), Sections: []string{"asia"}, Tags: []string{"iran"}}).All()[0]
	for path, want := range map[string]bool{
		"/asia/rss.xml":                  true,
		"/asia/":                         true,
		"/asia/archive/2026-10/atom.xml": true,
		"/tag/iran/feed.json":            true,
		"/europe/rss.xml":                false,
		"/tag/oman/rss.xml":              false,
		"/author/iran/rss.xml":           false,
		"/":                              false,
		"/api/v1/sources":                false,
	} {
		if got := p.Allows(path); got != want {
			t.Errorf("Allows(%s) = %v, want %v", path, got, want)
		}
	}
}

func TestFromPathAndRedact(t *testing.T) {
	for _, tt := range []struct {
		path, token, rest string
		ok                bool
		redacted          string
	}{
		{"/p/abc/asia/rss.xml", "abc", "/asia/rss.xml", true, "/p/***/asia/rss.xml"},
		{"/p/abc/", "abc", "/", true, "/p/***/"},
		{"/p/abc", "", "", false, "/p/***"},
		{"/p//asia/rss.xml", "", "", false, "/p/***"},
		{"/asia/rss.xml", "", "", false, "/asia/rss.xml"},
	} {
		token, rest, ok := FromPath(tt.path)
		if token != tt.token || rest != tt.rest || ok != tt.ok {
			t.Errorf("FromPath(%s) = %q %q %v", tt.path, token, rest, ok)
		}
		if got := RedactPath(tt.path); got != tt.redacted {
			t.Errorf("RedactPath(%s) = %q, want %q", tt.path, got, tt.redacted)
		}
	}
	if Bearer("bearer  tok ") != "tok" || Bearer("Basic tok") != "" || Bearer("Bearer") != "" {
		t.Error("Bearer parses wrongly")
	}
}

func TestRate(t *testing.T) {
	cfg := config.Partner{ID: "w", TokenSHA256: config.TokenHash("x"), Sections: []string{"asia"}, Rate: 3}
	s := newSet(t, nil, cfg)
	p := s.All()[0]
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := p.Allow(now); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := p.Allow(now)
	if ok || wait != 20*time.Second {
		t.Fatalf("fourth request: ok %v, retry after %v; want refused for 20s (3 a minute)", ok, wait)
	}
	// A reload that keeps the rate keeps the spent allowance.
	p = newSet(t, s, cfg).All()[0]
	if ok, _ := p.Allow(now.Add(time.Second)); ok {
		t.Error("a reload refilled the allowance")
	}
	if ok, _ := p.Allow(now.Add(21 * time.Second)); !ok {
		t.Error("refused after the Retry-After it gave")
	}
	unbounded := newSet(t, nil, config.Partner{ID: "u", TokenSHA256: config.TokenHash("y"), Sections: []string{"asia"}}).All()[0]
	for range 1000 {
		if ok, _ := unbounded.Allow(now); !ok {
			t.Fatal("a partner without rate was refused")
		}
	}
}
