package render

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
)

// Small structs to read the feeds back with, independent of the types
// that wrote them. Namespaced fields come before plain ones of the same
// local name: encoding/xml gives an element to the first field that fits.

type xmlAttrLink struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr"`
	Type   string `xml:"type,attr"`
	Length string `xml:"length,attr"`
}

type rssBack struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Attrs   []xml.Attr `xml:",any,attr"`
	Channel struct {
		AtomLinks     []xmlAttrLink `xml:"http://www.w3.org/2005/Atom link"`
		Archive       *struct{}     `xml:"http://purl.org/syndication/history/1.0 archive"`
		Title         string        `xml:"title"`
		Link          string        `xml:"link"`
		Description   string        `xml:"description"`
		Language      string        `xml:"language"`
		LastBuildDate string        `xml:"lastBuildDate"`
		TTL           string        `xml:"ttl"`
		Generator     string        `xml:"generator"`
		Items         []rssItemBack `xml:"item"`
	} `xml:"channel"`
}

type rssItemBack struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	Description string   `xml:"description"`
	Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	Creators    []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Authors     []string `xml:"author"`
	PubDate     string   `xml:"pubDate"`
	GUID        struct {
		ID          string `xml:",chardata"`
		IsPermaLink string `xml:"isPermaLink,attr"`
	} `xml:"guid"`
	Categories []struct {
		Domain string `xml:"domain,attr"`
		Name   string `xml:",chardata"`
	} `xml:"category"`
	Enclosure *xmlAttrLink `xml:"enclosure"`
	Media     *struct {
		URL         string `xml:"url,attr"`
		Type        string `xml:"type,attr"`
		FileSize    string `xml:"fileSize,attr"`
		Medium      string `xml:"medium,attr"`
		Credit      string `xml:"http://search.yahoo.com/mrss/ credit"`
		Description string `xml:"http://search.yahoo.com/mrss/ description"`
	} `xml:"http://search.yahoo.com/mrss/ content"`
	Source *struct {
		URL   string `xml:"url,attr"`
		Title string `xml:",chardata"`
	} `xml:"source"`
}

type atomBack struct {
	XMLName   xml.Name      `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string        `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID        string        `xml:"id"`
	Title     string        `xml:"title"`
	Subtitle  string        `xml:"subtitle"`
	Updated   string        `xml:"updated"`
	Generator string        `xml:"generator"`
	Authors   []atomPerson  `xml:"author"`
	Links     []xmlAttrLink `xml:"link"`
	Archive   *struct{}     `xml:"http://purl.org/syndication/history/1.0 archive"`
	Entries   []struct {
		ID        string        `xml:"id"`
		Title     string        `xml:"title"`
		Published string        `xml:"published"`
		Updated   string        `xml:"updated"`
		Authors   []atomPerson  `xml:"author"`
		Links     []xmlAttrLink `xml:"link"`
		Summary   atomText      `xml:"summary"`
		Content   atomText      `xml:"content"`
		Category  []struct {
			Term   string `xml:"term,attr"`
			Scheme string `xml:"scheme,attr"`
		} `xml:"category"`
		Source *struct {
			ID      string        `xml:"id"`
			Title   string        `xml:"title"`
			Updated string        `xml:"updated"`
			Links   []xmlAttrLink `xml:"link"`
		} `xml:"source"`
	} `xml:"entry"`
}

