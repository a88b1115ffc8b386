package parse

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed/json"
)

// decodeJSONFeed reads a JSON Feed field by field, as feed readers do,
// into gofeed's model of one. gofeed unmarshals the whole document at
// once, so that one mistyped optional field ("tags": "a,b") loses every
// item; here a malformed optional field is dropped, or coerced where its
// meaning is plain (a string for a list, a number for a string), the item
// is kept, and the problem is returned as a warning. Only a document that
// is not JSON, or whose items are not a list, is an error.
func decodeJSONFeed(body []byte) (*json.Feed, []string, error) {
	var top map[string]stdjson.RawMessage
	if err := stdjson.Unmarshal(body, &top); err != nil {
		return nil, nil, fmt.Errorf("parse: JSON Feed: %w", err)
	}
	var d jsonDecoder
	f := &json.Feed{
		Version:     d.str("version", top["version"]),
		Title:       d.str("title", top["title"]),
		HomePageURL: d.str("home_page_url", top["home_page_url"]),
		FeedURL:     d.str("feed_url", top["feed_url"]),
		Description: d.str("description", top["description"]),
		Icon:        d.str("icon", top["icon"]),
		Favicon:     d.str("favicon", top["favicon"]),
		Language:    d.str("language", top["language"]),
		Author:      d.author("author", top["author"]),
		Authors:     d.authors("authors", top["authors"]),
	}
	raw, ok := top["items"]
	if !ok && !strings.Contains(f.Version, "jsonfeed.org/version/") {
		return nil, nil, errors.New("parse: not an RSS, Atom or JSON feed")
	}
	var items []stdjson.RawMessage
	if ok && kind(raw) != '[' && kind(raw) != 'n' {
		return nil, nil, errors.New("parse: JSON Feed: items is not a list")
	}
	if err := stdjson.Unmarshal(raw, &items); ok && err != nil {
		return nil, nil, fmt.Errorf("parse: JSON Feed: items: %w", err)
	}
	for i, raw := range items {
		if it := d.item(fmt.Sprintf("items[%d]", i), raw); it != nil {
			f.Items = append(f.Items, it)
		}
	}
	return f, d.warnings, nil
}

// jsonDecoder collects the warnings of one document.
type jsonDecoder struct {
	warnings []string
}

func (d *jsonDecoder) warn(path, format string, args ...any) {
	d.warnings = append(d.warnings, path+": "+fmt.Sprintf(format, args...))
}

// kind is the first byte of a JSON value: '"', '{', '[', 't', 'f', 'n',
// or a digit or '-' for a number; 0 for an absent one.
func kind(raw stdjson.RawMessage) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func isNumber(k byte) bool { return k == '-' || '0' <= k && k <= '9' }

// str is a string field. A number is written as a string, which JSON Feed
// asks of readers for ids and which means the same for any string;
// anything else is dropped.
func (d *jsonDecoder) str(path string, raw stdjson.RawMessage) string {
	switch k := kind(raw); {
	case k == 0 || k == 'n':
		return ""
	case k == '"':
		var s string
		if err := stdjson.Unmarshal(raw, &s); err == nil {
			return s
		}
	case isNumber(k):
		var n stdjson.Number
		if err := stdjson.Unmarshal(raw, &n); err == nil {
			if path != "id" && !strings.HasSuffix(path, ".id") {
				d.warn(path, "a number, not a string; taken as %s", excerpt(n.String()))
			}
			return n.String()
		}
	}
	d.warn(path, "%s, not a string; dropped", describe(raw))
	return ""
}

// strList is a list of strings. A single string is split on commas, as
// "tags": "a,b" means; elements that are not strings are dropped.
func (d *jsonDecoder) strList(path string, raw stdjson.RawMessage) []string {
	switch kind(raw) {
	case 0, 'n':
		return nil
	case '"':
		s := d.str(path, raw)
		d.warn(path, "a string, not a list; split on commas")
		var out []string
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out
	case '[':
		var elems []stdjson.RawMessage
		if err := stdjson.Unmarshal(raw, &elems); err == nil {
			var out []string
			for i, e := range elems {
				if s := d.str(fmt.Sprintf("%s[%d]", path, i), e); s != "" {
					out = append(out, s)
				}
			}
			return out
		}
	}
	d.warn(path, "%s, not a list of strings; dropped", describe(raw))
	return nil
}

