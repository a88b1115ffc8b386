package render

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/feeds"

	"syndicate/internal/document"
	"syndicate/internal/item"
)

// Benchmarks render synthetic sections of realistic articles (3-5 KB of
// HTML, an image, two authors, four tags) beside the naive baseline: the
// same items through gorilla/feeds' generic Feed, ToRss/ToAtom/ToJSON and
// compress/gzip at its default level.

var benchSizes = []int{50, 1000}

// vocabulary is a few thousand made-up words whose frequencies follow
// Zipf's law, like a language's: text drawn from it compresses about as
// well as English prose, where a short word list would flatter gzip.
var vocabulary = func() []string {
	rng := rand.New(rand.NewPCG(1, 2))
	onsets := strings.Fields("b c d f g h j k l m n p r s t v w z br ch dr gr kh pl sh st th tr")
	vowels := strings.Fields("a e i o u ai ea ou ie")
	words := make([]string, 20000)
	for i := range words {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(onsets[rng.IntN(len(onsets))])
			b.WriteString(vowels[rng.IntN(len(vowels))])
		}
		if rng.IntN(3) == 0 {
			b.WriteString(onsets[rng.IntN(len(onsets))])
		}
		words[i] = b.String()
	}
	return words
}()

// benchText makes n words of deterministic prose.
func benchText(seed, n int) string {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	zipf := rand.NewZipf(rng, 1.01, 8, uint64(len(vocabulary)-1))
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocabulary[zipf.Uint64()])
	}
	return b.String()
}

func benchItem(i int) *item.Item {
	var body strings.Builder
	paragraphs := 5 + i%4 // 3-5 KB
	for p := range paragraphs {
		seed := 100 * (i*10 + p) // distinct text everywhere, as in real articles
		fmt.Fprintf(&body, "<p>%s, said <a href=\"https://news.example/people/%d/\">an official</a>. <em>%s</em> &amp; %s.</p>\n",
			benchText(seed, 60), p, benchText(seed+1, 8), benchText(seed+2, 30))
	}
	published := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC).Add(-time.Duration(i) * time.Hour)
	return &item.Item{
		ID:          fmt.Sprintf("tag:news.example,2026-01-01:article/story-%d", i),
		URL:         fmt.Sprintf("https://news.example/articles/story-%d/", i),
		Title:       benchText(100*i+91, 9),
		Summary:     benchText(100*i+92, 30),
		ContentHTML: body.String(),
		Authors: []item.Person{
			{Name: "Leïla Haddad", Email: "leila.haddad@news.example", URL: "https://news.example/authors/leila-haddad/"},
			{Name: "Tomás Ortega"},
		},
		Sections: []string{"middle-east", "analysis"},
		Tags:     []string{"shipping", "iran", "insurance", vocabulary[i%len(vocabulary)]},
		Image: &item.Image{
			URL:     fmt.Sprintf("https://news.example/media/story-%d.jpg", i),
			Caption: benchText(100*i+93, 10),
			Credit:  "Photo: Amal Nasser",
			Type:    "image/jpeg",
			Length:  int64(100000 + i),
		},
		Published: published,
		Updated:   published.Add(30 * time.Minute),
	}
}

func benchSection(n int) Section {
	sec := Section{Slug: "middle-east", Title: "Middle East", Description: "Reporting from the region"}
	for i := range n {
		sec.Items = append(sec.Items, benchItem(i))
	}
	return sec
}