type atomPerson struct {
	Name  string `xml:"name"`
	Email string `xml:"email"`
	URI   string `xml:"uri"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type jsonBack struct {
	Version     string `json:"version"`
	Title       string `json:"title"`
	HomePageURL string `json:"home_page_url"`
	FeedURL     string `json:"feed_url"`
	NextURL     string `json:"next_url"`
	Description string `json:"description"`
	Language    string `json:"language"`
	Authors     []struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"authors"`
	Items []struct {
		ID            string `json:"id"`
		URL           string `json:"url"`
		Title         string `json:"title"`
		Summary       string `json:"summary"`
		ContentHTML   string `json:"content_html"`
		Image         string `json:"image"`
		DatePublished string `json:"date_published"`
		DateModified  string `json:"date_modified"`
		Authors       []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"authors"`
		Tags        []string `json:"tags"`
		Attachments []struct {
			URL      string `json:"url"`
			MIMEType string `json:"mime_type"`
			Size     int64  `json:"size_in_bytes"`
		} `json:"attachments"`
		Syndicate *struct {
			SourceID    string `json:"source_id"`
			SourceTitle string `json:"source_title"`
			SourceURL   string `json:"source_url"`
		} `json:"_syndicate"`
	} `json:"items"`
}

func parseRSS(t *testing.T, b []byte) rssBack {
	t.Helper()
	var r rssBack
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("RSS does not parse: %v", err)
	}
	return r
}

func parseAtom(t *testing.T, b []byte) atomBack {
	t.Helper()
	var a atomBack
	if err := xml.Unmarshal(b, &a); err != nil {
		t.Fatalf("Atom does not parse: %v", err)
	}
	return a
}

func parseJSON(t *testing.T, b []byte) jsonBack {
	t.Helper()
	var j jsonBack
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatalf("JSON Feed does not parse: %v", err)
	}
	return j
}

const (
	gulfID   = "tag:news.example,2026-01-01:article/gulf-shipping-insurance"
	aqabaID  = "tag:news.example,2026-01-01:source/gulfwire/48213"
	beirutID = "tag:news.example,2026-01-01:article/beirut-grid"
	escortID = "https://analysis.example.net/2026/10/11/red-sea-escorts"
)

var fixtureIDs = []string{gulfID, aqabaID, beirutID, escortID}

func TestRSSFields(t *testing.T) {
	r := parseRSS(t, renderFixture(t)[FormatRSS].Body)
	if r.Version != "2.0" {
		t.Errorf("version = %q", r.Version)
	}
	ns := map[string]string{}
	for _, a := range r.Attrs {
		if a.Name.Space == "xmlns" {
			ns[a.Name.Local] = a.Value
		}
	}
	for prefix, uri := range map[string]string{"content": nsContent, "dc": nsDC, "atom": nsAtom, "media": nsMedia} {
		if ns[prefix] != uri {
			t.Errorf("xmlns:%s = %q, want %q", prefix, ns[prefix], uri)
		}
	}
	ch := r.Channel
	for _, f := range []struct{ name, got, want string }{
		{"title", ch.Title, "The Dispatch: Middle East"},
		{"link", ch.Link, "https://news.example/middle-east/"},
		{"description", ch.Description, "Reporting and analysis from the Middle East & North Africa"},
		{"language", ch.Language, "en"},
		{"lastBuildDate", ch.LastBuildDate, "Thu, 15 Oct 2026 12:00:00 +0000"},
		{"ttl", ch.TTL, "5"},
		{"generator", ch.Generator, "Syndicate"},
	} {
		if f.got != f.want {
			t.Errorf("channel %s = %q, want %q", f.name, f.got, f.want)
		}
	}
	if len(ch.AtomLinks) != 1 || ch.AtomLinks[0] != (xmlAttrLink{Href: "https://news.example/middle-east/rss.xml", Rel: "self", Type: "application/rss+xml"}) {
		t.Errorf("atom:link = %+v", ch.AtomLinks)
	}

	tests := []struct {
		name        string
		guid        string
		permalink   string
		creators    int
		categories  []string // domain|name
		enclosure   string   // length, "" for none
		credit      string
		source      string // url|title
		description string
	}{
		{
			name: "article with image and two authors", guid: gulfID, permalink: "false", creators: 2,
			categories: []string{"https://news.example/|middle-east", "https://news.example/|analysis", "|shipping", "|iran", "|insurance", "|oil"},
			enclosure:  "184320", credit: "Photo: Amal Nasser for The Dispatch",
			// Plain text, entity-encoded for readers that treat it as HTML.
			description: "Premiums for tankers crossing Hormuz rose 5 &lt; 7 &gt; 3 &amp; then some — مضيق هرمز.",
		},
		{
			name: "aggregated item with a numeric guid", guid: aqabaID, permalink: "false", creators: 1,
			categories:  []string{"https://news.example/|middle-east", "|shipping", "|jordan"},
			source:      "https://wire.example.org/feeds/shipping.xml|Gulf Wire: Shipping",
			description: "Jordan's main port resumed container traffic on Tuesday.",
		},
		{
			name: "image without a length", guid: beirutID, permalink: "false", creators: 1,
			categories: []string{"https://news.example/|middle-east", "|lebanon", "|energy"},
			enclosure:  "0", credit: "Photo: Rami Khoury",
			description: "Private generators fill the gaps the state leaves, at a price.",
		},
		{
			name: "guid that is the item URL", guid: escortID, permalink: "true", creators: 2,
			categories:  []string{"https://news.example/|middle-east", "https://news.example/|analysis", "|red-sea", "|navies"},
			source:      "https://analysis.example.net/feed.atom|Straits Analysis",
			description: "Who sails with whom, and who pays for it.",
		},
	}
	if len(ch.Items) != len(tests) {
		t.Fatalf("%d items, want %d", len(ch.Items), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := ch.Items[i]
			if it.GUID.ID != tt.guid || it.GUID.IsPermaLink != tt.permalink {
				t.Errorf("guid = %q isPermaLink=%q, want %q %q", it.GUID.ID, it.GUID.IsPermaLink, tt.guid, tt.permalink)
			}
			if len(it.Creators) != tt.creators {
				t.Errorf("%d dc:creator, want %d", len(it.Creators), tt.creators)
			}
			if len(it.Authors) != 0 {
				t.Errorf("<author> written: %q (RSS requires an email there)", it.Authors)
			}
			var cats []string
			for _, c := range it.Categories {
				cats = append(cats, c.Domain+"|"+c.Name)
			}
			if !slices.Equal(cats, tt.categories) {
				t.Errorf("categories = %q, want %q", cats, tt.categories)
			}
			switch {
			case tt.enclosure == "" && it.Enclosure != nil:
				t.Errorf("unexpected enclosure %+v", it.Enclosure)
			case tt.enclosure != "" && (it.Enclosure == nil || it.Enclosure.Length != tt.enclosure):
				t.Errorf("enclosure = %+v, want length %s", it.Enclosure, tt.enclosure)
			}
			if tt.credit != "" && (it.Media == nil || it.Media.Credit != tt.credit || it.Media.Medium != "image" || it.Media.Description == "") {
				t.Errorf("media:content = %+v, want credit %q", it.Media, tt.credit)
			}
			gotSource := ""
			if it.Source != nil {
				gotSource = it.Source.URL + "|" + it.Source.Title
			}
			if gotSource != tt.source {
				t.Errorf("source = %q, want %q", gotSource, tt.source)
			}
			if it.Description != tt.description {
				t.Errorf("description = %q, want %q", it.Description, tt.description)
			}
			if it.PubDate == "" || it.Title == "" || it.Link == "" || it.Content == "" {
				t.Errorf("missing title, link, pubDate or content:encoded: %+v", it)
			}
		})
	}
	if !strings.Contains(ch.Items[0].Content, "cover[zone[3]]>limit") {
		t.Errorf("content:encoded lost the text around ]]>: %q", ch.Items[0].Content)
	}
}

func TestAtomFields(t *testing.T) {
	a := parseAtom(t, renderFixture(t)[FormatAtom].Body)
	if a.Lang != "en" || a.ID != "tag:news.example,2026-01-01:section/middle-east" || a.Updated != "2026-10-15T12:00:00Z" ||
		a.Generator != "Syndicate" || a.Subtitle == "" || len(a.Authors) != 1 || a.Authors[0].Name != "The Dispatch" {
		t.Errorf("feed metadata: lang=%q id=%q updated=%q generator=%q subtitle=%q authors=%+v",
			a.Lang, a.ID, a.Updated, a.Generator, a.Subtitle, a.Authors)
	}
	wantLinks := []xmlAttrLink{
		{Href: "https://news.example/middle-east/atom.xml", Rel: "self", Type: "application/atom+xml"},
		{Href: "https://news.example/middle-east/", Rel: "alternate", Type: "text/html"},
	}
	if !slices.Equal(a.Links, wantLinks) {
		t.Errorf("feed links = %+v", a.Links)
	}

	tests := []struct {
		name      string
		id        string
		published string
		updated   string
		authors   []atomPerson
		terms     []string
		enclosure string // length attribute, "-" for no enclosure
		source    string // id|title|self|updated
	}{
		{
			name: "article", id: gulfID, published: "2026-10-14T09:30:00Z", updated: "2026-10-15T12:00:00Z",
			authors:   []atomPerson{{Name: "Leïla Haddad", Email: "leila.haddad@news.example", URI: "https://news.example/authors/leila-haddad/"}, {Name: "Tomás Ortega"}},
			terms:     []string{"middle-east", "analysis", "shipping", "iran", "insurance", "oil"},
			enclosure: "184320",
		},
		{
			name: "aggregated, numeric guid", id: aqabaID, published: "2026-10-13T16:05:00Z", updated: "2026-10-13T16:05:00Z",
			authors:   []atomPerson{{Name: "Wire staff"}},
			terms:     []string{"middle-east", "shipping", "jordan"},
			enclosure: "-",
			source:    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66|Gulf Wire: Shipping|https://wire.example.org/feeds/shipping.xml|2026-10-13T16:05:00Z",
		},
		{
			name: "image without length", id: beirutID, published: "2026-10-12T07:00:00Z", updated: "2026-10-12T08:15:00Z",
			authors:   []atomPerson{{Name: "desk@news.example", Email: "desk@news.example"}},
			terms:     []string{"middle-east", "lebanon", "energy"},
			enclosure: "",
		},
		{
			name: "aggregated, URL guid, no feed id", id: escortID, published: "2026-10-11T18:45:00Z", updated: "2026-10-11T19:00:00Z",
			authors:   []atomPerson{{Name: "Ana Pereira", URI: "https://analysis.example.net/people/ana"}, {Name: "Kenji Watanabe", Email: "kenji@analysis.example.net"}},
			terms:     []string{"middle-east", "analysis", "red-sea", "navies"},
			enclosure: "-",
			source:    "https://analysis.example.net/feed.atom|Straits Analysis|https://analysis.example.net/feed.atom|2026-10-11T19:00:00Z",
		},
	}
	if len(a.Entries) != len(tests) {
		t.Fatalf("%d entries, want %d", len(a.Entries), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := a.Entries[i]
			if e.ID != tt.id || e.Published != tt.published || e.Updated != tt.updated {
				t.Errorf("id/published/updated = %q %q %q, want %q %q %q", e.ID, e.Published, e.Updated, tt.id, tt.published, tt.updated)
			}
			if !slices.Equal(e.Authors, tt.authors) {
				t.Errorf("authors = %+v, want %+v", e.Authors, tt.authors)
			}
			var terms []string
			for _, c := range e.Category {
				terms = append(terms, c.Term)
			}
			if !slices.Equal(terms, tt.terms) {
				t.Errorf("category terms = %q, want %q", terms, tt.terms)
			}
			enclosure, alternate := "-", ""
			for _, l := range e.Links {
				switch l.Rel {
				case "enclosure":
					enclosure = l.Length
				case "alternate":
					alternate = l.Href
				}
			}
			if enclosure != tt.enclosure || alternate == "" {
				t.Errorf("enclosure length %q (want %q), alternate %q", enclosure, tt.enclosure, alternate)
			}
			if e.Summary.Type != "text" || e.Content.Type != "html" || e.Content.Text == "" {
				t.Errorf("summary type %q, content type %q", e.Summary.Type, e.Content.Type)
			}
			gotSource := ""
			if s := e.Source; s != nil {
				self := ""
				for _, l := range s.Links {
					if l.Rel == "self" {
						self = l.Href
					}
				}
				gotSource = s.ID + "|" + s.Title + "|" + self + "|" + s.Updated
			}
			if gotSource != tt.source {
				t.Errorf("source = %q, want %q", gotSource, tt.source)
			}
		})
	}
}

func TestJSONFields(t *testing.T) {
	body := renderFixture(t)[FormatJSON].Body
	j := parseJSON(t, body)
	if j.Version != "https://jsonfeed.org/version/1.1" || j.Title == "" || j.HomePageURL != "https://news.example/middle-east/" ||
		j.FeedURL != "https://news.example/middle-east/feed.json" || j.Description == "" || j.Language != "en" ||
		len(j.Authors) != 1 || j.Authors[0].Name != "The Dispatch" {
		t.Errorf("feed fields: %+v", j)
	}
	for i, it := range j.Items {
		if it.ID == "" || it.URL == "" || it.Title == "" || it.Summary == "" || it.ContentHTML == "" ||
			it.DatePublished == "" || it.DateModified == "" || len(it.Authors) == 0 || len(it.Tags) == 0 {
			t.Errorf("item %d lacks a required field: %+v", i, it)
		}
	}
	first := j.Items[0]
	if first.Image == "" || len(first.Attachments) != 1 || first.Attachments[0].MIMEType != "image/jpeg" || first.Attachments[0].Size != 184320 {
		t.Errorf("image attachment: %q %+v", first.Image, first.Attachments)
	}
	if a := first.Authors; a[0].URL != "https://news.example/authors/leila-haddad/" || a[1].URL != "" {
		t.Errorf("authors: %+v", a)
	}
	if got := j.Items[2].Authors[0].URL; got != "mailto:desk@news.example" {
		t.Errorf("author with only an email: url = %q, want a mailto: URL", got)
	}
	if s := j.Items[1].Syndicate; s == nil || s.SourceID != "gulfwire" || s.SourceTitle != "Gulf Wire: Shipping" || s.SourceURL != "https://wire.example.org/feeds/shipping.xml" {
		t.Errorf("_syndicate = %+v", s)
	}
	if j.Items[0].Syndicate != nil {
		t.Errorf("the site's own article has a _syndicate source")
	}
	wantTags := []string{"middle-east", "analysis", "shipping", "iran", "insurance", "oil"}
	if !slices.Equal(first.Tags, wantTags) {
		t.Errorf("tags = %q, want %q", first.Tags, wantTags)
	}

	var raw any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range forbiddenKeys(raw) {
		t.Errorf("JSON Feed has key %q", key)
	}
}

// forbiddenKeys finds the keys gorilla writes and JSON Feed 1.1 does not
// want: the deprecated singular author and the misspelt banner image.
func forbiddenKeys(v any) []string {
	var found []string
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if k == "author" || k == "banner_" || k == "size" {
				found = append(found, k)
			}
			found = append(found, forbiddenKeys(child)...)
		}
	case []any:
		for _, child := range v {
			found = append(found, forbiddenKeys(child)...)
		}
	}
	return found
}

func TestSameItemsAcrossFormats(t *testing.T) {
	docs := renderFixture(t)
	var rss, atom, js []string
	for _, it := range parseRSS(t, docs[FormatRSS].Body).Channel.Items {
		rss = append(rss, it.GUID.ID)
	}
	for _, e := range parseAtom(t, docs[FormatAtom].Body).Entries {
		atom = append(atom, e.ID)
	}
	for _, it := range parseJSON(t, docs[FormatJSON].Body).Items {
		js = append(js, it.ID)
	}
	if !slices.Equal(rss, fixtureIDs) || !slices.Equal(atom, fixtureIDs) || !slices.Equal(js, fixtureIDs) {
		t.Errorf("ids differ:\n rss  %q\n atom %q\n json %q\n want %q", rss, atom, js, fixtureIDs)
	}
}
