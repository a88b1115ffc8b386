package feedtest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"
)

func TestRSS(t *testing.T) {
	tests := []struct {
		name             string
		newest, n        int
		media            bool
		minSize, maxSize int
	}{
		{"busy feed", 49, 50, false, 150 << 10, 250 << 10},
		{"with media", 19, 20, true, 60 << 10, 100 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := RSS(tt.newest, tt.n, "s", tt.media)
			if len(b) < tt.minSize || len(b) > tt.maxSize {
				t.Errorf("%d bytes, want %d to %d", len(b), tt.minSize, tt.maxSize)
			}
			if got := bytes.Count(b, []byte("<item>")); got != tt.n {
				t.Errorf("%d items, want %d", got, tt.n)
			}
			if got := bytes.Count(b, []byte("<media:content")); (got > 0) != tt.media {
				t.Errorf("%d media:content elements, media %v", got, tt.media)
			}
			d := xml.NewDecoder(bytes.NewReader(b))
			for {
				if _, err := d.Token(); err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("not well-formed: %v", err)
					}
					break
				}
			}
		})
	}
	if a, b := RSS(10, 5, "s", false), RSS(11, 5, "s", false); bytes.Equal(a, b) || !bytes.Contains(b, []byte(">s-7<")) || !bytes.Contains(a, []byte(">s-7<")) {
		t.Errorf("consecutive feeds should differ yet share items")
	}
}
