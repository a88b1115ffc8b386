package conformance

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tagURI is RFC 4151's tagURI production, simplified to what ids use: a
// DNS name (no port) or e-mail address, a date, and a specific part.
var tagURI = regexp.MustCompile(`^tag:([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[^@\s]+@[a-z0-9.-]+),\d{4}(-\d{2}(-\d{2})?)?:[^\s]*$`)

// relativeRef finds href and src attributes that do not start with a
// scheme, which the W3C validator warns about in content.
var relativeRef = regexp.MustCompile(`(?i)\s(href|src)\s*=\s*["']([^"'#][^"']*)["']`)

const nsITunes = "http://www.itunes.com/dtds/podcast-1.0.dtd"

// itunes are the elements of the iTunes namespace among tags.
func itunes(tags []itunesTag) []itunesTag {
	var out []itunesTag
	for _, t := range tags {
		if t.XMLName.Space == nsITunes {
			out = append(out, t)
		}
	}
	return out
}

// itunesTag is an element the document types do not name: an iTunes tag,
// or another.
type itunesTag struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Href    string `xml:"href,attr"`
	Attr    string `xml:"text,attr"`
	Inner   []struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	} `xml:",any"`
}

type mediaContent struct {
	URL      string `xml:"url,attr"`
	Type     string `xml:"type,attr"`
	Medium   string `xml:"medium,attr"`
	FileSize string `xml:"fileSize,attr"`
	Duration string `xml:"duration,attr"`
}

