//go:build !linux

package server

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// Elsewhere than Linux the fast path uses the ordinary calls; the raw
// ones and the reason for them are in sys_linux.go.

func (r *rawIO) SendFile([]byte, *os.File, int) error { return errors.ErrUnsupported }

type rawIO struct{ rc syscall.RawConn }

func newRawIO(rc syscall.RawConn, _ bool) *rawIO { return &rawIO{rc} }

func (r *rawIO) Read(p []byte) (int, error) {
	var n int
	var rerr error
	err := r.rc.Read(func(fd uintptr) bool {
		n, rerr = syscall.Read(int(fd), p)
		return rerr != syscall.EAGAIN
	})
	switch {
	case err != nil:
		return 0, err
	case rerr != nil:
		return 0, rerr
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *rawIO) Write(head, body []byte) error {
	var werr error
	err := r.rc.Write(func(fd uintptr) bool {
		for _, b := range []*[]byte{&head, &body} {
			for len(*b) > 0 {
				n, e := syscall.Write(int(fd), *b)
				if e == syscall.EAGAIN {
					return false
				}
				if e != nil {
					werr = e
					return true
				}
				*b = (*b)[n:]
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	return werr
}
