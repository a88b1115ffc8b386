package server

import (
	"io"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The fast path reads and writes its non-blocking socket with raw system
// calls, which do not tell the Go scheduler they are in the kernel. A
// plain syscall does (entersyscall), and the runtime's monitor thread
// then hands the processor to another thread whenever one lasts past its
// 20 µs tick, as writing a 70 KB feed to a loopback socket does: with
// GOMAXPROCS=1 on one core that meant about one thread switch every two
// responses and the monitor waking every 20 µs (13% of the core in perf).
// A non-blocking socket call never waits, so the processor is not idle
// while it runs; writes are cut into pieces of at most maxRawWrite so
// that none holds it long. Measured with make loadtest -compare
// ordinary-calls, the raw calls spent 15 to 25% less CPU per response:
// 29.8 against 38.9 µs on the 70 KB latest feed, 16.2 against 21.5 µs on
// a 304. Measured again on a busier machine: 10.6 against 14.1 µs on a
// 304, 21.3 against 29.7 on the gzip copy, 25.6 against 26.6 on the feed
// itself and 20.1 against 18.6 (a loss, within the noise) on the brotli
// copy.

// maxRawWrite bounds the bytes one raw write hands the kernel, and so the
// time it keeps the goroutine from being preempted: about 20 µs of
// copying.
const maxRawWrite = 256 << 10

// rawIO does one connection's raw reads and writes. Its callbacks are
// made once per connection: a closure passed to syscall.RawConn escapes,
// and a fresh one per call would cost allocations on every request.
type rawIO struct {
	rc              syscall.RawConn
	ordinary        bool // ordinary calls, not raw ones: the baseline
	readFn, writeFn func(fd uintptr) bool

	p          []byte // read into
	n          int
	head, body []byte // left to write
	errno      syscall.Errno

	sendFn    func(fd uintptr) bool
	file      int // sent from, at off, until size
	off, size int64
}

func newRawIO(rc syscall.RawConn, ordinary bool) *rawIO {
	r := &rawIO{rc: rc, ordinary: ordinary}
	r.readFn, r.writeFn, r.sendFn = r.read, r.write, r.send
	return r
}

// Read reads once into p, waiting in the poller while nothing is there.
func (r *rawIO) Read(p []byte) (int, error) {
	r.p, r.n, r.errno = p, 0, 0
	err := r.rc.Read(r.readFn)
	r.p = nil
	switch {
	case err != nil:
		return 0, err
	case r.errno != 0:
		return 0, r.errno
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// Each call site branches on ordinary, since a pointer passed as uintptr
// is kept alive only in a direct call of the assembly function.

func (r *rawIO) read(fd uintptr) bool {
	var n uintptr
	var e syscall.Errno
	if r.ordinary {
		n, _, e = unix.Syscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(r.p))), uintptr(len(r.p)))
	} else {
		n, _, e = unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(r.p))), uintptr(len(r.p)))
	}
	if e == unix.EAGAIN {
		return false
	}
	r.n, r.errno = int(n), e
	return true
}

// Write writes head and then body with as few writev calls as the
// socket's buffer allows, waiting in the poller while it is full.
func (r *rawIO) Write(head, body []byte) error {
	r.head, r.body, r.errno = head, body, 0
	err := r.rc.Write(r.writeFn)
	r.head, r.body = nil, nil
	if err != nil {
		return err
	}
	if r.errno != 0 {
		return r.errno
	}
	return nil
}

func (r *rawIO) write(fd uintptr) bool {
	for len(r.head)+len(r.body) > 0 {
		var iov [2]unix.Iovec
		n, room := 0, maxRawWrite
		for _, b := range [2][]byte{r.head, r.body} {
			if len(b) > 0 && room > 0 {
				iov[n].Base = unsafe.SliceData(b)
				iov[n].SetLen(min(len(b), room))
				room -= min(len(b), room)
				n++
			}
		}
		var w uintptr
		var e syscall.Errno
		if r.ordinary {
			w, _, e = unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(n))
		} else {
			w, _, e = unix.RawSyscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(n))
		}
		if e == unix.EAGAIN {
			return false
		}
		if e != 0 {
			r.errno = e
			return true
		}
		written := int(w)
		if written < len(r.head) {
			r.head = r.head[written:]
			continue
		}
		r.body, r.head = r.body[written-len(r.head):], nil
	}
	return true
}

// SendFile writes head, then the first size bytes of f, with the header
// sent as MSG_MORE so that it leaves in the same segment as the body's
// start.
func (r *rawIO) SendFile(head []byte, f *os.File, size int) error {
	r.head, r.errno, r.file, r.off, r.size = head, 0, int(f.Fd()), 0, int64(size)
	err := r.rc.Write(r.sendFn)
	runtime.KeepAlive(f) // its descriptor must stay open until here
	r.head = nil
	if err != nil {
		return err
	}
	if r.errno != 0 {
		return r.errno
	}
	return nil
}

func (r *rawIO) send(fd uintptr) bool {
	for len(r.head) > 0 {
		w, _, e := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(unsafe.SliceData(r.head))), uintptr(len(r.head)), unix.MSG_MORE, 0, 0)
		if e == unix.EAGAIN {
			return false
		}
		if e != 0 {
			r.errno = e
			return true
		}
		r.head = r.head[w:]
	}
	for r.off < r.size {
		// sendfile advances r.off itself.
		_, _, e := unix.RawSyscall6(unix.SYS_SENDFILE, fd, uintptr(r.file), uintptr(unsafe.Pointer(&r.off)), uintptr(min(r.size-r.off, maxRawWrite)), 0, 0)
		if e == unix.EAGAIN {
			return false
		}
		if e != 0 {
			r.errno = e
			return true
		}
	}
	return true
}
