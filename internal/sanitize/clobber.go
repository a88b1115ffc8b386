package sanitize

import "bytes"

// namingAttrs are dropped from upstream HTML, though bluemonday's UGC
// policy keeps them: an element's id or name becomes a property of the
// page's window or document (DOM clobbering), where it can shadow what a
// feed reader's own script relies on.
var namingAttrs = [][]byte{[]byte(` id="`), []byte(` name="`)}

// withoutNaming removes namingAttrs from bluemonday's output. That output
// writes every attribute as ` name="value"` and escapes quotes everywhere
// else, so each occurrence is an attribute, and its value ends at the next
// quote.
func withoutNaming(s []byte) []byte {
	if !bytes.Contains(s, namingAttrs[0]) && !bytes.Contains(s, namingAttrs[1]) {
		return s
	}
	out := make([]byte, 0, len(s))
	for len(s) > 0 {
		at, n := -1, 0
		for _, a := range namingAttrs {
			if i := bytes.Index(s, a); i >= 0 && (at < 0 || i < at) {
				at, n = i, len(a)
			}
		}
		if at < 0 {
			break
		}
		end := bytes.IndexByte(s[at+n:], '"')
		if end < 0 {
			break
		}
		out = append(out, s[:at]...)
		s = s[at+n+end+1:]
	}
	return append(out, s...)
}
