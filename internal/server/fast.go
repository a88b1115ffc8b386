package server

import (
	"cmp"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The fast path answers GET and HEAD requests for documents straight from
// the connection, without net/http: per request net/http allocates the
// request and its header map, starts a goroutine to watch the connection
// while the handler runs, and writes headers and body in two calls.
// Measured with make loadtest -compare off (the server's CPU time per
// response, which a busy machine disturbs far less than requests per
// second), net/http alone spent 64.8 µs on the 70 KB latest feed and
// 36.0 µs on a 304, the fast path 29.8 and 16.2 µs, nginx 27.9 and 14.5.
// Again after the security and archive work (-only latest, 3 rounds on a
// machine busy with other builds): net/http 52.0, 42.5, 48.6 and 30.5 µs
// for identity, gzip, br and 304, the fast path 25.6, 21.3, 20.1 and
// 10.6, nginx 28.8, 16.0, 17.2 and 11.1.
//
// A connection starts on the fast path and stays there while its requests
// are plain document requests (see parseHead) for documents the server
// has, prepared or rendered on demand (see lookupBytes). At the first
// request that is anything else, the connection, with the bytes already
// read, is handed to net/http through Accept, and stays there: routes,
// errors, redirects, request bodies, partners' requests and malformed
// input are all net/http's. What the fast path answers, it answers with
// the bytes net/http would send (the headers come from entry.setHeaders
// for both), within the same timeouts and the same connection limit.

// headBufSize bounds a request head the fast path reads; a longer one
// (large cookies, say) is handed to net/http, which allows more.
const headBufSize = 4096

// Listener is the net.Listener an http.Server serving s is given, so that
// document requests skip net/http. Shut it down with Shutdown as well as
// the http.Server's, which does not know the fast path's connections.
type Listener struct {
	// OrdinaryCalls, set before the first Accept, makes the fast path
	// read and write with ordinary system calls instead of raw ones
	// (sys_linux.go says why it does not): the baseline for measuring.
	OrdinaryCalls bool
	// NoSendfile, set before the first Accept, makes the fast path write
	// every body with writev, even the large ones it would send with
	// sendfile (see document.FileMin): the baseline for measuring that.
	NoSendfile bool

	ln                                       net.Listener
	s                                        *Server
	idleTimeout, headerTimeout, writeTimeout time.Duration

	dates   dateCache
	start   sync.Once
	handoff chan net.Conn
	errs    chan error
	closed  chan struct{}
	close   sync.Once

	mu       sync.Mutex
	shutting atomic.Bool
	conns    map[*net.TCPConn]struct{}
	wg       sync.WaitGroup
}

// Listener wraps ln for hs, whose Handler must be s. It takes hs's idle,
// header and write timeouts, as net/http applies them. ln may be a
// Limiter's listener, whose limit then covers the fast path's connections
// as well as net/http's (hs must have the Limiter's ConnState hook).
func (s *Server) Listener(ln net.Listener, hs *http.Server) *Listener {
	l := &Listener{
		ln:            ln,
		s:             s,
		idleTimeout:   hs.IdleTimeout,
		headerTimeout: hs.ReadHeaderTimeout,
		writeTimeout:  hs.WriteTimeout,
		handoff:       make(chan net.Conn),
		errs:          make(chan error),
		closed:        make(chan struct{}),
		conns:         map[*net.TCPConn]struct{}{},
	}
	if l.idleTimeout == 0 {
		l.idleTimeout = hs.ReadTimeout
	}
	if l.headerTimeout == 0 {
		l.headerTimeout = hs.ReadTimeout
	}
	return l
}

// Accept returns the next connection net/http is to serve: one handed
// over by the fast path, or, at debug level where every request is
// logged by ServeHTTP, every connection.
func (l *Listener) Accept() (net.Conn, error) {
	l.start.Do(func() { go l.acceptLoop() })
	select {
	case c := <-l.handoff:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *Listener) acceptLoop() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			// net/http decides whether to retry; this waits for it to.
			select {
			case l.errs <- err:
				continue
			case <-l.closed:
				return
			}
		}
		lc := limitedOf(c)
		var tc *net.TCPConn
		if lc != nil {
			tc, _ = lc.Conn.(*net.TCPConn)
		} else {
			tc, _ = c.(*net.TCPConn)
		}
		if tc == nil || l.s.logRequests {
			l.handOff(c, nil)
			continue
		}
		go l.serveConn(c, tc, lc)
	}
}

