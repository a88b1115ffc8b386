package source

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/rss"
)

// minLift is the smallest CDATA section worth lifting out of a document.
const minLift = 256

// Placeholders are made of private-use characters, which XML allows and
// no feed has reason to use, around a random key checked to be absent
// from the document.
const (
	liftOpen  = "\uE000"
	liftClose = "\uE001"
)

// lifted holds the CDATA sections taken out of a document by liftCDATA.
type lifted struct {
	prefix string // liftOpen + key; each placeholder is prefix + index + liftClose
	parts  []string
}

// liftCDATA takes the large CDATA sections — in practice the HTML of
// content:encoded and description — out of an XML document before it
// goes to gofeed, leaving short placeholders that restore puts back.
//
// encoding/xml decodes CDATA a byte at a time into two buffers (the text
// and the element's inner XML), only for gofeed to hand the content back
// verbatim, as CDATA is defined to be. On a typical feed that is most of
// the parsing time; lifting skips it at the cost of one fast scan.
//
// It is exact only where gofeed does nothing to CDATA content but strip
// the markers, which holds unless xml:base is in play (Atom resolves
// relative URLs in HTML against it), so such documents are left alone,
// as are documents with an internal DTD subset, whose syntax the scan
// does not follow. ok is false when nothing was lifted.
func liftCDATA(doc []byte) (out []byte, l *lifted, ok bool) {
	if bytes.Contains(doc, []byte("xml:base")) || len(doc) < minLift {
		return doc, nil, false
	}
	var key string
	for {
		key = liftOpen + strconv.FormatUint(rand.Uint64(), 36) + ":"
		if !bytes.Contains(doc, []byte(key)) {
			break
		}
	}
	l = &lifted{prefix: key}
	var b []byte
	last := 0
	for i := 0; i < len(doc); {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := doc[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			k := bytes.Index(rest[4:], []byte("-->"))
			if k < 0 {
				i = len(doc)
				continue
			}
			i += 4 + k + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			k := bytes.Index(rest[2:], []byte("?>"))
			if k < 0 {
				i = len(doc)
				continue
			}
			i += 2 + k + 2
		case bytes.HasPrefix(rest, []byte("<!DOCTYPE")), bytes.HasPrefix(rest, []byte("<!doctype")):
			k := bytes.IndexByte(rest, '>')
			if k < 0 || bytes.IndexByte(rest[:k], '[') >= 0 {
				i = len(doc) // an internal subset: stop lifting here
				continue
			}
			i += k + 1
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			start := i + len("<![CDATA[")
			k := bytes.Index(doc[start:], []byte("]]>"))
			if k < 0 {
				i = len(doc)
				continue
			}
			if k >= minLift {
				if b == nil {
					b = make([]byte, 0, len(doc)/4)
				}
				b = append(b, doc[last:start]...)
				b = append(b, key...)
				b = strconv.AppendInt(b, int64(len(l.parts)), 10)
				b = append(b, liftClose...)
				l.parts = append(l.parts, string(doc[start:start+k]))
				last = start + k
			}
			i = start + k + 3
		default:
			i++
		}
	}
	if len(l.parts) == 0 {
		return doc, nil, false
	}
	b = append(b, doc[last:]...)
	return b, l, true
}

// restore puts lifted sections back into a string gofeed produced.
func (l *lifted) restore(s string) string {
	if l == nil || len(s) < len(l.prefix) {
		return s
	}
	i := strings.Index(s, l.prefix)
	if i < 0 {
		return s
	}
	var b strings.Builder
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i+len(l.prefix):]
		end := strings.Index(s, liftClose)
		n, err := strconv.Atoi(s[:max(end, 0)])
		if end < 0 || err != nil || n < 0 || n >= len(l.parts) {
			b.WriteString(l.prefix) // not ours after all
		} else {
			if b.Len() == 0 && i == 0 && end+len(liftClose) == len(s) {
				return l.parts[n] // the whole string: no copy
			}
			b.WriteString(l.parts[n])
			s = s[end+len(liftClose):]
		}
		i = strings.Index(s, l.prefix)
	}
	b.WriteString(s)
	return b.String()
}

// restoreFeed puts lifted sections back into every field of f that the
// normalizer reads.
func (l *lifted) restoreFeed(f *gofeed.Feed) {
	if l == nil {
		return
	}
	r := l.restore
	f.Title, f.Description, f.Link, f.FeedLink = r(f.Title), r(f.Description), r(f.Link), r(f.FeedLink)
	for _, p := range f.Authors {
		if p != nil {
			p.Name, p.Email = r(p.Name), r(p.Email)
		}
	}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		it.Title, it.Description, it.Content = r(it.Title), r(it.Description), r(it.Content)
		it.Link, it.GUID = r(it.Link), r(it.GUID)
		for i := range it.Links {
			it.Links[i] = r(it.Links[i])
		}
		for i := range it.Categories {
			it.Categories[i] = r(it.Categories[i])
		}
		for _, p := range it.Authors {
			if p != nil {
				p.Name, p.Email = r(p.Name), r(p.Email)
			}
		}
		if it.Image != nil {
			it.Image.URL, it.Image.Title = r(it.Image.URL), r(it.Image.Title)
		}
	}
	switch of := f.OriginalFeed().(type) {
	case *atom.Feed:
		of.ID = r(of.ID)
		for _, e := range of.Entries {
			if e != nil && e.Content != nil {
				e.Content.Value = r(e.Content.Value)
			}
			if e != nil {
				for _, p := range e.Authors {
					if p != nil {
						p.URI = r(p.URI)
					}
				}
			}
		}
	case *rss.Feed:
		of.TTL = r(of.TTL)
		for _, it := range of.Items {
			if it != nil && it.GUID != nil {
				it.GUID.IsPermalink = r(it.GUID.IsPermalink)
			}
		}
	}
}
