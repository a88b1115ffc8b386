// Package document defines a rendered feed or page as it is stored and
// served. It sits below both the store, which keeps documents, and render,
// which makes them, so that neither imports the other for the type.
package document

import "time"

// Document is one rendered feed or page, ready to serve.
type Document struct {
	// Body and its compressed copies; a part Seal moved into a file is
	// nil here (see Len, File and Read).
	Body         []byte
	Gzip         []byte // gzip copy of Body, made once per render
	Brotli       []byte // brotli copy of Body, made once per render; nil when none was made
	ETag         string // strong, quoted: hash of Body
	LastModified time.Time
	ContentType  string
	RenderedAt   time.Time
	// Input identifies what the document was rendered from, so that an
	// instance of a fleet holding the same input can take the stored
	// bytes instead of rendering them again.
	Input string

	// sealed holds the parts Seal moved into in-memory files; nil while
	// every part is on the heap.
	sealed *sealed
}
