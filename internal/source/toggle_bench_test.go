package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/config"
	"syscall"
)

// windowFeed is a 50-item RSS feed whose newest item is number last:
// consecutive windows share 49 items, as consecutive polls of a busy feed do.
func windowFeed(last int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Bench Wire: World</title><link>https://news.example/world</link><description>World news</description><ttl>15</ttl>
`)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := last; i > last-50; i-- {
		fmt.Fprintf(&b, `<item>
<title>%s %s</title>
<link>https://news.example/world/2026/03/story-%d</link>
<guid isPermaLink="false">story-%d</guid>
<pubDate>%s</pubDate>
<dc:creator>Correspondent %d</dc:creator>
<category>World</category><category>Diplomacy</category>
<description>%s</description>
<content:encoded><![CDATA[%s]]></content:encoded>
</item>
`, strings.ToUpper(benchSentence(i, 1)), benchSentence(i+1, 8), i, i,
			base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), i%7,
			strings.ReplaceAll(strings.ReplaceAll("<p>"+benchSentence(i+2, 30)+" &amp; more</p>", "<", "&lt;"), ">", "&gt;"),
			benchArticle(i))
	}
	b.WriteString("</channel>\n</rss>\n")
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// BenchmarkToggles runs one source's poll — loopback fetch of a gzipped
// 200 KB feed that changed since the last poll, charset, parse, normalize,
// sanitize, merge, store in Memory — with every trick on, then with each
// switched off in turn.
func BenchmarkToggles(b *testing.B) {
	const windows = 64
	var plain, packed [windows][]byte
	for k := range windows {
		plain[k] = windowFeed(1000 + k)
		packed[k] = gz(plain[k])
	}
	var k atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := k.Load() % windows
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(packed[n])
			return
		}
		w.Write(plain[n])
	}))
	defer srv.Close()
	b.Logf("feed %d bytes, %d gzipped", len(plain[0]), len(packed[0]))
	for _, v := range []struct {
		name string
		flag *bool
	}{{"all-on", nil}, {"no-lift", &liftOn}, {"no-fasttext", &fastText}, {"no-fanout", &fanOut}, {"no-handgzip", &handGzip}, {"plain+lift", nil}, {"plain", &liftOn}} {
		b.Run(v.name, func(b *testing.B) {
			if strings.HasPrefix(v.name, "plain") {
				fastText, fanOut, handGzip = false, false, false
				defer func() { fastText, fanOut, handGzip = true, true, true }()
			}
			if v.flag != nil {
				*v.flag = false
				defer func() { *v.flag = true }()
			}
			st := newTestStore()
			src := config.Source{ID: "bench", URL: srv.URL + "/feed", Interval: config.Duration{Duration: time.Minute}, Sections: []string{"world"}, MaxItems: 100}
			p := NewPoller(Options{Sources: []config.Source{src}, Store: st, States: st})
			ctx := context.Background()
			c0 := cpuTime()
			for b.Loop() {
				k.Add(1)
				if err := p.PollOnce(ctx, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkPlainTextToggle is plainText alone over a realistic feed's
// titles, summaries and categories, with and without the fast paths.
func BenchmarkPlainTextToggle(b *testing.B) {
	var in []string
	for i := range 50 {
		in = append(in, strings.ToUpper(benchSentence(i, 1))+" "+benchSentence(i+1, 8),
			"<p>"+benchSentence(i+2, 30)+" &amp; more</p>", "World", "Diplomacy", fmt.Sprintf("Correspondent %d", i%7))
	}
	for _, on := range []bool{true, false} {
		b.Run(fmt.Sprintf("fast=%v", on), func(b *testing.B) {
			fastText = on
			defer func() { fastText = true }()
			for b.Loop() {
				for _, s := range in {
					plainText(s)
				}
			}
		})
	}
}

// BenchmarkParseToggle is parseFeed alone on the same feed, lift on and off.
func BenchmarkParseToggle(b *testing.B) {
	body := windowFeed(1000)
	for _, on := range []bool{true, false} {
		b.Run(fmt.Sprintf("lift=%v", on), func(b *testing.B) {
			liftOn = on
			defer func() { liftOn = true }()
			for b.Loop() {
				if _, err := parseFeed(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCycleToggles is BenchmarkCycle1000 with tricks switched off.
func BenchmarkCycleToggles(b *testing.B) {
	for _, v := range []struct {
		name string
		flag *bool
	}{{"all-on", nil}, {"no-lift", &liftOn}, {"no-fanout", &fanOut}} {
		b.Run(v.name, func(b *testing.B) {
			if v.flag != nil {
				*v.flag = false
				defer func() { *v.flag = true }()
			}
			BenchmarkCycle1000(b)
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
