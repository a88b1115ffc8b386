package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"syscall"
	"testing"

	"syndicate/internal/dnstest"
	"syndicate/internal/netguard"
)

// serveOn starts an upstream on ip (any loopback address) that answers
// /feed with a feed and /to?u=… with a redirect to u, and counts requests.
func serveOn(t *testing.T, ip string) (base string, hits func() int) {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		if to := r.URL.Query().Get("u"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		w.Write([]byte(feed))
	}))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// The guard runs where the connection is made: what the operator wrote
// decides where a source may connect, whatever its name resolves to now
// and wherever its redirects lead. Every name in this test resolves to
// 127.0.0.1 through a stub DNS server.
func TestGuard(t *testing.T) {
	target, targetHits := serveOn(t, "127.0.0.1")
	pinned, _ := serveOn(t, "127.0.0.2") // a source the operator configured on an address
	_, targetPort, _ := net.SplitHostPort(target[len("http://"):])
	_, pinnedPort, _ := net.SplitHostPort(pinned[len("http://"):])
	publicName := "http://feeds.public.example:" + targetPort
	resolver := dnstest.Resolver(t, netip.MustParseAddr("127.0.0.1"))

	tests := []struct {
		name         string
		url          string
		allowPrivate bool // on the request, as a source's allow_private
		fetchPrivate bool // [fetch] allow_private
		blocked      string
	}{
		{"public name resolving to loopback", publicName + "/feed", false, false, "127.0.0.1"},
		{"public name, source allow_private", publicName + "/feed", true, false, ""},
		{"public name, fetch allow_private", publicName + "/feed", false, true, ""},
		{"literal loopback address", target + "/feed", false, false, ""},
		{"localhost", "http://localhost:" + targetPort + "/feed", false, false, ""},
		{"redirect within the configured address", pinned + "/to?u=/feed", false, false, ""},
		{"redirect from a configured address to another loopback one", pinned + "/to?u=" + target + "/feed", false, false, "127.0.0.1"},
		{"redirect to a public-looking name resolving to loopback", pinned + "/to?u=" + publicName + "/feed", false, false, "127.0.0.1"},
		{"redirect to another port of the configured address", pinned + "/to?u=http://127.0.0.2:" + pinnedPort + "/feed", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testConfig()
			f.AllowPrivate = tt.fetchPrivate
			c := newClient(f, "Syndicate/test", resolver)
			before := targetHits()
			res, err := c.Get(t.Context(), Request{URL: tt.url, AllowPrivate: tt.allowPrivate}, t0)
			if tt.blocked == "" {
				if err != nil || res.Status != 200 {
					t.Fatalf("got %+v, %v; want 200", res, err)
				}
				return
			}
			var fe *Error
			if !errors.As(err, &fe) || fe.Class != "blocked" || fe.Msg != tt.blocked+" is not a public address; set allow_private on the source to allow it" {
				t.Fatalf("got %+v, %v; want blocked %s", res, err, tt.blocked)
			}
			if targetHits() != before {
				t.Error("the refused address was reached")
			}
		})
	}
}

// A connection dialled for a source that may reach an address stays with
// that source: a public source redirected there must dial anew, and be
// refused, rather than reuse it from a shared pool.
func TestGuardPoolsConnectionsByPolicy(t *testing.T) {
	target, hits := serveOn(t, "127.0.0.1")
	pinned, _ := serveOn(t, "127.0.0.2")
	c := newClient(testConfig(), "Syndicate/test", nil)
	if _, err := c.Get(t.Context(), Request{URL: target + "/feed"}, t0); err != nil {
		t.Fatalf("source on 127.0.0.1: %v", err) // leaves an idle connection to it
	}
	_, err := c.Get(t.Context(), Request{URL: pinned + "/to?u=" + target + "/feed"}, t0)
	var fe *Error
	if !errors.As(err, &fe) || fe.Class != "blocked" {
		t.Fatalf("redirect onto another source's pooled connection: %v, want blocked", err)
	}
	if hits() != 1 {
		t.Errorf("127.0.0.1 served %d requests, want only its own source's", hits())
	}
}

// The guard sees the address the resolver gave, before any packet leaves:
// a hook around it records the dial and refuses whatever the guard lets
// through, so that nothing beyond loopback is ever contacted.
func TestGuardChecksTheResolvedAddress(t *testing.T) {
	for _, tt := range []struct {
		answer       string
		allowPrivate bool
		wantClass    string
	}{
		{"10.1.2.3", false, "blocked"},
		{"169.254.169.254", false, "blocked"},
		{"100.100.100.200", false, "blocked"},
		{"198.18.0.1", false, "blocked"},
		{"10.1.2.3", true, "connect"},       // allowed by the guard, refused by the hook
		{"93.184.216.34", false, "connect"}, // public: allowed
	} {
		t.Run(fmt.Sprint(tt.answer, tt.allowPrivate), func(t *testing.T) {
			c := newClient(testConfig(), "Syndicate/test", dnstest.Resolver(t, netip.MustParseAddr(tt.answer)))
			var dialled []string
			c.dialer.ControlContext = func(ctx context.Context, network, address string, raw syscall.RawConn) error {
				dialled = append(dialled, address)
				if err := netguard.Control(ctx, network, address, raw); err != nil {
					return err
				}
				return errors.New("test: not connecting beyond loopback")
			}
			_, err := c.Get(t.Context(), Request{URL: "http://feeds.public.example/feed", AllowPrivate: tt.allowPrivate}, t0)
			var fe *Error
			if !errors.As(err, &fe) || fe.Class != tt.wantClass {
				t.Errorf("err = %v, want class %s", err, tt.wantClass)
			}
			if len(dialled) != 1 || dialled[0] != tt.answer+":80" {
				t.Errorf("dialled %v, want [%s:80]", dialled, tt.answer)
			}
		})
	}
}
