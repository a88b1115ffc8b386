package ops

import (
	"strings"
	"testing"
	"time"

	"syndicate/internal/store"
)

func TestRelativeTimes(t *testing.T) {
	now := time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		fn   func(now, t time.Time) string
		t    time.Time
		want string
	}{
		{ago, time.Time{}, "never"},
		{ago, now.Add(-10 * time.Second), "just now"},
		{ago, now.Add(20 * time.Second), "just now"}, // a clock slightly ahead
		{ago, now.Add(-70 * time.Second), "1 minute ago"},
		{ago, now.Add(-3 * time.Minute), "3 minutes ago"},
		{ago, now.Add(-time.Hour), "1 hour ago"},
		{ago, now.Add(-5 * time.Hour), "5 hours ago"},
		{ago, now.Add(-8 * 24 * time.Hour), "8 days ago"},
		{until, time.Time{}, "—"},
		{until, now.Add(-time.Minute), "due"},
		{until, now.Add(12 * time.Minute), "in 12 minutes"},
		{until, now.Add(2 * time.Hour), "in 2 hours"},
	} {
		if got := tt.fn(now, tt.t); got != tt.want {
			t.Errorf("%v before now: %q, want %q", now.Sub(tt.t), got, tt.want)
		}
	}
}

func TestDays(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour: "7 days", 24 * time.Hour: "1 day", 36 * time.Hour: "36 hours", 90 * time.Minute: "1h30m0s",
	} {
		if got := days(d); got != want {
			t.Errorf("days(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	at := time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
	t.Run("empty", func(t *testing.T) {
		s := newSparkline(nil)
		if s.Points != "" || len(s.Fails) != 0 || s.Label != "No polls yet" {
			t.Errorf("%+v", s)
		}
	})
	t.Run("scaled to the slowest", func(t *testing.T) {
		s := newSparkline([]store.Poll{
			{At: at, Outcome: "ok", DurationMS: 100},
			{At: at, Outcome: "error", HTTPStatus: 503, DurationMS: 400},
			{At: at, Outcome: "error", DurationMS: 0},
		})
		// Newest at the right edge, one slot per poll; 400 ms tops the
		// chart at the padding, 0 ms sits on the baseline.
		if want := "144.0,21.0 147.0,3.0 150.0,27.0"; s.Points != want {
			t.Errorf("points %q, want %q", s.Points, want)
		}
		if len(s.Fails) != 2 || s.Fails[0].X != "147.0" || s.Fails[1].Y != "27.0" {
			t.Errorf("fails %+v", s.Fails)
		}
		if !strings.Contains(s.Fails[0].Title, "HTTP 503 after 400 ms") || !strings.Contains(s.Fails[1].Title, "no response") {
			t.Errorf("fail titles %q, %q", s.Fails[0].Title, s.Fails[1].Title)
		}
		if s.Label != "Last 3 polls, 2 failed, slowest 400 ms" {
			t.Errorf("label %q", s.Label)
		}
	})
	t.Run("all instant", func(t *testing.T) {
		s := newSparkline([]store.Poll{{Outcome: "not_modified"}, {Outcome: "not_modified"}})
		if s.Points != "147.0,27.0 150.0,27.0" {
			t.Errorf("points %q: zero durations must not divide by zero", s.Points)
		}
	})
	t.Run("capped", func(t *testing.T) {
		polls := make([]store.Poll, 80)
		s := newSparkline(polls)
		if n := len(strings.Fields(s.Points)); n != store.HistoryLen {
			t.Errorf("%d points, want %d", n, store.HistoryLen)
		}
		if !strings.HasPrefix(s.Points, "3.0,") {
			t.Errorf("oldest shown poll not at the left edge: %q", s.Points[:10])
		}
	})
}
