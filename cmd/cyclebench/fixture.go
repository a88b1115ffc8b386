package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// delay is added to every response of the fixture, 304s included: an
// upstream across a network rather than on the same machine.
const delay = 20 * time.Millisecond

// fixture serves every source's feed from the loopback addresses of the
// plan, one listener per address. Each feed is in generation gen: its
// ETag names the generation, so a conditional request for the current
// one is answered 304, and a new generation is 200 with PerFeed new items.
type fixture struct {
	plan    plan
	servers []*http.Server
	ports   []int // by host index

	gen    atomic.Int64
	mu     sync.RWMutex
	bodies [][]byte // by source, for generation bodyGen
	bodyG  int

	served atomic.Int64 // responses to feed requests since reset
	last   atomic.Int64 // unix nanoseconds of the latest response
	// other counts responses to anything but a feed since reset: the
	// site pages and icon an aggregator may look for (Miniflux does,
	// for a feed it holds no icon of), which syndicate never asks for.
	other atomic.Int64
}

// startFixture listens on every address of the plan; Linux routes all of
// 127/8 to the loopback interface.
func startFixture(p plan) (*fixture, error) {
	f := &fixture{plan: p, bodyG: -1}
	for h := range p.Hosts {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+h))
		if err != nil {
			f.close()
			return nil, fmt.Errorf("fixture: %w", err)
		}
		srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
		f.servers = append(f.servers, srv)
		f.ports = append(f.ports, l.Addr().(*net.TCPAddr).Port)
		go srv.Serve(l)
	}
	f.setGen(0)
	return f, nil
}

func (f *fixture) close() {
	for _, s := range f.servers {
		s.Close()
	}
}

// url is source s's feed URL.
func (f *fixture) url(s int) string {
	return fmt.Sprintf("http://%s:%d/s/%d/feed.xml", f.plan.host(s), f.ports[s%f.plan.Hosts], s)
}

// setGen renders every feed of generation g ahead, so that the cycle's
// CPU is the instance's, not the fixture's, then serves it.
func (f *fixture) setGen(g int) {
	bodies := make([][]byte, f.plan.Sources)
	for s := range bodies {
		bodies[s] = f.feed(s, g)
	}
	f.mu.Lock()
	f.bodies, f.bodyG = bodies, g
	f.mu.Unlock()
	f.gen.Store(int64(g))
}

// reset starts counting responses afresh.
func (f *fixture) reset() { f.served.Store(0); f.last.Store(0); f.other.Store(0) }

func (f *fixture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(delay)
	rest, ok := strings.CutPrefix(r.URL.Path, "/s/")
	id, ok2 := strings.CutSuffix(rest, "/feed.xml")
	s, err := strconv.Atoi(id)
	if !ok || !ok2 || err != nil || s < 0 || s >= f.plan.Sources {
		defer f.other.Add(1)
		// Every site has an icon, as most real ones do: an aggregator
		// that looks for one finds it once rather than at every poll.
		if r.URL.Path == "/favicon.ico" {
			w.Header().Set("Content-Type", "image/png")
			w.Write(favicon)
			return
		}
		http.NotFound(w, r)
		return
	}
	defer func() {
		f.served.Add(1)
		f.last.Store(time.Now().UnixNano())
	}()
	f.mu.RLock()
	body, g := f.bodies[s], f.bodyG
	f.mu.RUnlock()
	etag := fmt.Sprintf(`"g%d"`, g)
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Write(body)
}

// favicon is the icon every fixture site serves: a plain 16×16 PNG.
var favicon = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0x2a, 0x6f, 0x97, 0xff}), image.Point{}, draw.Src)
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}()

// words make up the fixture's prose; what they say does not matter, only
// that every item's text differs.
var words = strings.Fields(`harbour council ferry timetable winter storm
	grain shipment court ruling budget vote rail strike museum opening river
	levels election count trade talks bridge repairs school term fishing quota
	wind farm hospital wing airport runway market prices border crossing`)

// feed is source s's RSS document in generation g.
func (f *fixture) feed(s, g int) []byte {
	p := f.plan
	var b bytes.Buffer
	base := fmt.Sprintf("http://%s:%d", p.host(s), f.ports[s%p.Hosts])
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire %04d</title><link>%s/s/%d/</link><description>Bench source %d</description>
`, s, base, s, s)
	for j := range p.PerFeed {
		fmt.Fprintf(&b, "<item><title>Wire %d dispatch %d of generation %d</title><link>%s%s</link><guid isPermaLink=\"false\">wire-%d-g%d-i%d</guid><pubDate>%s</pubDate><description><![CDATA[",
			s, j, g, base, itemPath(s, g, j), s, g, j, p.published(s, g, j).Format(time.RFC1123Z))
		n := 0
		for k := 0; n < p.BodySize; k++ {
			para := fmt.Sprintf("<p>%s %s %s, said the %s desk of wire %d (%d.%d.%d).</p>",
				words[(s+k)%len(words)], words[(j+2*k)%len(words)], words[(g+3*k+s*j)%len(words)], words[k%len(words)], s, g, j, k)
			b.WriteString(para)
			n += len(para)
		}
		b.WriteString("]]></description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}
