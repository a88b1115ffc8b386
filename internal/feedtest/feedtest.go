// Package feedtest writes realistic upstream feeds for tests and
// benchmarks: news articles of about 3.5 KB with links, images, lists and
// quotes, and now and then the script and tracking markup a sanitizer must
// remove.
package feedtest

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// words is filler prose for generated articles.
var words = strings.Fields(`the ministers met in the capital on tuesday to discuss
the draft accord on maritime security while delegations from the gulf states pressed
for guarantees on shipping lanes insurance premiums and naval escorts analysts said the
talks could stall over sanctions relief and the sequencing of inspections but officials
on both sides described the atmosphere as constructive and businesslike`)

// Sentence is n words of prose, different for each seed.
func Sentence(seed, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[(seed*7+i*13)%len(words)])
	}
	return b.String()
}

// Article is an HTML body of about 3.5 KB: paragraphs with links, an
// image, a figure, a list, and every third article an inline script, a
// tracking pixel and an onclick.
func Article(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><img src="/media/%d/lead.jpg" alt="%s" width="1200" height="675"><figcaption>%s</figcaption></figure>`,
		n, Sentence(n, 6), Sentence(n+1, 12))
	for p := range 6 {
		fmt.Fprintf(&b, `<p>%s <a href="https://news.example/world/%d-%d">%s</a> %s, <em>%s</em>.</p>`,
			Sentence(n+p, 40), n, p, Sentence(n+p+2, 4), Sentence(n+p+3, 30), Sentence(n+p+4, 5))
	}
	fmt.Fprintf(&b, `<ul><li>%s</li><li>%s</li><li><a href="/related/%d">%s</a></li></ul>`,
		Sentence(n, 10), Sentence(n+5, 10), n, Sentence(n+6, 6))
	fmt.Fprintf(&b, `<blockquote cite="https://news.example/q/%d"><p>%s</p></blockquote>`, n, Sentence(n+9, 25))
	if n%3 == 0 {
		fmt.Fprintf(&b, `<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"article":%d});</script>`, n)
		fmt.Fprintf(&b, `<img src="https://tracker.example/pixel.gif?a=%d" width="1" height="1" onload="track(this)">`, n)
		b.WriteString(`<p onclick="share()">Share this article</p>`)
	}
	return b.String()
}

// RSS is an RSS 2.0 feed of n items, numbered newest down, each dated a
// minute after the one before, with an escaped HTML description and the
// article in content:encoded, as WordPress writes them: 50 items make about
// 200 KB, a busy news feed. Consecutive newest numbers give feeds that
// share all items but one, as consecutive polls of such a feed do. Items
// are told apart across feeds by salt. With media, each item also declares
// its lead image with media:content, as wire services do.
func RSS(newest, n int, salt string, media bool) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>Bench Wire: World</title>
<link>https://news.example/world</link>
<description>World news from the bench wire</description>
<language>en</language>
<ttl>15</ttl>
`)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := newest; i > newest-n; i-- {
		fmt.Fprintf(&b, `<item>
<title>%s %s</title>
<link>https://news.example/world/2026/03/story-%d</link>
<guid isPermaLink="false">%s-%d</guid>
<pubDate>%s</pubDate>
<dc:creator>Correspondent %d</dc:creator>
<category>World</category><category>Diplomacy</category>
<description>%s</description>%s
<content:encoded><![CDATA[%s]]></content:encoded>
</item>
`, strings.ToUpper(Sentence(i, 1)), Sentence(i+1, 8), i, salt, i,
			base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), i%7,
			strings.ReplaceAll(strings.ReplaceAll("<p>"+Sentence(i+2, 30)+" &amp; more</p>", "<", "&lt;"), ">", "&gt;"),
			mediaContent(media, i), Article(i))
	}
	b.WriteString("</channel>\n</rss>\n")
	return b.Bytes()
}

func mediaContent(media bool, i int) string {
	if !media {
		return ""
	}
	return fmt.Sprintf("\n<media:content url=\"https://news.example/media/%d/lead.jpg\" type=\"image/jpeg\" medium=\"image\" fileSize=\"%d\"/>", i, 100000+i)
}
