// Package slug turns a tag's or an author's display name into the path
// segment of its feeds. A slug is stable: the same name always gives the
// same slug, so a reader's subscription keeps working.
package slug

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// latinFold spells the Latin letters that do not decompose into a base
// letter and a mark.
var latinFold = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i",
}

// Make returns the slug of name: lower-case words joined by "-". Latin
// letters lose their accents (Mirosław Łęcki: miroslaw-lecki). A name
// that mixes scripts keeps its Latin words when it has any (Rania Khoury
// (رانيا خوري): rania-khoury); a name with none keeps its own letters,
// which URLs carry percent-encoded. A name with no letter or digit at all
// is spelt by its code points in hex ("💥": u1f4a5, "!?": u21-u3f), so
// that only a blank name has the empty slug.
func Make(name string) string {
	var ascii, full strings.Builder
	asciiBreak, fullBreak := false, false
	for _, r := range norm.NFKD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// an accent split off its letter by NFKD
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			word(&ascii, &asciiBreak, string(r))
			word(&full, &fullBreak, string(r))
		case latinFold[r] != "":
			word(&ascii, &asciiBreak, latinFold[r])
			word(&full, &fullBreak, latinFold[r])
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word(&full, &fullBreak, string(r))
			asciiBreak = ascii.Len() > 0
		default:
			asciiBreak = ascii.Len() > 0
			fullBreak = full.Len() > 0
		}
	}
	switch {
	case ascii.Len() > 0:
		return ascii.String()
	case full.Len() > 0:
		return norm.NFC.String(full.String())
	}
	return codePoints(name)
}

// codePoints spells the non-space characters of name as "u" and their
// code point in hex, joined by "-".
func codePoints(name string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(name) {
		if unicode.IsSpace(r) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString("u" + strconv.FormatInt(int64(r), 16))
	}
	return b.String()
}

// word appends s to b, after a "-" when a separator came before it.
func word(b *strings.Builder, pendingBreak *bool, s string) {
	if *pendingBreak {
		b.WriteByte('-')
		*pendingBreak = false
	}
	b.WriteString(s)
}

// Valid reports whether s is a slug Make could return.
func Valid(s string) bool {
	return s != "" && Make(s) == s
}