// BenchmarkRender is a cold render: the fragment cache is emptied before
// each, so every item is encoded and compressed in all three formats.
func BenchmarkRender(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			site, sec := fixtureSite(), benchSection(n)
			b.ReportAllocs()
			for b.Loop() {
				fragments.reset()
				if _, err := Feeds(site, sec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderWarm is the common case when an article is edited: one
// item changed, every other item's fragments come from the cache.
func BenchmarkRenderWarm(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			site, sec := fixtureSite(), benchSection(n)
			fragments.reset()
			if _, err := Feeds(site, sec); err != nil {
				b.Fatal(err)
			}
			edited := sec.Items[n/2]
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				edited.Updated = edited.Published.Add(time.Duration(i) * time.Second)
				if _, err := Feeds(site, sec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// tricks render a channel's feeds as render does, and as it would with
// each of its speed tricks taken out, so that every trick is measured
// against its absence on the same work. Compressing runs of items rather
// than single items, and sharing a render out among goroutines, were
// measured so and deleted for want of 1.5x (see the git log).
var tricks = []struct {
	name   string
	render func(c *channel) ([]document.Document, error)
}{
	{"all", func(c *channel) ([]document.Document, error) { return c.render(FeedFormats) }},
	// Every item encoded and compressed, each render.
	{"without-cache", func(c *channel) ([]document.Document, error) {
		c.cache = newFragmentCache(fragmentLimit)
		return c.render(FeedFormats)
	}},
	// Not a trick taken out but the publisher's way: every document
	// sealed once rendered, so that the next render reads the fragments
	// it reuses back from the documents' files. Its "speedup" is what
	// that costs (below 1).
	{"sealed", func(c *channel) ([]document.Document, error) {
		docs, err := c.render(FeedFormats)
		for i, doc := range docs {
			docs[i] = doc.Seal()
			c.cache.sealed(doc, docs[i])
		}
		return docs, err
	}},
	// The whole body compressed each render, as NewDocument does for pages.
	{"without-splice", func(c *channel) ([]document.Document, error) {
		docs := make([]document.Document, len(FeedFormats))
		for i, format := range FeedFormats {
			j, err := c.encode(format)
			if err != nil {
				return nil, err
			}
			docs[i] = NewDocument(bytes.Join(j.body(), nil), j.contentType, c.lastModified)
		}
		return docs, nil
	}},
}

// BenchmarkTricks re-renders a 50-item section in every format with its
// gzip copies, cold (empty cache) and after one edit (every other item
// cached), with all of render's tricks ("with") and with one taken out
// ("without"). The two alternate within each iteration, so that a busy
// machine slows both alike; speedup is without-ms over with-ms, and the
// gzip-kB metrics are the three gzip copies' total size.
func BenchmarkTricks(b *testing.B) {
	for _, mode := range []string{"cold", "edit"} {
		for _, trick := range tricks[1:] {
			b.Run(mode+"/"+trick.name, func(b *testing.B) {
				with, without := newTrickRun(b, tricks[0].render), newTrickRun(b, trick.render)
				for b.Loop() {
					with.step(b, mode == "cold")
					without.step(b, mode == "cold")
				}
				b.ReportMetric(with.ms(), "with-ms")
				b.ReportMetric(without.ms(), "without-ms")
				b.ReportMetric(without.ms()/with.ms(), "speedup")
				b.ReportMetric(with.gzipKB(), "with-gzip-kB")
				b.ReportMetric(without.gzipKB(), "without-gzip-kB")
			})
		}
	}
}

// trickRun is one variant's section and cache, warmed by a first render.
type trickRun struct {
	render  func(c *channel) ([]document.Document, error)
	sec     Section
	cache   *fragmentCache
	docs    []document.Document
	elapsed time.Duration
	steps   int
}

func newTrickRun(b *testing.B, render func(c *channel) ([]document.Document, error)) *trickRun {
	r := &trickRun{render: render, sec: benchSection(50), cache: newFragmentCache(fragmentLimit)}
	r.run(b)
	return r
}

func (r *trickRun) run(b *testing.B) {
	c := newChannel(fixtureSite(), r.sec)
	c.cache = r.cache
	var err error
	if r.docs, err = r.render(c); err != nil {
		b.Fatal(err)
	}
}

// step renders once, cold or after editing the middle item, and times it.
func (r *trickRun) step(b *testing.B, cold bool) {
	r.steps++
	if cold {
		r.cache = newFragmentCache(fragmentLimit)
	} else {
		edited := r.sec.Items[len(r.sec.Items)/2]
		edited.Updated = edited.Published.Add(time.Duration(r.steps) * time.Second)
	}
	start := time.Now()
	r.run(b)
	r.elapsed += time.Since(start)
}

func (r *trickRun) ms() float64 {
	return float64(r.elapsed.Microseconds()) / 1000 / float64(r.steps)
}

func (r *trickRun) gzipKB() float64 {
	size := 0
	for _, d := range r.docs {
		size += d.Len(document.PartGzip)
	}
	return float64(size) / 1000
}

// TestTricksRenderTheSame checks that the benchmark's variants do the same
// work: the same bodies and ETags, and gzip copies of those bodies.
func TestTricksRenderTheSame(t *testing.T) {
	want, err := Feeds(fixtureSite(), fixtureSection())
	if err != nil {
		t.Fatal(err)
	}
	for _, trick := range tricks {
		t.Run(trick.name, func(t *testing.T) {
			c := newChannel(fixtureSite(), fixtureSection())
			c.cache = newFragmentCache(fragmentLimit)
			docs, err := trick.render(c)
			if err != nil {
				t.Fatal(err)
			}
			for i, format := range FeedFormats {
				doc, err := docs[i].Opened()
				if err != nil {
					t.Fatal(err)
				}
				checkDocument(t, doc)
				if !bytes.Equal(doc.Body, want[format].Body) || doc.ETag != want[format].ETag {
					t.Errorf("%s differs from Feeds", format)
				}
			}
		})
	}
}

// BenchmarkNaive is gorilla/feeds used as documented, the way a first
// version would: generic items, indented output, default gzip.
func BenchmarkNaive(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			sec := benchSection(n)
			b.ReportAllocs()
			for b.Loop() {
				if err := naiveRender(fixtureSite(), sec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func naiveRender(site Site, sec Section) error {
	f := &feeds.Feed{
		Title:       site.Title + ": " + sec.Title,
		Link:        &feeds.Link{Href: site.BaseURL + "/" + sec.Slug + "/"},
		Description: sec.Description,
		Author:      &feeds.Author{Name: site.Title},
		Updated:     time.Now(),
	}
	for _, it := range sec.Items {
		fi := &feeds.Item{
			Title:       it.Title,
			Link:        &feeds.Link{Href: it.URL},
			Description: it.Summary,
			Id:          it.ID,
			Created:     it.Published,
			Updated:     it.Updated,
			Content:     it.ContentHTML,
		}
		if len(it.Authors) > 0 {
			fi.Author = &feeds.Author{Name: it.Authors[0].Name, Email: it.Authors[0].Email}
		}
		if im := it.Image; im != nil {
			fi.Enclosure = &feeds.Enclosure{Url: im.URL, Type: im.Type, Length: fmt.Sprint(im.Length)}
		}
		f.Add(fi)
	}
	for _, to := range []func() (string, error){f.ToRss, f.ToAtom, f.ToJSON} {
		s, err := to()
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write([]byte(s))
		if err := w.Close(); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkGzipLevel backs the choice of gzipLevel: time and size of the
// gzip copy of a 50-item RSS feed at each candidate level.
func BenchmarkGzipLevel(b *testing.B) {
	docs, err := Feeds(fixtureSite(), benchSection(50))
	if err != nil {
		b.Fatal(err)
	}
	body := docs[FormatRSS].Body
	for _, level := range []int{gzip.BestSpeed, gzip.DefaultCompression} {
		b.Run(fmt.Sprintf("level=%d", level), func(b *testing.B) {
			var buf bytes.Buffer
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				buf.Reset()
				w, _ := gzip.NewWriterLevel(&buf, level)
				w.Write(body)
				w.Close()
			}
			b.ReportMetric(float64(buf.Len())/float64(len(body)), "ratio")
		})
	}
}
