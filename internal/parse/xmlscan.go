package parse

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// xmlScan measures an XML document the way gofeed will read it, without
// building anything: it walks the bytes through the same states as
// encoding/xml's tokenizer, non-strict as gofeed sets it up, counting start
// tags and attributes and tracking depth (start tags minus end tags).
// Tokenizing with encoding/xml itself would build every attribute of a
// start tag at once: BenchmarkScanXML measures 427 MB allocated for one tag
// of 10 MiB of attributes (40 bytes with the scan), before any budget
// applies, and 4.5 MB for a 10 MB news feed, which the scan reads 3.5x
// faster.
//
// Where encoding/xml would stop with a syntax error, gofeed stops too and
// what follows costs nothing; the scan then reads on as text, which can
// only count more. FuzzScanXML holds it to never counting less than
// encoding/xml's tokens show.
type xmlScan struct {
	b     []byte
	i     int
	limit int // refuse at this depth plus one

	nodes, depth, maxDepth int
}

// run scans to the end of the document, or until depth passes limit.
func (s *xmlScan) run() error {
	for {
		j := bytes.IndexByte(s.b[s.i:], '<')
		if j < 0 {
			return nil
		}
		s.i += j + 1
		c, ok := s.next()
		if !ok {
			return nil
		}
		switch c {
		case '/':
			s.endTag()
		case '?':
			if err := s.procInst(); err != nil {
				return err
			}
		case '!':
			s.bang()
		default:
			s.i--
			if !isNameStart(c) {
				continue // a syntax error to encoding/xml
			}
			s.startTag()
			if s.depth > s.limit {
				return tooDeep(s.limit)
			}
		}
	}
}

func (s *xmlScan) next() (byte, bool) {
	if s.i >= len(s.b) {
		return 0, false
	}
	s.i++
	return s.b[s.i-1], true
}

func (s *xmlScan) peek() (byte, bool) {
	if s.i >= len(s.b) {
		return 0, false
	}
	return s.b[s.i], true
}

// isNameByte is what encoding/xml reads as part of a name: ASCII name
// characters and every byte of a multi-byte character.
func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-' || c >= 0x80
}

func isNameStart(c byte) bool { return isNameByte(c) }

// name reads a name and returns it, empty when there is none.
func (s *xmlScan) name() []byte {
	start := s.i
	for s.i < len(s.b) && isNameByte(s.b[s.i]) {
		s.i++
	}
	return s.b[start:s.i]
}

func (s *xmlScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\r', '\n', '\t':
			s.i++
		default:
			return
		}
	}
}

func (s *xmlScan) startTag() {
	s.name()
	s.nodes++
	s.depth++
	s.maxDepth = max(s.maxDepth, s.depth)
	for {
		s.space()
		c, ok := s.next()
		switch {
		case !ok:
			return
		case c == '/':
			if c, ok := s.peek(); ok && c == '>' {
				s.i++
				s.depth-- // <a/> is a start and an end
			}
			return
		case c == '>':
			return
		}
		s.i--
		if len(s.name()) == 0 {
			return // no attribute name: a syntax error
		}
		s.nodes++
		s.space()
		if c, ok := s.peek(); !ok || c != '=' {
			continue // an attribute without a value, allowed when not strict
		}
		s.i++
		s.space()
		c, ok = s.next()
		switch {
		case !ok:
			return
		case c == '"' || c == '\'':
			end := bytes.IndexByte(s.b[s.i:], c)
			if end < 0 {
				s.i = len(s.b)
				return
			}
			if bytes.IndexByte(s.b[s.i:s.i+end], '<') >= 0 {
				return // "<" in a quoted value: a syntax error
			}
			s.i += end + 1
		default:
			// Unquoted, allowed when not strict: letters, digits, _ : -.
			s.i--
			for s.i < len(s.b) && isUnquotedValueByte(s.b[s.i]) {
				s.i++
			}
		}
	}
}

func isUnquotedValueByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == ':' || c == '-'
}

func (s *xmlScan) endTag() {
	if len(s.name()) == 0 {
		return
	}
	s.space()
	if c, ok := s.peek(); ok && c == '>' {
		s.i++
		s.depth = max(s.depth-1, 0)
	}
}

