package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// POST /api/v1/poll polls every source at once, whatever its schedule,
// and answers when the polls are done; it exists only behind a token or
// on the operators' own listener, since each request costs a poll of
// every source.
func TestPollRoute(t *testing.T) {
	var hits atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, upstreamRSS)
	}))
	defer upstream.Close()
	for _, tc := range []struct {
		name, token string
		want        int // status of an authorized POST
	}{
		{"with a token", "s3cret-token", http.StatusOK},
		{"open on the public listener", "", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			_, front, _ := serveApp(t, "gulf-ports.md", testArticle, func(base string) string {
				cfg := fmt.Sprintf(testConfig, base, upstream.URL)
				cfg = strings.Replace(cfg, `interval = "1s"`, `interval = "1h"`, 1)
				if tc.token != "" {
					cfg = strings.Replace(cfg, "[content]", fmt.Sprintf("[server]\nops_token = %q\n\n[content]", tc.token), 1)
				}
				return cfg
			}, slog.New(slog.DiscardHandler))
			waitFor(t, front.URL+"/middle-east/rss.xml", "Ceasefire talks resume in Doha")
			before := hits.Load()

			post := func(token string) *http.Response {
				req, _ := http.NewRequest("POST", front.URL+"/api/v1/poll", nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { resp.Body.Close() })
				return resp
			}
			resp := post(tc.token)
			if resp.StatusCode != tc.want {
				t.Fatalf("POST /api/v1/poll: %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want != http.StatusOK {
				if n := hits.Load(); n != before {
					t.Errorf("a refused request polled the upstream %d times", n-before)
				}
				return
			}
			var out struct{ Sources, Failed int }
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if out.Sources != 1 || out.Failed != 0 {
				t.Errorf("answer %+v, want 1 source, 0 failed", out)
			}
			// Answered once the poll is done: the upstream has been asked,
			// though the source is not due for an hour.
			if n := hits.Load(); n != before+1 {
				t.Errorf("upstream asked %d times by the request, want 1", n-before)
			}
			if resp := post(""); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST without the token: %d, want 401", resp.StatusCode)
			}
			if n := hits.Load(); n != before+1 {
				t.Errorf("an unauthorized request polled the upstream")
			}
		})
	}
}

// wires is an app with one section, "wires", fed by n upstream sources
// that publish one story per generation. Source i answers after
// delay(i, generation), and a delay cut short when the test ends.
type wires struct {
	app   *App
	front string
	gen   atomic.Int64
	n     int
}

func newWires(t *testing.T, n int, delay func(source int, gen int64) time.Duration) *wires {
	t.Helper()
	w := &wires{n: n}
	done := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		g := w.gen.Load()
		var i int
		fmt.Sscanf(r.URL.Path, "/w%d", &i)
		select {
		case <-time.After(delay(i, g)):
		case <-done:
		case <-r.Context().Done():
		}
		rw.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(rw, `<rss version="2.0"><channel><title>%[1]s</title><link>https://up.example/</link><description>x</description>
<item><title>Story %[1]s generation %[2]d</title><link>https://up.example%[1]s/%[2]d</link><guid>%[1]s-%[2]d</guid><pubDate>Mon, 0%[2]d Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>`, r.URL.Path, g+1)
	}))
	t.Cleanup(upstream.Close)
	t.Cleanup(func() { close(done) }) // before the upstream closes: cleanups run last first
	cfg := fmt.Sprintf("[site]\ntitle = \"T\"\nbase_url = \"%%s\"\n\n[server]\nops_token = \"tok\"\n\n[content]\ndir = \"feeds\"\n\n[fetch]\nallow_private = true\nper_host = %d\n\n[[section]]\nslug = \"wires\"\ntitle = \"Wires\"\n\n", n)
	for i := range n {
		cfg += fmt.Sprintf("[[source]]\nid = \"w%d\"\nurl = \"%s/w%d\"\ninterval = \"1h\"\nsections = [\"wires\"]\n\n", i, upstream.URL, i)
	}
	a, front, _ := serveApp(t, "gulf-ports.md", strings.Replace(testArticle, `"middle-east"`, `"wires"`, 1),
		func(base string) string { return fmt.Sprintf(cfg, base) }, slog.New(slog.DiscardHandler))
	w.app, w.front = a, front.URL
	for i := range n {
		w.waitShown(t, i, 1)
	}
	return w
}

// waitShown waits until the section shows source i's story of generation g.
func (w *wires) waitShown(t *testing.T, i, g int) {
	t.Helper()
	waitFor(t, w.front+"/wires/feed.json", fmt.Sprintf("Story /w%d generation %d", i, g))
}

// renders is how many times the section has been rendered.
func (w *wires) renders() int { return w.app.Publisher.Stats()["wires"].Renders }

// pollAll asks for a cycle of every source, as an operator does, and
// returns once every poll is done.
func (w *wires) pollAll(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, "POST", w.front+"/api/v1/poll", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /api/v1/poll: %s", resp.Status)
	}
	return nil
}

// cycleRenders runs a cycle in which every source has a new story, as an
// operator asks for one, waits until the section shows them all and
// returns how many times it was rendered meanwhile.
func (w *wires) cycleRenders(t *testing.T) int {
	t.Helper()
	w.quiet(t)
	before := w.renders()
	w.gen.Add(1)
	if err := w.pollAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i := range w.n {
		w.waitShown(t, i, int(w.gen.Load())+1)
	}
	return w.renders() - before
}

// quiet waits until no change waits to be published: a poll of the fill
// may note a change after a publish already showed its items, and that
// change's window would start before the test's next cycle does.
func (w *wires) quiet(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.app.pendingMu.Lock()
		n := len(w.app.pending)
		w.app.pendingMu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d changes still wait to be published", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func noDelay(int, int64) time.Duration { return 0 }

// A cycle in which every source changes renders each section a bounded
// number of times, not once per source: the changes are published
// together.
func TestCycleRendersSectionsOnce(t *testing.T) {
	const sources = 12
	w := newWires(t, sources, noDelay)
	if n := w.cycleRenders(t); n > 2 {
		t.Errorf("a cycle of %d changed sources rendered the section %d times, want at most 2", sources, n)
	}
}

// Polls of a cycle that end one after another over more than a second
// are published together once the last is done, not once per coalescing
// window as each ends.
func TestCycleWaitsForPollsUnderWay(t *testing.T) {
	const sources = 8
	w := newWires(t, sources, func(i int, g int64) time.Duration {
		if g == 0 {
			return 0
		}
		return time.Duration(i) * 3 * coalesce / 4
	})
	if n := w.cycleRenders(t); n > 2 {
		t.Errorf("polls ending %v apart over %v rendered the section %d times, want at most 2",
			3*coalesce/4, time.Duration(sources-1)*3*coalesce/4, n)
	}
}

// A poll that hangs holds back what the other polls changed for
// coalesceBusy at most.
func TestHangingPollHoldsBackPublishingForABoundedTime(t *testing.T) {
	const hang = 4 * coalesceBusy
	w := newWires(t, 2, func(i int, g int64) time.Duration {
		if g > 0 && i == 1 {
			return hang
		}
		return 0
	})
	w.quiet(t)
	w.gen.Store(1)
	start := time.Now()
	go w.pollAll(t.Context()) // answers when the hanging poll is done: the test does not wait for it
	w.waitShown(t, 0, 2)
	if took := time.Since(start); took < coalesceBusy || took > coalesceBusy+3*time.Second {
		t.Errorf("a change was published %v after the cycle began, with another poll under way for %v; want after %v, soon after",
			took, hang, coalesceBusy)
	}
}
