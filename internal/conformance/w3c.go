package conformance

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"regexp"
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

type rssDoc struct {
	Channel struct {
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
			Content   string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Enclosure *struct {
				URL    string `xml:"url,attr"`
				Length string `xml:"length,attr"`
				Type   string `xml:"type,attr"`
			} `xml:"enclosure"`
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
		Content   string `xml:"content"`
		Category  []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

// W3CRules checks an RSS and an Atom document, served at rssURL and
// atomURL, against the rules of the W3C Feed Validation Service that
// Syndicate's output could break (its documentation lists each rule):
// dates, ids, self links, authors, enclosures and relative references,
// and RFC 5005's archive markup, which it checks by namespace.
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
		if !absolute(it.Link) {
			t.Errorf("item %q: link %q is not absolute", it.Title, it.Link)
		}
		if e := it.Enclosure; e != nil && (!absolute(e.URL) || e.Length == "" || e.Type == "") {
			t.Errorf("item %q: enclosure %+v lacks an absolute url, length or type", it.Title, *e)
		}
		checkRelative(t, it.Title, it.Content)
	}

	var a atomDoc
	if err := xml.Unmarshal(atomBody, &a); err != nil {
		t.Fatalf("conformance: Atom is not well-formed: %v", err)
	}
	checkID(t, a.ID)
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
	for _, e := range a.Entries {
		checkID(t, e.ID)
		if ids[e.ID] {
			t.Errorf("Atom entry id %q repeats", e.ID)
		}
		ids[e.ID] = true
		for _, d := range []string{e.Updated, e.Published} {
			if _, err := time.Parse(time.RFC3339, d); err != nil {
				t.Errorf("entry %s: date %q is not RFC 3339", e.ID, d)
			}
		}
		for _, c := range e.Category {
			if c.Term == "" {
				t.Errorf("entry %s: category without term", e.ID)
			}
		}
		checkRelative(t, e.ID, e.Content)
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
