package audience

import (
	"testing"
	"time"

	"syndicate/internal/server"
	"syndicate/internal/store"
)

// BenchmarkObserve is what the counting hook costs a request of a client
// already seen today (every poll but a client's first of the day), and
// of a partner's; BenchmarkHotPath in internal/server sets it beside a
// whole request.
func BenchmarkObserve(b *testing.B) {
	c := New(Options{Store: store.NewMemory(), Timeout: time.Second})
	for _, tc := range []struct {
		name string
		hit  server.Hit
	}{
		{"public-seen", server.Hit{Path: "/asia/rss.xml", Doc: 0x5eed, Section: "asia", Status: 200, Bytes: 4000, UserAgent: "NetNewsWire (RSS Reader; https://netnewswire.com/)", Remote: "198.51.100.7:51234"}},
		{"partner", server.Hit{Path: "/asia/rss.xml", Doc: 0x5eed, Section: "asia", Status: 200, Bytes: 4000, UserAgent: "Wire/1.0", Remote: "198.51.100.7:51234", Partner: "wire"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Observe(tc.hit)
			}
		})
	}
}
