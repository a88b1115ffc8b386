package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
)

// itemEncoder encodes the fragments of one render with one buffer and one
// encoder per syntax. Output is never indented: indentation costs a second
// pass and bytes on the wire, and feed readers do not look at it.
type itemEncoder struct {
	c       *channel
	buf     bytes.Buffer
	xmlEnc  *xml.Encoder
	jsonEnc *json.Encoder
}

func newItemEncoder(c *channel) *itemEncoder {
	e := &itemEncoder{c: c}
	e.xmlEnc = xml.NewEncoder(&e.buf)
	e.jsonEnc = json.NewEncoder(&e.buf)
	// Content is HTML and readers parse JSON, not HTML: escaping < > & as
	// \u003c and so on would only make the feed bigger.
	e.jsonEnc.SetEscapeHTML(false)
	return e
}

// encodeXML returns v's XML in a slice of its own, fit to be cached.
func (e *itemEncoder) encodeXML(v any) ([]byte, error) {
	e.buf.Reset()
	if err := e.xmlEnc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// encodeJSON returns v's JSON, without the newline json.Encoder adds.
func (e *itemEncoder) encodeJSON(v any) ([]byte, error) {
	e.buf.Reset()
	if err := e.jsonEnc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))), nil
}

// marshalHead encodes a document without its items; cutTail then cuts off
// the closing suffix where the item fragments go.
func marshalHead(v any, xmlDecl bool) ([]byte, error) {
	var buf bytes.Buffer
	if xmlDecl {
		buf.WriteString(xml.Header)
		if err := xml.NewEncoder(&buf).Encode(v); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// cutTail returns doc without tail, the end of every document of its
// format, less the final newline that encoders do not write. A document
// marshalled without items always ends in it.
func cutTail(doc, tail []byte) ([]byte, error) {
	suffix := bytes.TrimSuffix(tail, []byte("\n"))
	if !bytes.HasSuffix(doc, suffix) {
		return nil, fmt.Errorf("document head does not end in %q", suffix)
	}
	return doc[:len(doc)-len(suffix)], nil
}
