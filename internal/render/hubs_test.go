package render

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"syndicate/internal/conformance"
)

// hubSite advertises the built-in hub and an external one, plus one that
// is not a URL and must be left out.
func hubSite() Site {
	site := mediaSite() // conformance sections include episodes
	site.Hubs = []string{"https://news.example/websub", "not a hub", "https://hub.example/"}
	return site
}

var wantHubs = []string{"https://news.example/websub", "https://hub.example/"}

type xmlLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
}

// linksByRel lists the hrefs of links with rel, in document order.
func linksByRel(links []xmlLink, rel string) []string {
	var out []string
	for _, l := range links {
		if l.Rel == rel {
			out = append(out, l.Href)
		}
	}
	return out
}

func TestFeedsAdvertiseHubs(t *testing.T) {
	docs, err := Feeds(hubSite(), fixtureSection())
	if err != nil {
		t.Fatal(err)
	}
	const page = "https://news.example/middle-east/"

	var rss struct {
		Channel struct {
			Links []xmlLink `xml:"http://www.w3.org/2005/Atom link"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(docs[FormatRSS].Body, &rss); err != nil {
		t.Fatal(err)
	}
	var atom struct {
		Links []xmlLink `xml:"link"`
	}
	if err := xml.Unmarshal(docs[FormatAtom].Body, &atom); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]xmlLink{FormatRSS: rss.Channel.Links, FormatAtom: atom.Links} {
		if hubs := linksByRel(got, "hub"); !slices.Equal(hubs, wantHubs) {
			t.Errorf("%s hub links = %v, want %v in order", name, hubs, wantHubs)
		}
		if self := linksByRel(got, "self"); !slices.Equal(self, []string{page + name}) {
			t.Errorf("%s self links = %v, want %s", name, self, page+name)
		}
	}

	var jf struct {
		Hubs []struct{ Type, URL string } `json:"hubs"`
	}
	if err := json.Unmarshal(docs[FormatJSON].Body, &jf); err != nil {
		t.Fatal(err)
	}
	var hubs []string
	for _, h := range jf.Hubs {
		if h.Type != "WebSub" {
			t.Errorf("JSON Feed hub %s has type %q, want WebSub", h.URL, h.Type)
		}
		hubs = append(hubs, h.URL)
	}
	if !slices.Equal(hubs, wantHubs) {
		t.Errorf("JSON Feed hubs = %v, want %v", hubs, wantHubs)
	}
}

// A site without hubs writes no hub link and no hubs key at all.
func TestFeedsWithoutHubs(t *testing.T) {
	docs, err := Feeds(fixtureSite(), fixtureSection())
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range FeedFormats {
		for _, marker := range []string{`rel="hub"`, `"hubs"`} {
			if strings.Contains(string(docs[format].Body), marker) {
				t.Errorf("%s of a site without hubs holds %s", format, marker)
			}
		}
	}
}

func TestFeedsWithHubsConform(t *testing.T) {
	conformance.Dir(t)
	for name, sec := range conformanceSections() {
		t.Run(name, func(t *testing.T) {
			docs, err := Feeds(hubSite(), sec)
			if err != nil {
				t.Fatal(err)
			}
			conformance.Atom(t, docs[FormatAtom].Body)
			conformance.JSONFeed(t, docs[FormatJSON].Body)
			if name == "hostile" {
				return // its bare item has no dates or link, on purpose
			}
			base := "https://news.example" + sec.doc().Link()
			conformance.W3CRules(t, base+FormatRSS, docs[FormatRSS].Body, base+FormatAtom, docs[FormatAtom].Body)
		})
	}
}

func TestIsFeedType(t *testing.T) {
	docs, err := Feeds(fixtureSite(), fixtureSection())
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range FeedFormats {
		if !IsFeedType(docs[format].ContentType) {
			t.Errorf("%s (%s) is not taken for a feed", format, docs[format].ContentType)
		}
	}
	page, err := SectionPage(fixtureSite(), nil, fixtureSection())
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{page.ContentType, "application/xml", ""} {
		if IsFeedType(ct) {
			t.Errorf("%q is taken for a feed", ct)
		}
	}
}
