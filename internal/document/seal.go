package document

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
)

// Part names one of a document's bytes: its body or a compressed copy.
type Part int

const (
	PartBody Part = iota
	PartGzip
	PartBrotli
	numParts
)

// FileMin is the size from which Seal moves a part into an in-memory
// file. The server's fast path sends such parts with sendfile from that
// file, which from this size costs less than copying them with writev;
// below it a part stays on the heap.
//
// Measured with make loadtest -compare no-sendfile, on a machine busy with
// other builds: from 32 KB on, the CPU per response of the 163 KB section
// feed fell by a quarter to a half (34 against 66 µs), the 35 KB gzip and
// 23 KB brotli copies of the latest feed cost more (28.2 against 23.0,
// 22.4 against 19.3 µs). On an idle machine (-rounds 3 -duration 5s), at
// 64 KB: the 70 KB latest feed 17.9 against 20.6 µs, the 70 KB gzip copy
// of the section feed 19.0 against 21.8, the 163 KB feed 27.7 against
// 42.0; with writev below 128 KB the two 70 KB bodies had 0.91x and 0.76x
// nginx's requests per second, with sendfile 1.17x and 0.95x. Later, on
// another idle machine, at 16 KB (-only gzip, then -only br, -rounds 3
// -compare no-sendfile): the 35 KB gzip and 25 KB brotli copies of the
// latest feed had 0.99x and 1.02x nginx's requests per second with
// sendfile, 0.77x and 0.84x with writev, for the same CPU per response
// (12.8 against 12.4 µs, 12.9 against 12.0): with writev the server's
// core sat idle a fifth of the time, waiting on the socket. The 42 KB
// brotli copy of the section feed: 0.95x against 0.85x.
const FileMin = 16 << 10

// A document's parts are made on the heap by a render and, once sealed,
// live in in-memory files only: the server sends them from there with
// sendfile, the render reads back the fragments it reuses, and nothing
// keeps a heap copy beside the file. Before, each large part was held
// twice, on the heap and in the file the server made for sendfile, and
// the heap copies of the served documents and of those a publish was
// rendering were a third of an instance's live heap at the top of a
// refresh (make cyclebench -pprof). What it costs: an edit's re-render of
// a 50-item section takes 1.15x to 1.18x as long, sealing included
// (BenchmarkTricks/edit/sealed in internal/render).

// sealed holds the files of a sealed document's parts; a part left on the
// heap has none. Copies of the Document share it, and the files close
// when the last copy is collected.
type sealed struct {
	files [numParts]*os.File
	sizes [numParts]int
}

var fileBytes atomic.Int64

// FileBytes is the size of every part held in an in-memory file now.
func FileBytes() int64 { return fileBytes.Load() }

func (d *Document) part(p Part) *[]byte {
	switch p {
	case PartGzip:
		return &d.Gzip
	case PartBrotli:
		return &d.Brotli
	}
	return &d.Body
}

// Seal returns d with every part of at least FileMin bytes moved into an
// in-memory file, and that part's field nil: Len, File and Read give it.
// Where the system has no in-memory files, or making one fails, a part
// stays where it is. Sealing a sealed document changes nothing.
func (d Document) Seal() Document {
	if d.sealed != nil {
		return d
	}
	s := &sealed{}
	var total int64
	for p := range numParts {
		b := d.part(p)
		if len(*b) < FileMin {
			continue
		}
		f := memFile(*b)
		if f == nil {
			continue
		}
		s.files[p], s.sizes[p] = f, len(*b)
		total += int64(len(*b))
		*b = nil
	}
	if total == 0 {
		return d
	}
	d.sealed = s
	fileBytes.Add(total)
	runtime.AddCleanup(s, func(n int64) { fileBytes.Add(-n) }, total)
	return d
}

// Heap is part p where it is on the heap: nil when it was sealed into a
// file (see File) or never made.
func (d Document) Heap(p Part) []byte { return *d.part(p) }

// Len is the size of part p.
func (d Document) Len(p Part) int {
	if f := d.File(p); f != nil {
		return d.sealed.sizes[p]
	}
	return len(d.Heap(p))
}

// File is the in-memory file holding part p, or nil where p is on the
// heap. Its descriptor stays open while the Document, or any copy of it,
// is reachable.
func (d Document) File(p Part) *os.File {
	if d.sealed == nil {
		return nil
	}
	return d.sealed.files[p]
}

// Read returns the bytes of part p: the field itself where p is on the
// heap, else a copy read from its file.
func (d Document) Read(p Part) ([]byte, error) {
	if d.File(p) == nil {
		return d.Heap(p), nil
	}
	return d.Slice(p, 0, d.Len(p))
}

// Slice returns n bytes of part p from off: a view of the field where p
// is on the heap, else a copy read from its file.
func (d Document) Slice(p Part, off, n int) ([]byte, error) {
	f := d.File(p)
	if f == nil {
		return d.Heap(p)[off : off+n : off+n], nil
	}
	b := make([]byte, n)
	_, err := f.ReadAt(b, int64(off))
	runtime.KeepAlive(d.sealed) // its files stay open until here
	if err != nil && !(err == io.EOF && off+n == d.sealed.sizes[p]) {
		return nil, fmt.Errorf("document: reading a sealed part: %w", err)
	}
	return b, nil
}

// Opened returns d with every part on the heap, read back from its file
// where Seal moved it: for whoever needs the bytes themselves, tests
// among them.
func (d Document) Opened() (Document, error) {
	if d.sealed == nil {
		return d, nil
	}
	for p := range numParts {
		b, err := d.Read(p)
		if err != nil {
			return Document{}, err
		}
		*d.part(p) = b
	}
	d.sealed = nil
	return d, nil
}

// Superseded is the size of the in-memory files the documents of old
// hold and no document of current shares: what replacing old with
// current leaves for the collector to close.
func Superseded(old, current map[string]Document) int64 {
	held := make(map[*sealed]bool, len(current))
	for _, d := range current {
		if d.sealed != nil {
			held[d.sealed] = true
		}
	}
	var n int64
	for _, d := range old {
		if s := d.sealed; s != nil && !held[s] {
			held[s] = true // copies of one document count once
			for _, size := range s.sizes {
				n += int64(size)
			}
		}
	}
	return n
}
