package ops

import (
	"fmt"
	"time"
)

// ago says how long before now t was, in the one unit a glance needs:
// "just now", "5 minutes ago", "3 days ago"; or "never" for the zero time.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		// Instances' clocks differ by a little; a time slightly ahead is
		// still "just now".
		if -d < time.Minute {
			return "just now"
		}
		return "in " + span(-d)
	}
	if d < 45*time.Second {
		return "just now"
	}
	return span(d) + " ago"
}

// until says how long after now t is: "in 4 minutes", or "due" once
// it has passed.
func until(now, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := t.Sub(now)
	if d < 30*time.Second {
		return "due"
	}
	return "in " + span(d)
}

func span(d time.Duration) string {
	switch {
	case d < 90*time.Second:
		return "1 minute"
	case d < 45*time.Minute:
		return plural(int((d+30*time.Second)/time.Minute), "minute")
	case d < 90*time.Minute:
		return "1 hour"
	case d < 36*time.Hour:
		return plural(int((d+30*time.Minute)/time.Hour), "hour")
	default:
		return plural(int((d+12*time.Hour)/(24*time.Hour)), "day")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// days writes a configured duration the way it was most likely meant:
// "7 days" rather than "168h0m0s".
func days(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	}
	return d.String()
}
