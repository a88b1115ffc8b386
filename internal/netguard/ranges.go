// Package netguard decides which addresses Syndicate may connect to on an
// upstream's behalf. A hostile feed (or a DNS answer that changed since the
// config was written) must not turn the poller or the WebSub hub against the
// network it runs in: a Redis, a metadata service, an admin page.
//
// The rule is applied to the address actually dialled (see Control), so a
// name that resolves to a public address when checked and to a private one
// when connected (DNS rebinding) gains nothing.
package netguard

import "net/netip"

// nonPublic lists every block of the IANA IPv4 and IPv6 Special-Purpose
// Address Registries that is not globally reachable, plus multicast, which
// is never a feed server. Blocks whose registry entry is "globally
// reachable" (AS112, AMT, 192.0.0.9/32 and similar anycast services) are
// left out only where they sit outside a larger non-public block.
//
// Translation prefixes that embed an IPv4 address (NAT64, 6to4, Teredo,
// IPv4-compatible) are refused whole: the address they lead to is not the
// one that was checked.
var nonPublic = prefixes(
	// IPv4
	"0.0.0.0/8",       // "this network"
	"10.0.0.0/8",      // private use
	"100.64.0.0/10",   // shared address space (carrier-grade NAT, cloud metadata)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link local
	"172.16.0.0/12",   // private use
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation (TEST-NET-1)
	"192.88.99.0/24",  // deprecated 6to4 relay anycast
	"192.168.0.0/16",  // private use
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation (TEST-NET-2)
	"203.0.113.0/24",  // documentation (TEST-NET-3)
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and the limited broadcast address
	// IPv6
	"::/96",          // unspecified, loopback and deprecated IPv4-compatible addresses
	"::ffff:0:0/96",  // IPv4-mapped (checked again unmapped, see Public)
	"64:ff9b::/96",   // IPv4/IPv6 translation (NAT64)
	"64:ff9b:1::/48", // local-use IPv4/IPv6 translation
	"100::/64",       // discard only
	"100:0:0:1::/64", // dummy prefix
	"2001::/23",      // IETF protocol assignments, Teredo included
	"2001:db8::/32",  // documentation
	"2002::/16",      // 6to4
	"3fff::/20",      // documentation
	"5f00::/16",      // segment routing SIDs
	"fc00::/7",       // unique local
	"fe80::/10",      // link local
	"fec0::/10",      // deprecated site local
	"ff00::/8",       // multicast
)

func prefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Public reports whether ip is a globally reachable unicast address.
func Public(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	// An IPv4-mapped address reaches the IPv4 address it carries.
	ip = ip.WithZone("").Unmap()
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
