package netguard

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// Policy is where one fetch may connect. The zero Policy allows public
// addresses only.
type Policy struct {
	// AllowPrivate lets the fetch reach any address ([fetch]
	// allow_private, or allow_private on the source).
	AllowPrivate bool
	// Pinned are addresses the operator named explicitly: the source's
	// URL is an IP literal or localhost. They are allowed whatever their
	// kind, so a loopback or intranet source configured as such works, and
	// its redirects may stay on that same host.
	Pinned []netip.Addr
}

// For returns the policy of a source whose configured URL has host and
// whose configuration allows private addresses or not.
func For(host string, allowPrivate bool) Policy {
	p := Policy{AllowPrivate: allowPrivate}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		p.Pinned = []netip.Addr{netip.IPv6Loopback(), netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	} else if ip, err := netip.ParseAddr(host); err == nil {
		p.Pinned = []netip.Addr{ip.WithZone("").Unmap()}
	}
	return p
}

// Allows reports whether the policy lets a connection reach ip.
func (p Policy) Allows(ip netip.Addr) bool {
	if p.AllowPrivate || Public(ip) {
		return true
	}
	ip = ip.WithZone("").Unmap()
	for _, pinned := range p.Pinned {
		if ip == pinned {
			return true
		}
	}
	return false
}

type policyKey struct{}

// WithPolicy attaches p to ctx; Control enforces it for every connection
// dialled under ctx, redirects included.
func WithPolicy(ctx context.Context, p Policy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

// PolicyFrom returns the policy attached to ctx, or the zero (public only)
// policy: a connection made without one is treated as on a public
// source's behalf.
func PolicyFrom(ctx context.Context) Policy {
	p, _ := ctx.Value(policyKey{}).(Policy)
	return p
}

// RefusedError is returned when a connection would reach an address that
// the fetch's policy does not allow.
type RefusedError struct{ Addr netip.Addr }

func (e *RefusedError) Error() string {
	return fmt.Sprintf("netguard: refused to connect to non-public address %s", e.Addr)
}

// Control is a net.Dialer ControlContext: it runs after name resolution,
// on the address about to be connected, so the check cannot be raced by a
// second DNS answer.
func Control(ctx context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: unparsable dial address %q: %w", address, err)
	}
	if !PolicyFrom(ctx).Allows(ap.Addr()) {
		return &RefusedError{Addr: ap.Addr()}
	}
	return nil
}

// Dialer returns a net.Dialer that enforces the policy attached to each
// dial's context.
func Dialer(base net.Dialer) *net.Dialer {
	base.ControlContext = Control
	return &base
}