// procInst skips a processing instruction. An XML declaration that names
// another encoding makes encoding/xml transcode the rest of the document
// with it, and so does the scan.
func (s *xmlScan) procInst() error {
	target := string(s.name())
	if target == "" {
		return nil
	}
	s.space()
	end := bytes.Index(s.b[s.i:], []byte("?>"))
	if end < 0 {
		s.i = len(s.b)
		return nil
	}
	content := string(s.b[s.i : s.i+end])
	s.i += end + 2
	if target != "xml" {
		return nil
	}
	if v := procInstParam("version", content); v != "" && v != "1.0" {
		s.i = len(s.b) // encoding/xml stops here
		return nil
	}
	enc := procInstParam("encoding", content)
	if enc == "" || strings.EqualFold(enc, "utf-8") {
		return nil
	}
	r, err := charset.NewReaderLabel(enc, bytes.NewReader(s.b[s.i:]))
	if err != nil {
		s.i = len(s.b) // encoding/xml stops here
		return nil
	}
	rest, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b, s.i = rest, 0
	return nil
}

// procInstParam reads param="value" (or 'value') from a processing
// instruction's content by encoding/xml's rule: the first "param=" that
// a quote follows.
func procInstParam(param, content string) string {
	param += "="
	for i := 0; i < len(content); {
		k := strings.Index(content[i:], param)
		if k < 0 || i+k+len(param) >= len(content) {
			return ""
		}
		i += k + len(param)
		if q := content[i]; q == '"' || q == '\'' {
			j := strings.IndexByte(content[i+1:], q)
			if j < 0 {
				return ""
			}
			return content[i+1 : i+1+j]
		}
		i++
	}
	return ""
}

// bang skips what starts with "<!": a comment, a CDATA section or a
// directive such as a DOCTYPE.
func (s *xmlScan) bang() {
	c, ok := s.next()
	if !ok {
		return
	}
	switch c {
	case '-':
		if c, ok := s.next(); !ok || c != '-' {
			return
		}
		// The first "--" ends the comment, and must be followed by ">".
		end := bytes.Index(s.b[s.i:], []byte("--"))
		if end < 0 {
			s.i = len(s.b)
			return
		}
		s.i += end + 2
		if c, ok := s.peek(); ok && c == '>' {
			s.i++
		}
		return
	case '[':
		if !bytes.HasPrefix(s.b[s.i:], []byte("CDATA[")) {
			return
		}
		s.i += len("CDATA[")
		end := bytes.Index(s.b[s.i:], []byte("]]>"))
		if end < 0 {
			s.i = len(s.b)
			return
		}
		s.i += end + 3
		return
	}
	s.directive()
}

// directive skips the rest of a directive as encoding/xml does: quoted
// text is opaque, angle brackets nest, and comments inside are skipped.
// The byte after "<!" has been read and counts for nothing.
func (s *xmlScan) directive() {
	var inquote byte
	depth := 0
	for {
		c, ok := s.next()
		if !ok {
			return
		}
		if inquote == 0 && c == '>' && depth == 0 {
			return
		}
	handle:
		switch {
		case c == inquote:
			inquote = 0
		case inquote != 0:
		case c == '\'' || c == '"':
			inquote = c
		case c == '>':
			depth--
		case c == '<':
			for _, want := range []byte("!--") {
				if c, ok = s.next(); !ok {
					return
				}
				if c != want {
					depth++
					goto handle
				}
			}
			// A comment: it ends at the first "-->".
			end := bytes.Index(s.b[s.i:], []byte("-->"))
			if end < 0 {
				s.i = len(s.b)
				return
			}
			s.i += end + 3
		}
	}
}

// withoutControls is body without the control characters XML forbids,
// which gofeed drops before tokenizing; body itself when it has none.
func withoutControls(body []byte) []byte {
	if bytes.IndexFunc(body, isControl) < 0 {
		return body
	}
	out := make([]byte, 0, len(body))
	for _, c := range body {
		if !isControl(rune(c)) {
			out = append(out, c)
		}
	}
	return out
}

func isControl(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }
