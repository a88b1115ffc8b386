package render

import (
	"strings"
	"testing"
)

// An item stored before sources attributed themselves to public URLs
// names the URL fetched, credentials and all: no format and no page
// publishes them.
func TestAttributionNeverPublishesCredentials(t *testing.T) {
	sec := fixtureSection()
	attributed := false
	for i := range sec.Items {
		if o := sec.Items[i].Origin; o != nil {
			stale := *o
			stale.FeedURL = "https://alice:hunter22@partner.example/feed?api_key=K3Y-123"
			stale.HomeURL = ""
			stale.FeedID = "https://alice:hunter22@partner.example/feed"
			sec.Items[i].Origin = &stale
			attributed = true
		}
	}
	if !attributed {
		t.Fatal("the fixture has no aggregated item")
	}
	docs, err := Feeds(fixtureSite(), sec)
	if err != nil {
		t.Fatal(err)
	}
	page, err := SectionPage(fixtureSite(), []Section{sec}, sec)
	if err != nil {
		t.Fatal(err)
	}
	docs["section page"] = page
	for name, doc := range docs {
		body := string(doc.Body)
		for _, secret := range []string{"alice", "hunter22", "K3Y-123"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s carries %q", name, secret)
			}
		}
		if name != "section page" && !strings.Contains(body, "https://partner.example/feed") {
			t.Errorf("%s lost the attribution", name)
		}
	}
	if !strings.Contains(string(page.Body), `via <a href="https://partner.example/feed">`) {
		t.Error("the section page's byline lost the attribution")
	}
}