// Close stops accepting; connections on the fast path are left to
// Shutdown.
func (l *Listener) Close() error {
	var err error
	l.close.Do(func() {
		close(l.closed)
		err = l.ln.Close()
	})
	return err
}

// Addr is the listening address.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Shutdown stops accepting and ends the fast path's connections as
// net/http ends its own: idle ones at once, busy ones after the response
// they are writing. It returns when all have ended or ctx is done.
func (l *Listener) Shutdown(ctx context.Context) error {
	// The listener closes first: a client that sees its idle connection
	// end must not then get a new one accepted.
	l.Close()
	l.mu.Lock()
	l.shutting.Store(true)
	for c := range l.conns {
		// Wakes a connection waiting for a request; one that is
		// answering sees shutting when it is done.
		c.SetReadDeadline(time.Unix(1, 0))
	}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// handedConn is a connection given to net/http with the bytes the fast
// path had already read from it.
type handedConn struct {
	net.Conn
	buffered []byte
}

func (c *handedConn) Read(p []byte) (int, error) {
	if len(c.buffered) > 0 {
		n := copy(p, c.buffered)
		c.buffered = c.buffered[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func (l *Listener) handOff(c net.Conn, buffered []byte) {
	if len(buffered) > 0 {
		c = &handedConn{Conn: c, buffered: buffered}
	}
	select {
	case l.handoff <- c:
	case <-l.closed:
		c.Close()
	}
}

// serveConn serves c, whose TCP connection is tc, on the fast path; lc is
// c's place in the connection limit, nil without one.
func (l *Listener) serveConn(c net.Conn, tc *net.TCPConn, lc *limitedConn) {
	l.mu.Lock()
	if l.shutting.Load() {
		l.mu.Unlock()
		c.Close()
		return
	}
	l.conns[tc] = struct{}{}
	l.wg.Add(1)
	l.mu.Unlock()
	handed := false
	defer func() {
		l.mu.Lock()
		delete(l.conns, tc)
		l.mu.Unlock()
		if !handed {
			c.Close()
		}
		l.wg.Done()
	}()

	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	// The client's address for the counting hook, made once per
	// connection: RemoteAddr().String() allocates.
	var remote string
	if l.s.opts.Observer != nil {
		remote = c.RemoteAddr().String()
	}
	raw := newRawIO(rc, l.OrdinaryCalls)
	buf := make([]byte, headBufSize)
	out := make([]byte, 0, 512)
	n := 0 // bytes buffered: a partial head, or requests sent ahead (pipelining)
	dl := connDeadlines{tc: tc}
	for requests := 0; ; requests++ {
		end, lfOnly := headEnd(buf[:n])
		// As net/http: the first request's head must come within the
		// header timeout; a later one may take the idle timeout to start
		// and the header timeout from its first byte on.
		if end < 0 {
			if requests == 0 || n > 0 {
				dl.setRead(time.Now(), l.headerTimeout)
			} else {
				dl.setRead(time.Now(), l.idleTimeout)
				// Between requests the connection idles: the limit may
				// close it to make room, as it closes net/http's.
				if lc != nil {
					lc.idle.Store(true)
				}
			}
		}
		for end < 0 && n < len(buf) {
			if n == 0 && l.shutting.Load() {
				return
			}
			m, err := raw.Read(buf[n:])
			if err == io.EOF && n > 0 {
				break // net/http answers a request cut short with 400
			}
			if err != nil {
				return
			}
			if n == 0 && lc != nil {
				lc.idle.Store(false)
			}
			n += m
			end, lfOnly = headEnd(buf[:n])
			if end < 0 && !maybeFast(buf[:n]) {
				break // not a GET or HEAD: no need to wait for the rest
			}
			if end < 0 && n == m && requests > 0 {
				dl.setRead(time.Now(), l.headerTimeout)
			}
		}
		var e *entry
		req, ok := parseHead(buf[:max(end, 0)])
		if ok && !lfOnly {
			e = l.s.lookupBytes(req.path)
		}
		if e == nil {
			tc.SetDeadline(time.Time{}) // net/http sets its own
			handed = true
			l.handOff(c, buf[:n])
			return
		}
		now := time.Now()
		// As net/http, whose deadline for writing a response starts once
		// its request is read; a large document extends it (see serve).
		dl.setWrite(now, cmp.Or(e.writeDeadline, l.writeTimeout))
		var rep *representation
		var status int
		out, rep, status = l.response(out[:0], e, &req, now)
		size := 0
		switch {
		case rep == nil:
			err = raw.Write(out, nil)
		case rep.file != nil && !l.NoSendfile:
			size, err = rep.size, raw.SendFile(out, rep.file, rep.size)
		default:
			body := rep.inMemory(e.doc)
			size, err = len(body), raw.Write(out, body)
		}
		if err != nil {
			return
		}
		if e.audience != "" && l.s.opts.Observer != nil {
			// The strings view the connection's buffer: the hook copies
			// what it keeps.
			l.s.opts.Observer.Observe(Hit{Path: byteString(req.path), Doc: e.id, Section: e.audience, Status: status, Bytes: size,
				UserAgent: byteString(req.userAgent), Remote: remote})
		}
		n = copy(buf, buf[end:n])
		if l.shutting.Load() {
			return
		}
		// A connection does not yield (runtime.Gosched) before reading
		// its next request, though that saved a read that finds nothing
		// (1.98 reads per 304 fell to 1.49 in perf stat): with one P, a
		// goroutine that yields waits on the global run queue, which the
		// scheduler visits once in 61 turns while connections woken by
		// the network poller run first. On an idle machine the p99 of
		// make loadtest was 5 to 27x nginx's with the yield, 1.0 to 2.5x
		// without it (-rounds 2 -duration 5s -compare no-yield, every
		// case, on the build that still had that mode), for 0.7 to 1.3x
		// its requests per second either way.
	}
}

// maybeFast reports whether b could be the start of a GET or HEAD.
func maybeFast(b []byte) bool {
	for _, method := range [...]string{"GET ", "HEAD "} {
		if len(b) >= len(method) && string(b[:len(method)]) == method || len(b) < len(method) && string(b) == method[:len(b)] {
			return true
		}
	}
	return false
}

// response appends the status line and headers of the answer to req to
// out, and returns them with the representation whose body follows them
// (nil for none) and the status.
func (l *Listener) response(out []byte, e *entry, req *fastRequest, now time.Time) (head []byte, body *representation, status int) {
	rep, notModified := e.negotiate(byteString(req.acceptEncoding), byteString(req.ifNoneMatch), byteString(req.ifModifiedSince))
	status = http.StatusOK
	switch {
	case notModified:
		out, status = append(out, rep.wire304...), http.StatusNotModified
	case req.head:
		out = append(out, rep.wire200...)
	default:
		out, body = append(out, rep.wire200...), rep
	}
	if l.shutting.Load() {
		out = append(out, "Connection: close\r\n"...)
	}
	out = append(out, "Date: "...)
	out = l.dates.appendDate(out, now)
	return append(out, "\r\n\r\n"...), body, status
}

// byteString views b as a string without copying, for the negotiation
// functions net/http's path shares; the string is used only while the
// request's bytes stay in the buffer.
func byteString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
