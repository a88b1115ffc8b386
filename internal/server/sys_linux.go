package server

import (
	"io"
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
// while it runs. make loadtest measures it: run it with
// -serve-flag=--fast-path=false for net/http's own reads and writes.

// rawRead reads once into p, waiting in the poller while nothing is
// there.
func rawRead(rc syscall.RawConn, p []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := rc.Read(func(fd uintptr) bool {
		r, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
		if e == unix.EAGAIN {
			return false
		}
		n, errno = int(r), e
		return true
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, errno
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// rawWrite writes head and then body with as few writev calls as the
// socket's buffer allows, waiting in the poller while it is full.
func rawWrite(rc syscall.RawConn, head, body []byte) error {
	var errno syscall.Errno
	err := rc.Write(func(fd uintptr) bool {
		for len(head)+len(body) > 0 {
			var iov [2]unix.Iovec
			n := 0
			for _, b := range [2][]byte{head, body} {
				if len(b) > 0 {
					iov[n].Base = unsafe.SliceData(b)
					iov[n].SetLen(len(b))
					n++
				}
			}
			r, _, e := unix.RawSyscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(n))
			if e == unix.EAGAIN {
				return false
			}
			if e != 0 {
				errno = e
				return true
			}
			written := int(r)
			if written < len(head) {
				head = head[written:]
				continue
			}
			body, head = body[written-len(head):], nil
		}
		return true
	})
	if err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}
