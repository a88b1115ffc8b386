package document

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// filled is n bytes from c on, varied so that a slice read from the
// wrong place shows.
func filled(n int, c byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c + byte(i%26)
	}
	return b
}

func TestSeal(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("in-memory files are made on Linux only")
	}
	doc := Document{Body: filled(FileMin+5, 'b'), Gzip: filled(FileMin-1, 'g'), Brotli: filled(FileMin, 'r'), ETag: `"x"`}
	before := FileBytes()
	sealed := doc.Seal()

	for _, tt := range []struct {
		name  string
		part  Part
		want  []byte
		moved bool
	}{
		{"body at least FileMin", PartBody, doc.Body, true},
		{"gzip copy under FileMin", PartGzip, doc.Gzip, false},
		{"brotli copy of exactly FileMin", PartBrotli, doc.Brotli, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := sealed.File(tt.part) != nil; got != tt.moved {
				t.Fatalf("in a file: %v, want %v", got, tt.moved)
			}
			if field := *sealed.part(tt.part); tt.moved && field != nil || !tt.moved && !bytes.Equal(field, tt.want) {
				t.Errorf("field holds %d bytes after Seal", len(field))
			}
			if sealed.Len(tt.part) != len(tt.want) {
				t.Errorf("Len = %d, want %d", sealed.Len(tt.part), len(tt.want))
			}
			got, err := sealed.Read(tt.part)
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("Read = %d bytes, %v; want the %d bytes sealed", len(got), err, len(tt.want))
			}
			for _, span := range [][2]int{{3, 10}, {len(tt.want) - 7, 7}} {
				got, err := sealed.Slice(tt.part, span[0], span[1])
				if want := tt.want[span[0] : span[0]+span[1]]; err != nil || !bytes.Equal(got, want) {
					t.Errorf("Slice(%d, %d) = %q, %v; want %q", span[0], span[1], got, err, want)
				}
			}
		})
	}
	if got := FileBytes() - before; got != int64(len(doc.Body)+len(doc.Brotli)) {
		t.Errorf("FileBytes grew by %d, want %d", got, len(doc.Body)+len(doc.Brotli))
	}
	if again := sealed.Seal(); again.sealed != sealed.sealed || FileBytes()-before != int64(len(doc.Body)+len(doc.Brotli)) {
		t.Error("sealing a sealed document made new files")
	}
	opened, err := sealed.Opened()
	if err != nil || !bytes.Equal(opened.Body, doc.Body) || !bytes.Equal(opened.Gzip, doc.Gzip) || !bytes.Equal(opened.Brotli, doc.Brotli) || opened.ETag != doc.ETag || opened.File(PartBody) != nil {
		t.Errorf("Opened: %v, parts of %d, %d, %d bytes", err, len(opened.Body), len(opened.Gzip), len(opened.Brotli))
	}
}

func TestSealSmallDocumentStaysOnHeap(t *testing.T) {
	doc := Document{Body: filled(100, 'b'), Gzip: filled(50, 'g')}
	sealed := doc.Seal()
	if sealed.sealed != nil || !bytes.Equal(sealed.Body, doc.Body) || sealed.Len(PartBrotli) != 0 {
		t.Errorf("a document under FileMin was sealed: %+v", sealed)
	}
}

// The files of a document nothing refers to any more are closed, and no
// longer counted.
func TestSealedFilesGoWithTheDocument(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("in-memory files are made on Linux only")
	}
	before := FileBytes()
	func() {
		doc := Document{Body: filled(4*FileMin, 'b')}.Seal()
		if doc.File(PartBody) == nil || FileBytes()-before != int64(4*FileMin) {
			t.Fatalf("FileBytes grew by %d, want %d", FileBytes()-before, 4*FileMin)
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for FileBytes() > before { // earlier tests' documents may go too
		if time.Now().After(deadline) {
			t.Fatalf("FileBytes still %d over %d after the document was collected", FileBytes()-before, before)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSuperseded(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("in-memory files are made on Linux only")
	}
	kept := Document{Body: filled(FileMin, 'k')}.Seal()
	replaced := Document{Body: filled(FileMin+1, 'r'), Gzip: filled(FileMin+2, 'g')}.Seal()
	dropped := Document{Body: filled(FileMin+3, 'd')}.Seal()
	onHeap := Document{Body: filled(10, 'h')}.Seal()
	newer := Document{Body: filled(FileMin+4, 'n')}.Seal()
	old := map[string]Document{"/kept": kept, "/replaced": replaced, "/dropped": dropped, "/heap": onHeap, "/copy": dropped}
	current := map[string]Document{"/kept": kept, "/replaced": newer, "/heap": onHeap, "/moved": kept}
	want := int64(2*FileMin+3) + int64(FileMin+3) // replaced's two parts, and dropped once though held twice
	if got := Superseded(old, current); got != want {
		t.Errorf("Superseded = %d, want %d", got, want)
	}
	if got := Superseded(current, current); got != 0 {
		t.Errorf("Superseded of a map by itself = %d, want 0", got)
	}
}
