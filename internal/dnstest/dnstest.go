// Package dnstest is a DNS server for tests: it answers on loopback with
// the address a test chooses, so that a public-looking name can resolve to
// a loopback or private address without touching the real DNS.
package dnstest

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// Serve answers every A query with answer, and every other query with no
// records, over UDP on loopback until the test ends. It returns the
// server's address.
func Serve(t testing.TB, answer netip.Addr) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if msg, ok := reply(buf[:n], answer); ok {
				pc.WriteTo(msg, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}

func reply(query []byte, answer netip.Addr) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	if q.Type == dnsmessage.TypeA {
		b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}, dnsmessage.AResource{A: answer.As4()})
	}
	msg, err := b.Finish()
	return msg, err == nil
}

// Resolver is a resolver that asks only a server started by Serve with
// answer: every name resolves to answer.
func Resolver(t testing.TB, answer netip.Addr) *net.Resolver {
	t.Helper()
	addr := Serve(t, answer)
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "udp", addr)
		},
	}
}
