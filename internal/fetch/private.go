package fetch

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// A hostile upstream must not turn the poller against the network it runs
// in: a redirect from a public feed to a loopback, private or link-local
// address (a Redis, a metadata service, an admin page) is refused. A
// source configured on such an address is the operator's choice and may
// redirect within it.

type originKey struct{}

// withOrigin records whether the configured URL's host is private, which
// decides where its redirects may lead.
func withOrigin(ctx context.Context, host string) context.Context {
	return context.WithValue(ctx, originKey{}, privateHost(ctx, host))
}

func originPrivate(ctx context.Context) bool {
	private, _ := ctx.Value(originKey{}).(bool)
	return private
}

// privateHost reports whether host is, or resolves to, an address that is
// not on the public internet. A name that does not resolve is not private:
// the request will fail on its own.
func privateHost(ctx context.Context, host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return privateAddr(ip)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if privateAddr(a) {
			return true
		}
	}
	return false
}

func privateAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) // carrier-grade NAT, used for cloud metadata too
}
