package server

import (
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter caps the connections a server holds at once, so that clients,
// however many and however idle, cannot take it past a known amount of
// memory (see BenchmarkIdleConnections). At the cap, a new connection
// takes the place of one that idles between requests, which is closed, as
// a client expects a keep-alive connection may be; when none idles, the
// new one is answered 503 and closed.
type Limiter struct {
	max int
	// refusing holds a slot per connection being answered 503: a flood
	// beyond that is closed unanswered, costing nothing.
	refusing chan struct{}

	mu    sync.Mutex
	conns map[*limitedConn]struct{} // open connections
}

// NewLimiter returns a Limiter of max connections.
func NewLimiter(max int) *Limiter {
	return &Limiter{max: max, conns: make(map[*limitedConn]struct{}, max), refusing: make(chan struct{}, maxRefusing)}
}

// Listener returns ln limited to l's connections. The server must also
// have l.ConnState as its ConnState hook (see NewHTTP).
func (l *Limiter) Listener(ln net.Listener) net.Listener { return &limitListener{ln, l} }

// ConnState is the http.Server hook that tells l which connections idle.
// The fast path, whose connections net/http does not see until it hands
// them over, sets their idle flag itself.
func (l *Limiter) ConnState(c net.Conn, state http.ConnState) {
	lc := limitedOf(c)
	if lc == nil {
		return
	}
	switch state {
	case http.StateIdle:
		lc.idle.Store(true)
	case http.StateActive:
		lc.idle.Store(false)
	case http.StateHijacked, http.StateClosed:
		l.forget(lc)
	}
}

// limitedOf is the limited connection c is or carries, or nil.
func limitedOf(c net.Conn) *limitedConn {
	if h, ok := c.(*handedConn); ok {
		c = h.Conn
	}
	lc, _ := c.(*limitedConn)
	return lc
}

// admit registers c, closing an idle connection to make room if need be,
// or reports that there is none.
func (l *Limiter) admit(c net.Conn) (*limitedConn, bool) {
	l.mu.Lock()
	var idle *limitedConn
	if len(l.conns) >= l.max {
		for lc := range l.conns {
			if lc.idle.Load() {
				idle = lc
				break
			}
		}
		if idle == nil {
			l.mu.Unlock()
			return nil, false
		}
		delete(l.conns, idle)
	}
	lc := &limitedConn{Conn: c, l: l}
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	if idle != nil {
		idle.Conn.Close()
	}
	return lc, true
}

func (l *Limiter) forget(lc *limitedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, lc)
}

type limitListener struct {
	net.Listener
	l *Limiter
}

func (ll *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc, ok := ll.l.admit(c); ok {
			return lc, nil
		}
		select {
		case ll.l.refusing <- struct{}{}:
			go func() {
				refuse(c)
				<-ll.l.refusing
			}()
		default:
			c.Close()
		}
	}
}

type limitedConn struct {
	net.Conn
	l *Limiter
	// idle is set while the connection waits for its next request: an
	// atomic rather than state under l.mu, so that the fast path pays no
	// lock per request to keep it.
	idle atomic.Bool
}

func (c *limitedConn) Close() error {
	c.l.forget(c)
	return c.Conn.Close()
}

// busy is the whole answer to a connection beyond the limit.
const busy = "HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Retry-After: 5\r\n" +
	"Connection: close\r\n" +
	"Content-Length: 42\r\n" +
	"\r\n" +
	"server busy: too many connections at once\n"

// refuseTimeout bounds how long a refused connection may take: reading its
// request, answering and closing; maxRefusing how many are answered at
// once.
const (
	refuseTimeout = 2 * time.Second
	maxRefusing   = 64
)

// refuse answers 503 on a connection the server will not serve. The
// request is read first and the connection half-closed after, so that the
// client reads the answer rather than a reset.
func refuse(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(refuseTimeout))
	var buf [4 << 10]byte
	c.Read(buf[:])
	if _, err := io.WriteString(c, busy); err != nil {
		return
	}
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	}
	io.Copy(io.Discard, c)
}
