package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"testing"

	"syndicate/internal/dnstest"
)

func TestPublic(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"::ffff:8.8.8.8", true},
		{"192.31.196.1", true}, // AS112: globally reachable
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"10.1.2.3", false},
		{"100.64.0.1", false},
		{"100.127.255.254", false},
		{"127.0.0.1", false},
		{"127.0.0.101", false},
		{"169.254.169.254", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.0.0.170", false},
		{"192.0.2.1", false},
		{"192.88.99.1", false},
		{"192.168.1.1", false},
		{"198.18.0.1", false},
		{"198.19.255.255", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"224.0.0.251", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", false},
		{"::7f00:1", false},           // IPv4-compatible 127.0.0.1
		{"::ffff:127.0.0.1", false},   // IPv4-mapped loopback
		{"::ffff:10.0.0.1", false},    // IPv4-mapped private
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"64:ff9b:1::1", false},
		{"100::1", false},
		{"2001::1", false},     // Teredo
		{"2001:db8::1", false}, // documentation
		{"2002:7f00:1::", false},
		{"3fff::1", false},
		{"5f00::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"fec0::1", false},
		{"ff02::1", false},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			if got := Public(netip.MustParseAddr(tc.addr)); got != tc.public {
				t.Errorf("Public(%s) = %v, want %v", tc.addr, got, tc.public)
			}
		})
	}
	if Public(netip.Addr{}) {
		t.Error("the zero Addr counts as public")
	}
}

func TestPolicy(t *testing.T) {
	loop4, loop6 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")
	other := netip.MustParseAddr("127.0.0.2")
	private := netip.MustParseAddr("10.0.0.5")
	public := netip.MustParseAddr("93.184.216.34")
	for _, tc := range []struct {
		name         string
		host         string
		allowPrivate bool
		allowed      []netip.Addr
		refused      []netip.Addr
	}{
		{"public name", "feeds.example", false, []netip.Addr{public}, []netip.Addr{loop4, loop6, private}},
		{"public name, allow_private", "feeds.example", true, []netip.Addr{public, loop4, private}, nil},
		{"localhost", "localhost", false, []netip.Addr{loop4, loop6, public}, []netip.Addr{other, private}},
		{"localhost with dot and case", "LocalHost.", false, []netip.Addr{loop4}, []netip.Addr{private}},
		{"literal loopback", "127.0.0.2", false, []netip.Addr{other, public}, []netip.Addr{loop4, private}},
		{"literal IPv6", "[::1]", false, []netip.Addr{loop6}, []netip.Addr{loop4}},
		{"literal private", "10.0.0.5", false, []netip.Addr{private}, []netip.Addr{netip.MustParseAddr("10.0.0.6")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := For(tc.host, tc.allowPrivate)
			for _, a := range tc.allowed {
				if !p.Allows(a) {
					t.Errorf("policy for %q refuses %s", tc.host, a)
				}
			}
			for _, a := range tc.refused {
				if p.Allows(a) {
					t.Errorf("policy for %q allows %s", tc.host, a)
				}
			}
		})
	}
}

// listen returns the address of a loopback listener that accepts and
// closes connections.
func listen(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

func TestControlChecksTheDialledAddress(t *testing.T) {
	addr := listen(t)
	d := Dialer(net.Dialer{})
	ctx := context.Background()

	_, err := d.DialContext(WithPolicy(ctx, For("feeds.example", false)), "tcp", addr)
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.Addr != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("public-only dial to %s: err = %v, want a RefusedError for 127.0.0.1", addr, err)
	}
	if _, err := d.DialContext(ctx, "tcp", addr); !errors.As(err, &refused) {
		t.Fatalf("a dial without a policy reached loopback: %v", err)
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		c, err := d.DialContext(WithPolicy(ctx, For(host, false)), "tcp", addr)
		if err != nil {
			t.Fatalf("dial pinned to %s: %v", host, err)
		}
		c.Close()
	}
	c, err := d.DialContext(WithPolicy(ctx, For("feeds.example", true)), "tcp", addr)
	if err != nil {
		t.Fatalf("allow_private dial: %v", err)
	}
	c.Close()
}

// TestControlDefeatsRebinding resolves a public-looking name through a DNS
// server that answers with a loopback address: the name passes any check
// made on the name, but the connection is refused at the socket.
func TestControlDefeatsRebinding(t *testing.T) {
	addr := listen(t)
	_, port, _ := net.SplitHostPort(addr)
	d := Dialer(net.Dialer{Resolver: dnstest.Resolver(t, netip.MustParseAddr("127.0.0.1"))})
	target := net.JoinHostPort("feeds.public.example", port)
	_, err := d.DialContext(WithPolicy(context.Background(), For("feeds.public.example", false)), "tcp", target)
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("dial of a name that resolves to loopback: err = %v, want RefusedError", err)
	}
	c, err := d.DialContext(WithPolicy(context.Background(), For("feeds.public.example", true)), "tcp", target)
	if err != nil {
		t.Fatalf("the stub resolver does not resolve (so the refusal above proves nothing): %v", err)
	}
	c.Close()
}

func TestControlRejectsUnparsableAddress(t *testing.T) {
	if err := Control(context.Background(), "tcp", "not-an-address:"+strconv.Itoa(80), nil); err == nil {
		t.Fatal("Control accepted a dial address that is not an IP")
	}
}
