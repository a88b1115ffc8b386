package parse

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/net/html/charset"

	"syndicate/internal/feedtest"
)

// reference measures body with encoding/xml's own tokenizer, set up as
// gofeed sets it up: the count xmlScan must never fall below.
func reference(body []byte) (nodes, maxDepth int) {
	d := xml.NewDecoder(controlFree{bytes.NewReader(body)})
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	depth := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return nodes, maxDepth
		}
		switch t := tok.(type) {
		case xml.StartElement:
			nodes += 1 + len(t.Attr)
			depth++
			maxDepth = max(maxDepth, depth)
		case xml.EndElement:
			depth = max(depth-1, 0)
		}
	}
}

// controlFree drops control characters from a stream, as gofeed's reader
// does before its tokenizer.
type controlFree struct{ r io.Reader }

func (c controlFree) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		w := 0
		for _, b := range p[:n] {
			if !isControl(rune(b)) {
				p[w] = b
				w++
			}
		}
		if w > 0 || err != nil {
			return w, err
		}
	}
}

func scan(body []byte) xmlScan {
	s := xmlScan{b: withoutControls(body), limit: math.MaxInt}
	s.run()
	return s
}

// tricky holds the constructs where a scanner could part ways with
// encoding/xml: what is text to one must be text to the other.
var tricky = map[string]string{
	"attributes":                   `<a x="1" y='2' z=3 w u=><b c="/>"/></a>`,
	"quote in other quotes":        `<a x="it's" y='say "hi"'><b/></a>`,
	"lt in a quoted value":         `<a x="<b>"><c><d></d></c></a>`,
	"gt in a quoted value":         `<a x="b>c"><d/></a>`,
	"comment":                      `<a><!-- <b><c> --><d/></a>`,
	"comment with three dashes":    `<a><!-- x ---><b><c/></b></a>`,
	"comment that never ends":      `<a><!-- <b><c/></b></a>`,
	"cdata":                        `<a><![CDATA[<b><c>]]]><d/></a>`,
	"not cdata":                    `<a><![CDAT[<b>]]><c/></a>`,
	"processing instruction":       `<a><?php echo "<b>" ?><c/></a>`,
	"doctype with internal subset": `<!DOCTYPE a [<!ENTITY e "<b>"> <!-- > --> ]><a><c/></a>`,
	"directive quotes and nesting": `<!DOCTYPE a "x>" '<' <<>>><a><b/></a>`,
	"directive starting with a gt": `<!>x><a><b/></a>`,
	"directive with a bad comment": `<!DOCTYPE <!- <a> ><b><c/></b>`,
	"end tags that close nothing":  `<a></b></c></d><e><f/></e>`,
	"end tag with space":           `<a><b></b ></a >`,
	"names with non-ASCII":         `<é><ñ:x/></é>`,
	"control characters":           "<a\x01b><c\x02/></ab>",
	"bad start":                    `<a>< b><1c><d/></a>`,
	"entities":                     `<a>&lt;b&gt; &#60;c&#x3e; &bogus; & <d/></a>`,
	"cdata end in text":            `<a>]]><b/></a>`,
	"version 1.1":                  `<?xml version="1.1"?><a><b/></a>`,
	"declared windows-1252":        "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>caf\xe9<b x=\"\x93\"/></a>",
	"declaration mid-document":     `<a><?xml encoding="utf-16"?><b><c/></b></a>`,
	"unknown encoding":             `<?xml encoding="x-unheard-of"?><a><b/></a>`,
	"single-quoted declaration":    `<?xml version='1.0' encoding='iso-8859-1'?><a><b/></a>`,
	"truncated tag":                `<a><b x="1`,
	"truncated":                    `<a><b><c`,
}

func TestScanXMLMatchesEncodingXML(t *testing.T) {
	cases := map[string][]byte{}
	for name, doc := range tricky {
		cases[name] = []byte(doc)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[f] = b
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			nodes, depth := reference(body)
			s := scan(body)
			if s.nodes < nodes || s.maxDepth < depth {
				t.Errorf("scan: %d nodes, depth %d; encoding/xml: %d nodes, depth %d", s.nodes, s.maxDepth, nodes, depth)
			}
			// Where encoding/xml reads to the end, the scan sees the same.
			if wellFormed(body) && (s.nodes != nodes || s.maxDepth != depth) {
				t.Errorf("well-formed: scan: %d nodes, depth %d; encoding/xml: %d nodes, depth %d", s.nodes, s.maxDepth, nodes, depth)
			}
		})
	}
}

// wellFormed reports whether encoding/xml, as gofeed sets it up, reads
// body to its end without an error.
func wellFormed(body []byte) bool {
	d := xml.NewDecoder(controlFree{bytes.NewReader(body)})
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	for {
		_, err := d.RawToken()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// FuzzScanXML holds the scan to never counting fewer nodes, or less depth,
// than encoding/xml's tokenizer finds (a document that hid elements from
// the scan would escape the bounds), and to counting exactly as many in a
// document that encoding/xml reads to its end.
func FuzzScanXML(f *testing.F) {
	for _, doc := range tricky {
		f.Add([]byte(doc))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		nodes, depth := reference(body)
		s := scan(body)
		if s.nodes < nodes || s.maxDepth < depth || wellFormed(body) && (s.nodes != nodes || s.maxDepth != depth) {
			t.Errorf("scan: %d nodes, depth %d; encoding/xml: %d nodes, depth %d\n%q", s.nodes, s.maxDepth, nodes, depth, body)
		}
	})
}

func TestWithoutControls(t *testing.T) {
	clean := []byte("<a>\t\r\n</a>")
	if got := withoutControls(clean); &got[0] != &clean[0] {
		t.Error("a body without control characters was copied")
	}
	if got := string(withoutControls([]byte("<a\x00\x01>x\x1f</a>"))); got != "<a>x</a>" {
		t.Errorf("withoutControls = %q", got)
	}
}

// BenchmarkScanXML measures a body with the scan and with encoding/xml's
// tokenizer (reference, the same count): on a news feed, and on one tag
// carrying as many attributes as 10 MiB holds, which encoding/xml builds
// all at once.
func BenchmarkScanXML(b *testing.B) {
	for name, body := range map[string][]byte{
		"news feed":  feedtest.RSS(2000, 2000, "p", true),
		"attributes": fill(rssHead+"<a:b ", `a:c="" `, "/>"+rssTail, 10<<20),
	} {
		b.Run(name+"/scan", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				scan(body)
			}
		})
		b.Run(name+"/encoding-xml", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				reference(body)
			}
		})
	}
}
