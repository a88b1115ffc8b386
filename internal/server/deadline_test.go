package server

import (
	"net"
	"net/http"
	"testing"
	"time"
)

func TestMoved(t *testing.T) {
	now := time.Date(2026, 12, 2, 22, 0, 0, 0, time.UTC)
	span := 80 * time.Second
	tests := []struct {
		name string
		set  time.Time
		span time.Duration
		want bool
	}{
		{"none set", time.Time{}, span, true},
		{"set a moment ago", now.Add(span - time.Second), span, false},
		{"set an eighth of the span ago", now.Add(span - span/8), span, false},
		{"set longer ago", now.Add(span - span/8 - time.Second), span, true},
		{"set further out than asked", now.Add(span + time.Second), span, true},
		{"no deadline asked, none set", time.Time{}, 0, false},
		{"no deadline asked, one set", now.Add(time.Second), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, ok := moved(tt.set, now, tt.span)
			if ok != tt.want {
				t.Errorf("moved = %v, want %v", ok, tt.want)
			}
			if want := now.Add(tt.span); tt.span > 0 && !at.Equal(want) {
				t.Errorf("deadline %v, want %v", at, want)
			} else if tt.span == 0 && !at.IsZero() {
				t.Errorf("deadline %v, want none", at)
			}
		})
	}
}

func TestDateCache(t *testing.T) {
	var c dateCache
	first := time.Date(2026, 12, 2, 22, 0, 5, 100, time.FixedZone("CET", 3600))
	for _, now := range []time.Time{first, first.Add(800 * time.Millisecond), first.Add(time.Second), first.Add(time.Hour)} {
		got := string(c.appendDate([]byte("Date: "), now))
		if want := "Date: " + now.UTC().Format(http.TimeFormat); got != want {
			t.Errorf("at %v: %q, want %q", now, got, want)
		}
	}
}

// BenchmarkRequestClock is what the fast path does with the clock for
// each request, as it did and as it does: two deadlines and the Date
// header. The ratio of "lazy" to "each" is noted at connDeadlines.
func BenchmarkRequestClock(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			c.Read(make([]byte, 1))
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	tc := conn.(*net.TCPConn)
	out := make([]byte, 0, 64)
	b.Run("each", func(b *testing.B) {
		for b.Loop() {
			tc.SetReadDeadline(time.Now().Add(time.Minute))
			now := time.Now()
			tc.SetWriteDeadline(now.Add(10 * time.Second))
			out = now.UTC().AppendFormat(out[:0], http.TimeFormat)
		}
	})
	b.Run("lazy", func(b *testing.B) {
		dl := connDeadlines{tc: tc}
		var dates dateCache
		for b.Loop() {
			dl.setRead(time.Now(), time.Minute)
			now := time.Now()
			dl.setWrite(now, 10*time.Second)
			out = dates.appendDate(out[:0], now)
		}
	})
}
