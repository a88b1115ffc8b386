package ops

import (
	"fmt"
	"strconv"
	"strings"

	"syndicate/internal/store"
)

// Sparkline geometry, in SVG user units: one slot per poll the history
// keeps, newest at the right edge, so that a young source's line is short
// rather than stretched and every row shares one time axis.
const (
	sparkPad    = 3
	sparkStep   = 3 // between polls
	sparkWidth  = 2*sparkPad + (store.HistoryLen-1)*sparkStep
	sparkHeight = 30
)

// sparkline is a source's last polls drawn as their durations.
type sparkline struct {
	Width, Height int
	Points        string // polyline points, empty when there are no polls
	Fails         []sparkPoint
	Label         string // what a screen reader says instead
	Baseline      float64
	Left, Right   float64 // x of the oldest and the newest poll's slot
}

type sparkPoint struct {
	X, Y  string
	Title string
}

func newSparkline(polls []store.Poll) sparkline {
	s := sparkline{Width: sparkWidth, Height: sparkHeight, Baseline: sparkHeight - sparkPad, Left: sparkPad, Right: sparkWidth - sparkPad}
	if len(polls) > store.HistoryLen {
		polls = polls[len(polls)-store.HistoryLen:]
	}
	if len(polls) == 0 {
		s.Label = "No polls yet"
		return s
	}
	var slowest int64
	failed := 0
	for _, p := range polls {
		slowest = max(slowest, p.DurationMS)
		if failedPoll(p) {
			failed++
		}
	}
	first := store.HistoryLen - len(polls) // slot of the oldest poll shown
	var pts strings.Builder
	for i, p := range polls {
		x := float64(sparkPad + (first+i)*sparkStep)
		y := s.Baseline
		if slowest > 0 {
			y -= float64(p.DurationMS) / float64(slowest) * float64(sparkHeight-2*sparkPad)
		}
		if i > 0 {
			pts.WriteByte(' ')
		}
		xs, ys := coord(x), coord(y)
		pts.WriteString(xs + "," + ys)
		if failedPoll(p) {
			title := fmt.Sprintf("%s at %s: %s", p.Outcome, p.At.UTC().Format("2006-01-02 15:04:05Z"), pollResult(p))
			s.Fails = append(s.Fails, sparkPoint{X: xs, Y: ys, Title: title})
		}
	}
	s.Points = pts.String()
	s.Label = fmt.Sprintf("Last %d polls, %d failed, slowest %d ms", len(polls), failed, slowest)
	return s
}

func failedPoll(p store.Poll) bool {
	return p.Outcome == store.OutcomeError || p.Outcome == store.OutcomeGone
}

func pollResult(p store.Poll) string {
	if p.HTTPStatus == 0 {
		return "no response after " + strconv.FormatInt(p.DurationMS, 10) + " ms"
	}
	return "HTTP " + strconv.Itoa(p.HTTPStatus) + " after " + strconv.FormatInt(p.DurationMS, 10) + " ms"
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
