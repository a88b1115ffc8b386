package document

import (
	"os"

	"golang.org/x/sys/unix"
)

// memFile puts b in an in-memory file (memfd), or returns nil if the
// kernel cannot make one.
func memFile(b []byte) *os.File {
	fd, err := unix.MemfdCreate("document", unix.MFD_CLOEXEC)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "document")
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil
	}
	return f
}
