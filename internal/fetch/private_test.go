package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPrivateHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1":       true,
		"10.1.2.3":        true,
		"192.168.0.10":    true,
		"169.254.169.254": true, // cloud metadata
		"100.100.100.200": true,
		"::1":             true,
		"fe80::1":         true,
		"0.0.0.0":         true,
		"localhost":       true,
		"redis.localhost": true,
		"8.8.8.8":         false,
		"2001:4860::8888": false,
	} {
		t.Run(host, func(t *testing.T) {
			if got := privateHost(context.Background(), host); got != want {
				t.Errorf("privateHost(%q) = %v, want %v", host, got, want)
			}
		})
	}
}

// A feed the operator configured on a public address may not redirect the
// poller to a private one; a private source may redirect within its network.
func TestRedirectToPrivateAddressRefused(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<rss/>"))
	}))
	defer target.Close()
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/admin", http.StatusFound)
	}))
	defer hostile.Close()
	c := New(testConfig(), "Syndicate/test")

	for _, tt := range []struct {
		name          string
		originPrivate bool
		wantRefused   bool
	}{
		{"public origin", false, true},
		{"private origin", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.WithValue(context.Background(), originKey{}, tt.originPrivate)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hostile.URL+"/feed", nil)
			resp, err := c.client.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			var fe *Error
			refused := errors.As(err, &fe) && strings.Contains(fe.Error(), "refused a redirect") && fe.Class == "redirects"
			if refused != tt.wantRefused {
				t.Errorf("err = %v, refused = %v, want %v", err, refused, tt.wantRefused)
			}
		})
	}
}