type rssDoc struct {
	Channel struct {
		Other []itunesTag `xml:",any"` // the iTunes tags among others; see itunes
		// Self comes before Link: a field without a namespace matches
		// atom:link too, and the first matching field wins.
		Self []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Link          string `xml:"link"`
		LastBuildDate string `xml:"lastBuildDate"`
		Language      string `xml:"language"`
		TTL           string `xml:"ttl"`
		Items         []struct {
			Title   string `xml:"title"`
			Link    string `xml:"link"`
			PubDate string `xml:"pubDate"`
			Author  string `xml:"author"`
			GUID    struct {
				Value     string `xml:",chardata"`
				PermaLink string `xml:"isPermaLink,attr"`
			} `xml:"guid"`
			Description *string `xml:"description"`
			Content     string  `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Enclosures  []struct {
				URL    string `xml:"url,attr"`
				Length string `xml:"length,attr"`
				Type   string `xml:"type,attr"`
			} `xml:"enclosure"`
			Media []mediaContent `xml:"http://search.yahoo.com/mrss/ content"`
			Other []itunesTag    `xml:",any"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomDoc struct {
	ID      string `xml:"id"`
	Updated string `xml:"updated"`
	Lang    string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Links   []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"link"`
	Entries []struct {
		ID        string `xml:"id"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Content   *struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"content"`
		Summary *struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"summary"`
		Category []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
		Links []struct {
			Href   string `xml:"href,attr"`
			Rel    string `xml:"rel,attr"`
			Type   string `xml:"type,attr"`
			Length string `xml:"length,attr"`
		} `xml:"link"`
		Source *struct {
			ID string `xml:"id"`
		} `xml:"source"`
	} `xml:"entry"`
}

// W3CRules checks an RSS and an Atom document, served at rssURL and
// atomURL, against the rules of the W3C Feed Validation Service that
// Syndicate's output could break (its documentation lists each rule), its
// warnings included, so that a document that passes is one the validator
// finds valid with no warning: dates, plausible ones, and no two entries
// updated at once; ids, canonical ones; self links; authors; enclosures,
// one per RSS item, and Media RSS; the iTunes rules wherever an item uses
// them; HTML content that is well-formed and holds no security risk
// (HTMLProblems); an empty description; an entry without text; relative
// references; and RFC 5005's archive markup, which it checks by namespace.
func W3CRules(t testing.TB, rssURL string, rssBody []byte, atomURL string, atomBody []byte) {
	t.Helper()
	checkHistory(t, "RSS", rssBody)
	checkHistory(t, "Atom", atomBody)
	var r rssDoc
	if err := xml.Unmarshal(rssBody, &r); err != nil {
		t.Fatalf("conformance: RSS is not well-formed: %v", err)
	}
	ch := r.Channel
	if _, err := time.Parse(time.RFC1123Z, ch.LastBuildDate); err != nil {
		t.Errorf("RSS lastBuildDate %q is not an RFC 822 date with a 4-digit year", ch.LastBuildDate)
	}
	if ch.Language == "" || ch.TTL == "" {
		t.Error("RSS channel lacks language or ttl")
	}
	if !hasSelf(ch.Self, rssURL) {
		t.Errorf("RSS atom:link rel=self is not %s", rssURL)
	}
	guids := map[string]bool{}
	podcast := false
	for _, it := range ch.Items {
		if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
			t.Errorf("item %q: pubDate %q is not RFC 822", it.Title, it.PubDate)
		}
		if it.Author != "" && !strings.Contains(it.Author, "@") {
			t.Errorf("item %q: <author> %q holds no e-mail address", it.Title, it.Author)
		}
		if guids[it.GUID.Value] {
			t.Errorf("item %q: guid %q repeats", it.Title, it.GUID.Value)
		}
		guids[it.GUID.Value] = true
		checkID(t, it.GUID.Value)
		if it.GUID.PermaLink != "false" && !absolute(it.GUID.Value) {
			t.Errorf("item %q: guid %q is a permalink but not a URL", it.Title, it.GUID.Value)
		}
		if it.Link != "" && !absolute(it.Link) {
			t.Errorf("item %q: link %q is not absolute", it.Title, it.Link)
		}
		if len(it.Enclosures) > 1 {
			t.Errorf("item %q: %d enclosures; RSS readers take one (DuplicateEnclosure)", it.Title, len(it.Enclosures))
		}
		for _, e := range it.Enclosures {
			if !absolute(e.URL) || !nonNegative(e.Length) || !mimeType.MatchString(e.Type) {
				t.Errorf("item %q: enclosure %+v lacks an absolute url, an integer length or a MIME type", it.Title, e)
			}
		}
		for _, m := range it.Media {
			checkMedia(t, it.Title, m)
		}
		if d := it.Description; d != nil && strings.TrimSpace(*d) == "" {
			t.Errorf("item %q: empty description (NotBlank)", it.Title)
		}
		if it.Description != nil {
			checkHTML(t, it.Title+" description", *it.Description)
		}
		checkHTML(t, it.Title+" content:encoded", it.Content)
		checkRelative(t, it.Title, it.Content)
		checkPlausible(t, it.Title, it.PubDate, time.RFC1123Z)
		if tags := itunes(it.Other); len(tags) > 0 {
			podcast = true
			checkITunesItem(t, it.Title, tags, it.Enclosures)
		}
	}
	if podcast {
		checkITunesChannel(t, ch.Language, itunes(ch.Other))
	}

	var a atomDoc
	if err := xml.Unmarshal(atomBody, &a); err != nil {
		t.Fatalf("conformance: Atom is not well-formed: %v", err)
	}
	checkID(t, a.ID)
	checkCanonical(t, "feed id", a.ID)
	if a.Lang == "" {
		t.Error("Atom feed lacks xml:lang")
	}
	if _, err := time.Parse(time.RFC3339, a.Updated); err != nil {
		t.Errorf("Atom updated %q is not RFC 3339", a.Updated)
	}
	selfOK := false
	for _, l := range a.Links {
		selfOK = selfOK || (l.Rel == "self" && l.Href == atomURL)
	}
	if !selfOK {
		t.Errorf("Atom link rel=self is not %s", atomURL)
	}
	ids := map[string]bool{}
	updated := map[string]string{}
	for _, e := range a.Entries {
		checkID(t, e.ID)
		checkCanonical(t, "entry id", e.ID)
		if ids[e.ID] {
			t.Errorf("Atom entry id %q repeats", e.ID)
		}
		ids[e.ID] = true
		if other, ok := updated[e.Updated]; ok {
			t.Errorf("entries %s and %s share updated %s (DuplicateUpdated)", other, e.ID, e.Updated)
		}
		updated[e.Updated] = e.ID
		for _, d := range []string{e.Updated, e.Published} {
			if _, err := time.Parse(time.RFC3339, d); err != nil {
				t.Errorf("entry %s: date %q is not RFC 3339", e.ID, d)
			}
			checkPlausible(t, e.ID, d, time.RFC3339)
		}
		for _, c := range e.Category {
			if c.Term == "" {
				t.Errorf("entry %s: category without term", e.ID)
			}
		}
		hasText := e.Summary != nil && strings.TrimSpace(e.Summary.Text) != ""
		if c := e.Content; c != nil {
			hasText = hasText || strings.TrimSpace(c.Text) != ""
			if c.Type == "html" {
				checkHTML(t, e.ID+" content", c.Text)
			}
			checkRelative(t, e.ID, c.Text)
		}
		if !hasText {
			t.Errorf("entry %s: neither content nor summary (MissingTextualContent)", e.ID)
		}
		if s := e.Summary; s != nil && s.Type == "html" {
			checkHTML(t, e.ID+" summary", s.Text)
		}
		for _, l := range e.Links {
			if l.Rel == "enclosure" && (!absolute(l.Href) || (l.Length != "" && !nonNegative(l.Length))) {
				t.Errorf("entry %s: enclosure link %+v", e.ID, l)
			}
		}
		if s := e.Source; s != nil {
			checkID(t, s.ID)
			checkCanonical(t, "source id", s.ID)
		}
	}
}

var (
	mimeType = regexp.MustCompile(`^[^\s()<>,;:\\"/\[\]?=]+/[^\s()<>,;:\\"/\[\]?=]+$`)
	// itunesDuration is seconds, MM:SS or H:MM:SS.
	itunesDuration = regexp.MustCompile(`^(\d+:)?(\d+:)?\d+$`)
	mediums        = map[string]bool{"image": true, "audio": true, "video": true, "document": true, "executable": true}
	// itunesFormats are the episode file extensions the iTunes rules accept.
	itunesFormats = map[string]bool{"m4a": true, "mp3": true, "mov": true, "mp4": true, "m4v": true, "pdf": true, "epub": true}
	// itunesCategories are Apple's top-level podcast categories.
	itunesCategories = map[string]bool{"Arts": true, "Business": true, "Comedy": true, "Education": true,
		"Fiction": true, "Government": true, "History": true, "Health & Fitness": true, "Kids & Family": true,
		"Leisure": true, "Music": true, "News": true, "Religion & Spirituality": true, "Science": true,
		"Society & Culture": true, "Sports": true, "Technology": true, "True Crime": true, "TV & Film": true}
)

func nonNegative(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n >= 0
}

func positive(s string) bool {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return err == nil && n > 0
}

// checkHTML applies the validator's HTML rules to HTML a feed carries.
func checkHTML(t testing.TB, where, html string) {
	t.Helper()
	for _, p := range HTMLProblems(html) {
		t.Errorf("%s: %s", where, p)
	}
}

// checkPlausible flags dates before 1990 or in the future (ImplausibleDate).
func checkPlausible(t testing.TB, where, value, layout string) {
	t.Helper()
	d, err := time.Parse(layout, value)
	if err == nil && (d.Year() < 1990 || d.After(time.Now().Add(10*time.Minute))) {
		t.Errorf("%s: implausible date %s", where, value)
	}
}

// checkCanonical flags an http(s) id that is not in RFC 3986's normal form
// (NonCanonicalURI).
func checkCanonical(t testing.TB, what, id string) {
	t.Helper()
	if c := CanonicalURI(id); c != id {
		t.Errorf("%s %q is not canonical: %q", what, id, c)
	}
}

func checkMedia(t testing.TB, where string, m mediaContent) {
	t.Helper()
	switch {
	case !absolute(m.URL):
		t.Errorf("%s: media:content url %q", where, m.URL)
	case m.Medium != "" && !mediums[m.Medium]:
		t.Errorf("%s: media:content medium %q", where, m.Medium)
	case m.FileSize != "" && !positive(m.FileSize):
		t.Errorf("%s: media:content fileSize %q is not a positive integer", where, m.FileSize)
	case m.Type != "" && !mimeType.MatchString(m.Type):
		t.Errorf("%s: media:content type %q", where, m.Type)
	case m.Duration != "" && !regexp.MustCompile(`^\d+\.?\d*$`).MatchString(m.Duration):
		t.Errorf("%s: media:content duration %q", where, m.Duration)
	}
}

// checkITunesItem applies the iTunes rules to an item with iTunes tags.
func checkITunesItem(t testing.TB, where string, tags []itunesTag, enclosures []struct {
	URL    string `xml:"url,attr"`
	Length string `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}) {
	t.Helper()
	for _, tag := range tags {
		switch v := strings.TrimSpace(tag.Text); tag.XMLName.Local {
		case "duration":
			if !itunesDuration.MatchString(v) {
				t.Errorf("%s: itunes:duration %q", where, v)
			}
		case "episode", "season":
			if !positive(v) {
				t.Errorf("%s: itunes:%s %q is not a positive integer", where, tag.XMLName.Local, v)
			}
		case "explicit":
			if v != "true" && v != "false" {
				t.Errorf("%s: itunes:explicit %q is neither true nor false", where, v)
			}
		case "image":
			if !absolute(tag.Href) {
				t.Errorf("%s: itunes:image href %q", where, tag.Href)
			}
		case "title", "episodeType", "author", "subtitle", "summary", "keywords", "block":
		default:
			t.Errorf("%s: itunes:%s is not an item element", where, tag.XMLName.Local)
		}
	}
	for _, e := range enclosures {
		if i := strings.LastIndexByte(e.URL, '.'); i < 0 || !itunesFormats[e.URL[i+1:]] {
			t.Errorf("%s: enclosure %q is not a format podcast apps play (UnsupportedItunesFormat)", where, e.URL)
		}
	}
}

// checkITunesChannel applies the iTunes rules to a channel whose items use
// them (MissingItunesElement, MissingItunesEmail).
func checkITunesChannel(t testing.TB, language string, tags []itunesTag) {
	t.Helper()
	have := map[string]itunesTag{}
	for _, tag := range tags {
		have[tag.XMLName.Local] = tag
	}
	if language == "" {
		t.Error("an iTunes channel lacks language")
	}
	if c, ok := have["category"]; !ok || !itunesCategories[c.Attr] {
		t.Errorf("iTunes channel: category %q missing or not Apple's", c.Attr)
	}
	if e, ok := have["explicit"]; !ok || (e.Text != "true" && e.Text != "false") {
		t.Errorf("iTunes channel: explicit %q missing or neither true nor false", e.Text)
	}
	email := ""
	for _, in := range have["owner"].Inner {
		if in.XMLName.Local == "email" {
			email = in.Text
		}
	}
	if !strings.Contains(email, "@") {
		t.Error("iTunes channel: no itunes:owner with an itunes:email")
	}
	if im, ok := have["image"]; ok && !absolute(im.Href) {
		t.Errorf("iTunes channel: image href %q", im.Href)
	}
}

// nsHistory is RFC 5005's namespace; nsAtom the namespace of the links
// it defines, in Atom and (as atom:link) in RSS.
const (
	nsHistory = "http://purl.org/syndication/history/1.0"
	nsAtom    = "http://www.w3.org/2005/Atom"
)

// historyRels are the link relations RFC 5005 defines for archives.
var historyRels = map[string]bool{"current": true, "prev-archive": true, "next-archive": true}

// checkHistory checks RFC 5005's markup: an archive element only in the
// history namespace, archive links with absolute hrefs, and an archive
// document linking its feed's current document.
func checkHistory(t testing.TB, format string, body []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	var archived, current bool
	for {
		tok, err := dec.Token()
		if err != nil {
			break // well-formedness is checked where the document is parsed
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case el.Name.Local == "archive" && el.Name.Space != nsHistory:
			t.Errorf("%s: element archive in namespace %q, not RFC 5005's %s", format, el.Name.Space, nsHistory)
		case el.Name.Local == "archive":
			archived = true
		case el.Name.Local == "link" && el.Name.Space == nsAtom:
			var rel, href string
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "rel":
					rel = a.Value
				case "href":
					href = a.Value
				}
			}
			if historyRels[rel] && !absolute(href) {
				t.Errorf("%s: %s link %q is not absolute", format, rel, href)
			}
			current = current || rel == "current"
		}
	}
	if archived && !current {
		t.Errorf("%s: an archive document (fh:archive) without a link to its current document", format)
	}
}

func hasSelf(links []struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
}, want string) bool {
	for _, l := range links {
		if l.Rel == "self" && l.Href == want {
			return true
		}
	}
	return false
}

func absolute(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// checkID accepts absolute http(s) URLs, urn: ids and valid tag: URIs.
func checkID(t testing.TB, id string) {
	t.Helper()
	switch {
	case strings.HasPrefix(id, "tag:"):
		if !tagURI.MatchString(id) {
			t.Errorf("id %q is not a valid RFC 4151 tag URI (authority must be a DNS name without a port)", id)
		}
	case strings.HasPrefix(id, "urn:"), absolute(id):
	default:
		t.Errorf("id %q is neither a URL, a urn: nor a tag: URI", id)
	}
}

func checkRelative(t testing.TB, where, html string) {
	t.Helper()
	for _, m := range relativeRef.FindAllStringSubmatch(html, -1) {
		if !absolute(m[2]) && !strings.HasPrefix(m[2], "mailto:") {
			t.Errorf("%s: content has a relative reference %s=%q", where, m[1], m[2])
		}
	}
}
