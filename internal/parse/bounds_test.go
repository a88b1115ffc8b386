package parse

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"syndicate/internal/config"
)

// defaultBounds are the bounds config gives a poller by default.
func defaultBounds() *Bounds {
	f := config.Defaults().Fetch
	return NewBounds(f.MaxDepth, f.ParseMemory)
}

const rssHead = `<?xml version="1.0"?><rss version="2.0" xmlns:a="http://a.example/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title><item><title>x</title>`
const rssTail = `</item></channel></rss>`

// nested is an RSS document whose item holds extension elements nested
// levels deep: the document itself is then levels+3 deep.
func nested(levels int) []byte {
	return []byte(rssHead + strings.Repeat("<a:b>", levels) + "x" + strings.Repeat("</a:b>", levels) + rssTail)
}

func TestAdmitRefusesDeepDocuments(t *testing.T) {
	max := config.Defaults().Fetch.MaxDepth
	tests := []struct {
		name string
		body []byte
		deep bool
	}{
		{"at the limit", nested(max - 3), false},
		{"one level too deep", nested(max - 2), true},
		{"the 10 MB document of issue 10", nested(900_000), true},
		{"depth hidden after a control character gofeed drops", []byte(rssHead + "<a:b\x01>" + strings.Repeat("<a:b>", max) + rssTail), true},
		{"depth in a CDATA section is text", []byte(rssHead + "<description><![CDATA[" + strings.Repeat("<p>", 2*max) + "]]></description>" + rssTail), false},
		{"depth in a comment is text", []byte(rssHead + "<!--" + strings.Repeat("<p>", 2*max) + "-->" + rssTail), false},
		{"end tags that close nothing", []byte(rssHead + strings.Repeat("<a:b></a:c></a:d>", max) + rssTail), false},
		{"deep JSON", []byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"_x":` + strings.Repeat("[", 2*max) + strings.Repeat("]", 2*max) + `}]}`), true},
		{"brackets in a JSON string are text", []byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"title":"` + strings.Repeat(`[\"{`, 2*max) + `"}]}`), false},
		{"neither XML nor JSON", []byte(strings.Repeat("[", 2*max)), false},
	}
	b := defaultBounds()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release, err := b.Admit(t.Context(), tt.body)
			if !tt.deep {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				release()
				return
			}
			if err == nil || err.Error() != "parse: nested deeper than 256 levels (fetch.max_depth)" {
				t.Errorf("err = %v, want the depth refused", err)
			}
		})
	}
}

// Every fixture, realistic feeds among them, passes the default bounds.
func TestAdmitFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	b := defaultBounds()
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		release, err := b.Admit(t.Context(), body)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		release()
	}
}

func fill(head, unit, tail string, size int) []byte {
	var b bytes.Buffer
	b.WriteString(head)
	for b.Len()+len(unit)+len(tail) <= size {
		b.WriteString(unit)
	}
	b.WriteString(tail)
	return b.Bytes()
}

func TestAdmitRefusesCostlyDocuments(t *testing.T) {
	const size = 10 << 20 // fetch.max_body_bytes
	for name, body := range map[string][]byte{
		"RSS of empty items":       fill(`<rss version="2.0"><channel><title>t</title>`, "<item/>", "</channel></rss>", size),
		"JSON Feed of empty items": fill(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{}`, ",{}", "]}", size),
		"attributes":               fill(rssHead+"<a:b ", `a:c="" `, "/>"+rssTail, size),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := defaultBounds().Admit(t.Context(), body)
			if err == nil || !strings.Contains(err.Error(), "more than fetch.parse_memory (256 MiB)") {
				t.Errorf("err = %v", err)
			}
		})
	}
	// Text costs by the byte: a 10 MB article fits.
	body := fill(rssHead+"<description>", "plain text ", "</description>"+rssTail, size)
	release, err := defaultBounds().Admit(t.Context(), body)
	if err != nil {
		t.Fatalf("a 10 MB body of text: %v", err)
	}
	release()
}

// received reports whether ch yields within a moment: long enough for a
// goroutine that could go on to do so, not a promise that it never will.
func received(ch <-chan error) bool {
	select {
	case <-ch:
		return true
	case <-time.After(50 * time.Millisecond):
		return false
	}
}

func TestBudget(t *testing.T) {
	ctx := t.Context()
	b := newBudget(100)
	if err := b.acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	big := make(chan error, 1)
	go func() { big <- b.acquire(ctx, 70) }()
	for b.queued() < 1 {
		time.Sleep(time.Millisecond)
	}
	// A small request that would fit waits behind the big one, so that a
	// stream of small parses cannot keep a big one waiting for ever.
	small := make(chan error, 1)
	go func() { small <- b.acquire(ctx, 10) }()
	for b.queued() < 2 {
		time.Sleep(time.Millisecond)
	}
	if received(big) || received(small) {
		t.Fatal("a request was granted beyond the budget or out of turn")
	}
	b.release(60)
	if err := <-big; err != nil {
		t.Fatal(err)
	}
	if err := <-small; err != nil {
		t.Fatal(err)
	}

	// A waiter that gives up leaves the budget as it found it.
	gaveUp, cancel := context.WithCancel(ctx)
	waiting := make(chan error, 1)
	go func() { waiting <- b.acquire(gaveUp, 50) }()
	for b.queued() < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled wait: %v", err)
	}
	b.release(70)
	b.release(10)
	if err := b.acquire(ctx, 100); err != nil || b.free != 0 {
		t.Fatalf("whole budget after a canceled wait: %v, free %d", err, b.free)
	}
}

// queued is how many acquirers wait.
func (b *budget) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.waiting)
}
