package parse

import (
	"slices"
	"testing"
)

// TestTombstones: RFC 6721's deleted-entry elements name the items a feed
// deleted, whatever prefix the document gives the namespace, with ids
// stored as the entries' are.
func TestTombstones(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">
<title>Review</title><id>urn:x:review</id><updated>2026-11-05T00:00:00Z</updated>
<at:deleted-entry ref="tag:cms.example,2026:post-17" when="2026-11-04T10:00:00Z"><at:comment>Legal request</at:comment></at:deleted-entry>
<at:deleted-entry ref="post-18" when="2026-11-04T11:00:00Z"/>
<at:deleted-entry ref="  " when="2026-11-04T11:00:00Z"/>
<entry><id>tag:cms.example,2026:post-19</id><title>Kept</title><updated>2026-11-03T00:00:00Z</updated><link href="https://cms.example/19"/></entry>
</feed>`, []string{"m/post-18", "tag:cms.example,2026:post-17"}},
		{"another prefix", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:tomb="http://purl.org/atompub/tombstones/1.0">
<title>Review</title><id>urn:x:review</id><updated>2026-11-05T00:00:00Z</updated>
<tomb:deleted-entry ref="https://cms.example/?p=4" when="2026-11-04T10:00:00Z"/>
</feed>`, []string{"https://cms.example/?p=4"}},
		{"rss channel", `<rss version="2.0" xmlns:at="http://purl.org/atompub/tombstones/1.0"><channel><title>Review</title>
<at:deleted-entry ref="https://cms.example/?p=5" when="2026-11-04T10:00:00Z"/>
<item><guid>https://cms.example/?p=6</guid><title>Kept</title></item></channel></rss>`, []string{"https://cms.example/?p=5"}},
		{"none", `<rss version="2.0"><channel><title>Review</title><item><guid>a</guid><title>A</title></item></channel></rss>`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.doc), Options{SourceID: "m", URL: "https://cms.example/feed", Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.Deleted, tt.want) {
				t.Errorf("Deleted = %q, want %q", f.Deleted, tt.want)
			}
		})
	}
}
