package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// pollError is why a poll failed, as operators see it in last_error: one
// line, "class: message". The class lets the health page and alerts group
// failures without parsing messages.
type pollError struct {
	class string // timeout, dns, connect, tls, network, http, too_large, redirects, encoding, parse, store
	msg   string

	status     int           // HTTP status, for class http
	retryAfter time.Duration // what the server asked for with Retry-After, if anything
}

func (e *pollError) Error() string { return e.class + ": " + e.msg }

func failf(class, format string, args ...any) *pollError {
	return &pollError{class: class, msg: oneLine(fmt.Sprintf(format, args...))}
}

// oneLine keeps a message on one line and short enough for a status page.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// classify turns whatever the HTTP client returned into a pollError.
// timeout and connectTimeout are the configured bounds, named in messages.
func classify(err error, timeout, connectTimeout time.Duration) *pollError {
	var pe *pollError
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return failf("timeout", "no response within %v", timeout)
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
			return failf("connect", "no connection within %v", connectTimeout)
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
		return failf("timeout", "no response within %v", timeout)
	}
	return failf("network", "%v", unwrapURL(err))
}

// unwrapURL drops net/url's `Get "…":` prefix: the URL is logged beside
// the error, and last_error should stay short.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
