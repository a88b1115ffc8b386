// Package charset turns an upstream body into UTF-8, whatever encoding it
// declares or really uses, so that the feed parser reads each character
// once and right.
package charset

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	htmlcharset "golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// ToUTF8 returns body as UTF-8 and, when it starts with an XML declaration,
// with that declaration no longer naming any other encoding: the XML parser
// would otherwise transcode a second time.
//
// The bytes are trusted before the labels. Feeds often declare ISO-8859-1
// (or inherit it from a text/xml default) while being UTF-8; a document that
// is valid UTF-8 and holds non-ASCII characters is almost never anything
// else, so it is taken as UTF-8 whatever it claims. Only bytes that are not
// valid UTF-8 are transcoded from the declared charset.
func ToUTF8(body []byte, contentType string) ([]byte, error) {
	if out, ok, err := fromBOM(body); ok {
		if err != nil {
			return nil, fmt.Errorf("charset: byte-order mark: %w", err)
		}
		return rewriteDecl(out), nil
	}
	if utf8.Valid(body) {
		return rewriteDecl(body), nil
	}
	label := declaredCharset(body, contentType)
	var enc encoding.Encoding
	switch {
	case label == "" || isUTF8Label(label):
		// Claimed (or assumed) UTF-8 but not valid. A document that is mostly
		// UTF-8 with a few stray bytes keeps its good characters; one with no
		// multi-byte sequences at all is most likely legacy single-byte text.
		if hasMultibyte(body) {
			return rewriteDecl(bytes.ToValidUTF8(body, []byte("\uFFFD"))), nil
		}
		enc = charmap.Windows1252
	default:
		// htmlcharset.Lookup follows the WHATWG table, which maps ISO-8859-1 and
		// US-ASCII to windows-1252: what such feeds really contain.
		e, _ := htmlcharset.Lookup(label)
		if e == nil {
			return nil, fmt.Errorf("charset: unsupported charset %q", label)
		}
		enc = e
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("charset: decoding %s: %w", label, err)
	}
	return rewriteDecl(out), nil
}

// fromBOM decodes UTF-16 bodies marked by a byte-order mark and drops a
// UTF-8 one. Marks doubled by an editor and a server are all dropped: left
// at the start of the decoded text, one would stop the XML parser.
func fromBOM(body []byte) (out []byte, ok bool, err error) {
	switch {
	case bytes.HasPrefix(body, utf8BOM):
		return fixUTF8(trimBOMs(body)), true, nil
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(body)
		return trimBOMs(out), true, err
	}
	return nil, false, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func trimBOMs(b []byte) []byte {
	for bytes.HasPrefix(b, utf8BOM) {
		b = b[len(utf8BOM):]
	}
	return b
}

func fixUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// declaredCharset is the first non-UTF-8 charset named by the HTTP
// Content-Type or the XML declaration, else whichever of them is set.
func declaredCharset(body []byte, contentType string) string {
	var fromHTTP string
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			fromHTTP = strings.TrimSpace(params["charset"])
		}
	}
	var fromXML string
	if s, e, ok := declEncoding(body); ok {
		fromXML = string(body[s:e])
	}
	for _, l := range []string{fromHTTP, fromXML} {
		if l != "" && !isUTF8Label(l) {
			return l
		}
	}
	if fromHTTP != "" {
		return fromHTTP
	}
	return fromXML
}

func isUTF8Label(l string) bool {
	l = strings.ToLower(strings.TrimSpace(l))
	return l == "utf-8" || l == "utf8" || l == "unicode-1-1-utf-8"
}

func hasMultibyte(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && n > 1 {
			return true
		}
		i += n
	}
	return false
}

// declEncoding finds the value of encoding= in a leading XML declaration,
// returning its byte offsets.
func declEncoding(body []byte) (start, end int, ok bool) {
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
		i++
	}
	if !bytes.HasPrefix(body[i:], []byte("<?xml")) {
		return 0, 0, false
	}
	close := bytes.Index(body[i:], []byte("?>"))
	if close < 0 || close > 512 {
		return 0, 0, false
	}
	decl := body[i : i+close]
	k := bytes.Index(decl, []byte("encoding"))
	if k < 0 {
		return 0, 0, false
	}
	j := k + len("encoding")
	for j < len(decl) && (decl[j] == ' ' || decl[j] == '=' || decl[j] == '\t') {
		j++
	}
	if j >= len(decl) || (decl[j] != '"' && decl[j] != '\'') {
		return 0, 0, false
	}
	q := decl[j]
	e := bytes.IndexByte(decl[j+1:], q)
	if e < 0 {
		return 0, 0, false
	}
	return i + j + 1, i + j + 1 + e, true
}

// rewriteDecl makes a leading XML declaration say UTF-8, copying the body
// only when it said something else. It also drops U+FFFE and U+FFFF, the
// only characters valid UTF-8 can hold that XML forbids and gofeed's own
// filter (C0 controls) lets through: encoding/xml rejects the whole
// document for one of them.
func rewriteDecl(body []byte) []byte {
	for _, nc := range [][]byte{[]byte("\uFFFE"), []byte("\uFFFF")} {
		if bytes.Contains(body, nc) {
			body = bytes.ReplaceAll(body, nc, nil)
		}
	}
	s, e, ok := declEncoding(body)
	if !ok || isUTF8Label(string(body[s:e])) {
		return body
	}
	out := make([]byte, 0, len(body)-(e-s)+5)
	out = append(out, body[:s]...)
	out = append(out, "UTF-8"...)
	return append(out, body[e:]...)
}
