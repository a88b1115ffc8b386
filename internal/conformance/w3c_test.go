package conformance

import (
	"fmt"
	"strings"
	"testing"
)

// recorder keeps what W3CRules reports instead of failing the test.
type recorder struct {
	testing.TB
	problems []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) { r.problems = append(r.problems, fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(r)
}

func (r *recorder) run(rss, atom string) (problems []string) {
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		problems = r.problems
	}()
	W3CRules(r, "https://s.example/x/rss.xml", []byte(rss), "https://s.example/x/atom.xml", []byte(atom))
	return r.problems
}

const (
	cleanItem = `<item><title>One</title><link>https://s.example/1</link><guid isPermaLink="true">https://s.example/1</guid>` +
		`<pubDate>Mon, 02 Nov 2026 08:00:00 +0000</pubDate><description>Text.</description>` +
		`<content:encoded><![CDATA[<p>Text.</p>]]></content:encoded>` +
		`<enclosure url="https://s.example/1.mp3" length="5" type="audio/mpeg"/></item>`
	cleanEntry = `<entry><id>https://s.example/1</id><title>One</title><updated>2026-11-02T08:00:00Z</updated>` +
		`<published>2026-11-02T08:00:00Z</published><summary type="text">Text.</summary><content type="html">&lt;p&gt;Text.&lt;/p&gt;</content>` +
		`<source><id>https://up.example/</id><title>Up</title><updated>2026-11-02T08:00:00Z</updated></source></entry>`
)

func rssDocWith(channel, items string) string {
	return `<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:media="http://search.yahoo.com/mrss/"><channel>` +
		`<title>S</title><link>https://s.example/x/</link><description>S</description><language>en</language><ttl>5</ttl>` +
		`<lastBuildDate>Mon, 02 Nov 2026 08:00:00 +0000</lastBuildDate><atom:link href="https://s.example/x/rss.xml" rel="self" type="application/rss+xml"/>` +
		channel + items + `</channel></rss>`
}

func atomDocWith(entries string) string {
	return `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><id>tag:s.example,2026:x</id><title>S</title><updated>2026-11-02T08:00:00Z</updated>` +
		`<link href="https://s.example/x/atom.xml" rel="self"/>` + entries + `</feed>`
}

// TestW3CRulesWarnings: each rule catches what it is for, and a clean
// document draws nothing.
func TestW3CRulesWarnings(t *testing.T) {
	itunesChannel := `<itunes:explicit>false</itunes:explicit><itunes:category text="News"/><itunes:owner><itunes:email>p@s.example</itunes:email></itunes:owner>`
	tests := []struct {
		name, rss, atom, want string // want: in a problem; "" for none
	}{
		{"clean", rssDocWith("", cleanItem), atomDocWith(cleanEntry), ""},
		{"clean podcast", rssDocWith(itunesChannel, strings.Replace(cleanItem, "</item>", "<itunes:duration>1:02:03</itunes:duration><itunes:explicit>true</itunes:explicit></item>", 1)), atomDocWith(cleanEntry), ""},
		{"empty description", rssDocWith("", strings.Replace(cleanItem, "<description>Text.</description>", "<description></description>", 1)), atomDocWith(cleanEntry), "NotBlank"},
		{"two enclosures", rssDocWith("", strings.Replace(cleanItem, "</item>", `<enclosure url="https://s.example/2.mp3" length="5" type="audio/mpeg"/></item>`, 1)), atomDocWith(cleanEntry), "DuplicateEnclosure"},
		{"iframe in content", rssDocWith("", strings.Replace(cleanItem, "<p>Text.</p>", `<iframe src="https://www.youtube.com/embed/x"></iframe>`, 1)), atomDocWith(cleanEntry), "security risk"},
		{"invalid HTML", rssDocWith("", strings.Replace(cleanItem, "<p>Text.</p>", `<p>Text.</div>`, 1)), atomDocWith(cleanEntry), "closes nothing"},
		{"iTunes without channel tags", rssDocWith("", strings.Replace(cleanItem, "</item>", "<itunes:explicit>false</itunes:explicit></item>", 1)), atomDocWith(cleanEntry), "iTunes channel"},
		{"iTunes yes/no", rssDocWith(itunesChannel, strings.Replace(cleanItem, "</item>", "<itunes:explicit>no</itunes:explicit></item>", 1)), atomDocWith(cleanEntry), "neither true nor false"},
		{"iTunes format", rssDocWith(itunesChannel, strings.Replace(strings.Replace(cleanItem, "1.mp3", "1.ogg", 1), "</item>", "<itunes:explicit>false</itunes:explicit></item>", 1)), atomDocWith(cleanEntry), "UnsupportedItunesFormat"},
		{"media medium", rssDocWith("", strings.Replace(cleanItem, "</item>", `<media:content url="https://s.example/a.jpg" medium="photo"/></item>`, 1)), atomDocWith(cleanEntry), "medium"},
		{"non-canonical source id", rssDocWith("", cleanItem), atomDocWith(strings.Replace(cleanEntry, "https://up.example/", "https://Up.example", 1)), "not canonical"},
		{"entry without text", rssDocWith("", cleanItem), atomDocWith(strings.Replace(strings.Replace(cleanEntry, `<summary type="text">Text.</summary>`, "", 1), `<content type="html">&lt;p&gt;Text.&lt;/p&gt;</content>`, "", 1)), "MissingTextualContent"},
		{"duplicate updated", rssDocWith("", cleanItem), atomDocWith(cleanEntry + strings.Replace(cleanEntry, "https://s.example/1<", "https://s.example/2<", 1)), "DuplicateUpdated"},
		{"implausible date", rssDocWith("", strings.Replace(cleanItem, "2026", "1970", 1)), atomDocWith(cleanEntry), "implausible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&recorder{TB: t}).run(tt.rss, tt.atom)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("problems in a clean document: %q", got)
			case tt.want != "" && !strings.Contains(strings.Join(got, "\n"), tt.want):
				t.Errorf("problems %q, want one with %q", got, tt.want)
			}
		})
	}
}
