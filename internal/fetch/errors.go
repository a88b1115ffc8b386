package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"syndicate/internal/netguard"
)

// Error is why a fetch failed, as operators see it: "class: message". The
// class lets a health page and alerts group failures without parsing
// messages; it is one of timeout, dns, connect, blocked (an address the
// source's network policy forbids), tls, network, http, too_large,
// redirects and encoding (of the transfer, not the charset).
type Error struct {
	Class string
	Msg   string

	Status     int           // the HTTP status, for class http
	RetryAfter time.Duration // what the server asked for with Retry-After, if anything
}

func (e *Error) Error() string { return e.Class + ": " + e.Msg }

func failf(class, format string, args ...any) *Error {
	return &Error{Class: class, Msg: fmt.Sprintf(format, args...)}
}

// classify turns whatever the HTTP client returned into an *Error.
func (c *Client) classify(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	var refused *netguard.RefusedError
	if errors.As(err, &refused) {
		return failf("blocked", "%s is not a public address; set allow_private on the source to allow it", refused.Addr)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return failf("timeout", "no response within %v", c.timeout)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return failf("dns", "no such host %s", dns.Name)
		}
		return failf("dns", "lookup %s: %s", dns.Name, dns.Err)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		if op.Timeout() {
			return failf("connect", "no connection within %v", c.connect)
		}
		// The syscall's own name ("connect: …") would repeat the class.
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			return failf("connect", "%v", sys.Err)
		}
		return failf("connect", "%v", op.Err)
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &recErr) {
		return failf("tls", "%v", unwrapURL(err))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return failf("timeout", "no response within %v", c.timeout)
	}
	return failf("network", "%v", unwrapURL(err))
}

// unwrapURL drops net/url's `Get "…":` prefix: the URL may carry
// credentials, and the caller knows which URL it asked for.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
