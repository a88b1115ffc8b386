package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://feeds.example/rss", "https://feeds.example/rss"},
		{"https://user:pass@partner.example/feed?api_key=K", "https://***@partner.example/feed?api_key=***"},
		{"https://user@partner.example/feed", "https://***@partner.example/feed"},
		{"https://p.example/f?page=2&Token=abc&format=rss", "https://p.example/f?page=2&Token=***&format=rss"},
		{"https://p.example/f?X-Amz-Signature=abc&auth_code=1&SESSIONID=9&q=key", "https://p.example/f?X-Amz-Signature=***&auth_code=***&SESSIONID=***&q=key"},
		{"https://p.example/f?password", "https://p.example/f?password"},
		{"https://p.example/f?api%5Fkey=s3cr3t", "https://p.example/f?api%5Fkey=***"},
		{"http://[::1]:8080/feed?secret=x#frag", "http://[::1]:8080/feed?secret=***#frag"},
		{"://bad url", Mask},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := URL(tc.in); got != tc.want {
				t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPublic(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://user:pass@partner.example/feed?api_key=K#x", "https://partner.example/feed"},
		{"http://feeds.example/rss.xml", "http://feeds.example/rss.xml"},
		{"https://feeds.example/rss?", "https://feeds.example/rss"},
		{"ftp://feeds.example/rss", ""},
		{"/relative/feed", ""},
		{"://bad", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := Public(tc.in); got != tc.want {
				t.Errorf("Public(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPublishable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://blog.example/?feed=rss2&paged=2", "https://blog.example/?feed=rss2&paged=2"},
		{"https://user:pass@partner.example/feed?api_key=K", "https://partner.example/feed"},
		{"https://partner.example/feed?format=rss&token=abc", "https://partner.example/feed"},
		{"tag:partner.example,2026:feed", "tag:partner.example,2026:feed"},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := Publishable(tc.in); got != tc.want {
				t.Errorf("Publishable(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	src := "https://alice:hunter22@partner.example/feed?api_key=K3Y-123&page=2"
	msg := `Get "https://alice:hunter22@partner.example/feed?api_key=K3Y-123&page=2": dial tcp: lookup partner.example: no such host`
	got := Text(msg, src)
	for _, secret := range []string{"alice", "hunter22", "K3Y-123"} {
		if strings.Contains(got, secret) {
			t.Errorf("Text left %q in %q", secret, got)
		}
	}
	if !strings.Contains(got, "page=2") || !strings.Contains(got, "no such host") {
		t.Errorf("Text masked more than the secrets: %q", got)
	}
	if got := Text("a plain error", "https://feeds.example/rss"); got != "a plain error" {
		t.Errorf("Text changed a message with no secrets: %q", got)
	}
}