// integer is a whole number of bytes or seconds: a JSON number, or a
// string holding one; a fraction is rounded.
func (d *jsonDecoder) integer(path string, raw stdjson.RawMessage) int64 {
	var text string
	k := kind(raw)
	switch {
	case k == 0 || k == 'n':
		return 0
	case isNumber(k):
		text = string(bytes.TrimSpace(raw))
	case k == '"':
		_ = stdjson.Unmarshal(raw, &text) // a malformed string leaves text empty
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	switch {
	case err != nil || v < 0 || v >= math.MaxInt64 || math.IsNaN(v):
		d.warn(path, "%s, not a non-negative number; dropped", describe(raw))
		return 0
	case k == '"':
		d.warn(path, "a string, not a number; taken as %s", excerpt(strings.TrimSpace(text)))
	}
	return int64(math.Round(v))
}

// object decodes an object's fields, or returns nil and warns.
func (d *jsonDecoder) object(path string, raw stdjson.RawMessage) map[string]stdjson.RawMessage {
	if kind(raw) == '{' {
		var m map[string]stdjson.RawMessage
		if err := stdjson.Unmarshal(raw, &m); err == nil {
			return m
		}
	}
	d.warn(path, "%s, not an object; dropped", describe(raw))
	return nil
}

// author is an author object; a bare string is taken as the name.
func (d *jsonDecoder) author(path string, raw stdjson.RawMessage) *json.Author {
	switch kind(raw) {
	case 0, 'n':
		return nil
	case '"':
		name := d.str(path, raw)
		d.warn(path, "a string, not an object; taken as the name")
		if name == "" {
			return nil
		}
		return &json.Author{Name: name}
	}
	m := d.object(path, raw)
	if m == nil {
		return nil
	}
	a := &json.Author{
		Name:   d.str(path+".name", m["name"]),
		URL:    d.str(path+".url", m["url"]),
		Avatar: d.str(path+".avatar", m["avatar"]),
	}
	if *a == (json.Author{}) {
		return nil
	}
	return a
}

// authors is a list of authors; a single author stands for a list of one.
func (d *jsonDecoder) authors(path string, raw stdjson.RawMessage) []*json.Author {
	switch kind(raw) {
	case 0, 'n':
		return nil
	case '[':
		var elems []stdjson.RawMessage
		if err := stdjson.Unmarshal(raw, &elems); err == nil {
			var out []*json.Author
			for i, e := range elems {
				if a := d.author(fmt.Sprintf("%s[%d]", path, i), e); a != nil {
					out = append(out, a)
				}
			}
			return out
		}
	case '{', '"':
		d.warn(path, "%s, not a list; taken as a list of one", describe(raw))
		if a := d.author(path, raw); a != nil {
			return []*json.Author{a}
		}
		return nil
	}
	d.warn(path, "%s, not a list of authors; dropped", describe(raw))
	return nil
}

// attachments is a list of attachments; a single one stands for a list of
// one.
func (d *jsonDecoder) attachments(path string, raw stdjson.RawMessage) *[]json.Attachments {
	var elems []stdjson.RawMessage
	switch kind(raw) {
	case 0, 'n':
		return nil
	case '[':
		if err := stdjson.Unmarshal(raw, &elems); err != nil {
			d.warn(path, "not a list of attachments; dropped")
			return nil
		}
	case '{':
		d.warn(path, "an object, not a list; taken as a list of one")
		elems = []stdjson.RawMessage{raw}
	default:
		d.warn(path, "%s, not a list of attachments; dropped", describe(raw))
		return nil
	}
	var out []json.Attachments
	for i, e := range elems {
		p := fmt.Sprintf("%s[%d]", path, i)
		if len(elems) == 1 && kind(raw) == '{' {
			p = path
		}
		m := d.object(p, e)
		if m == nil {
			continue
		}
		a := json.Attachments{
			URL:               d.str(p+".url", m["url"]),
			MimeType:          d.str(p+".mime_type", m["mime_type"]),
			Title:             d.str(p+".title", m["title"]),
			SizeInBytes:       d.integer(p+".size_in_bytes", m["size_in_bytes"]),
			DurationInSeconds: d.integer(p+".duration_in_seconds", m["duration_in_seconds"]),
		}
		if a.URL == "" {
			d.warn(p, "no url; dropped")
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

// item is one item; one that is not an object is dropped.
func (d *jsonDecoder) item(path string, raw stdjson.RawMessage) *json.Item {
	m := d.object(path, raw)
	if m == nil {
		return nil
	}
	return &json.Item{
		ID:            d.str(path+".id", m["id"]),
		URL:           d.str(path+".url", m["url"]),
		ExternalURL:   d.str(path+".external_url", m["external_url"]),
		Title:         d.str(path+".title", m["title"]),
		ContentHTML:   d.str(path+".content_html", m["content_html"]),
		ContentText:   d.str(path+".content_text", m["content_text"]),
		Summary:       d.str(path+".summary", m["summary"]),
		Image:         d.str(path+".image", m["image"]),
		BannerImage:   d.str(path+".banner_image", m["banner_image"]),
		DatePublished: d.str(path+".date_published", m["date_published"]),
		DateModified:  d.str(path+".date_modified", m["date_modified"]),
		Author:        d.author(path+".author", m["author"]),
		Authors:       d.authors(path+".authors", m["authors"]),
		Tags:          d.strList(path+".tags", m["tags"]),
		Attachments:   d.attachments(path+".attachments", m["attachments"]),
		Language:      d.str(path+".language", m["language"]),
	}
}

// describe names a JSON value's type for a warning.
func describe(raw stdjson.RawMessage) string {
	switch k := kind(raw); {
	case k == '"':
		return "a string"
	case k == '{':
		return "an object"
	case k == '[':
		return "a list"
	case k == 't' || k == 'f':
		return "a boolean"
	case isNumber(k):
		return "a number"
	}
	return "a malformed value"
}
