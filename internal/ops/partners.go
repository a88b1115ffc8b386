package ops

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"syndicate/internal/audience"
)

// reportTimeout bounds reading usage and audience from the store.
const reportTimeout = 2 * time.Second

// daysParam is the ?days= of a report request: audience.Days by
// default, at most audience.MaxDays.
func daysParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("days")
	if v == "" {
		return audience.Days, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > audience.MaxDays {
		return 0, fmt.Errorf("ops: days=%q: want a number of days from 1 to %d", v, audience.MaxDays)
	}
	return n, nil
}

// partnersJSON is /api/v1/partners.
type partnersJSON struct {
	Days     int                      `json:"days"`
	Partners []audience.PartnerReport `json:"partners"`
}

func (h *handler) partners(w http.ResponseWriter, r *http.Request) {
	serveReport(w, r, "partners' usage", h.d.Partners, func(n int, reps []audience.PartnerReport) any {
		return partnersJSON{Days: n, Partners: reps}
	})
}

// audienceJSON is /api/v1/audience.
type audienceJSON struct {
	Days     int                        `json:"days"`
	Sections []audience.SectionAudience `json:"sections"`
}

func (h *handler) audience(w http.ResponseWriter, r *http.Request) {
	serveReport(w, r, "audience", h.d.Audience, func(n int, secs []audience.SectionAudience) any {
		return audienceJSON{Days: n, Sections: secs}
	})
}

// serveReport answers a report route: read over ?days= within
// reportTimeout, then body's JSON, its list [] rather than null when
// there is nothing to report. what names the report in errors.
func serveReport[T any](w http.ResponseWriter, r *http.Request, what string, read func(context.Context, int) ([]T, error), body func(days int, list []T) any) {
	n, err := daysParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), reportTimeout)
	defer cancel()
	list, err := read(ctx, n)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "ops: "+what+": "+err.Error())
		return
	}
	if list == nil {
		list = []T{}
	}
	writeJSON(w, http.StatusOK, body(n, list))
}

// partnersPanel is the status page's table of partners.
type partnersPanel struct {
	Rows  []partnerRow
	Days  int
	Error string
}

type partnerRow struct {
	audience.PartnerReport
	TodayShare, PeriodShare string // 304 share, as a percentage
	TodayBytes, PeriodBytes string
	LastSeen                time.Time
	LastSeenAgo             string
}

func (h *handler) partnersPanel(ctx context.Context, now time.Time) *partnersPanel {
	if h.d.Partners == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	p := &partnersPanel{Days: audience.Days}
	reps, err := h.d.Partners(ctx, audience.Days)
	if err != nil {
		p.Error = err.Error()
	}
	for _, r := range reps {
		row := partnerRow{PartnerReport: r, TodayShare: percent(r.Today.NotModifiedShare), PeriodShare: percent(r.Period.NotModifiedShare),
			TodayBytes: byteSize(r.Today.Bytes), PeriodBytes: byteSize(r.Period.Bytes)}
		if r.Period.LastSeen != nil {
			row.LastSeen = *r.Period.LastSeen
			row.LastSeenAgo = ago(now, row.LastSeen)
		}
		p.Rows = append(p.Rows, row)
	}
	return p
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 0, 64) + "%" }

// byteSize writes n bytes for people: 812 B, 14.2 KiB, 3.1 MiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n), -1
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + []string{"KiB", "MiB", "GiB", "TiB"}[i]
}

// audiencePanel is the status page's audience: today's figures per
// section and a chart of subscribers per section over audience.Days.
type audiencePanel struct {
	Sections []audienceRow
	Chart    chart
	Days     int
	Error    string
}

type audienceRow struct {
	audience.SectionAudience
	Readers string // "Feedly 120, Inoreader 7"
	Colour  string // the section's line on the chart
}

// Chart geometry in SVG user units.
const (
	chartWidth  = 600
	chartHeight = 160
	chartPad    = 24
)

type chart struct {
	Width, Height int
	Lines         []chartLine
	Max           int64 // the top of the scale
	Label         string
	First, Last   string // the days at either end
	Left, Right   int
	Top, Bottom   int
}

type chartLine struct {
	Section, Colour, Points string
}

// palette tells up to eight sections apart; more share colours, and
// their names in the table say which is which.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"}

func (h *handler) audiencePanel(ctx context.Context) *audiencePanel {
	if h.d.Audience == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	p := &audiencePanel{Days: audience.Days}
	secs, err := h.d.Audience(ctx, audience.Days)
	if err != nil {
		p.Error = err.Error()
	}
	for i, s := range secs {
		p.Sections = append(p.Sections, audienceRow{SectionAudience: s, Readers: readers(s.Today.Readers), Colour: palette[i%len(palette)]})
	}
	p.Chart = newChart(p.Sections)
	return p
}

func readers(m map[string]int64) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, name+" "+strconv.FormatInt(m[name], 10))
	}
	return strings.Join(parts, ", ")
}

// newChart draws subscribers per section per day, oldest day at the
// left, on one scale from zero to the largest count.
func newChart(rows []audienceRow) chart {
	c := chart{Width: chartWidth, Height: chartHeight, Left: chartPad, Right: chartWidth - chartPad/2, Top: chartPad / 2, Bottom: chartHeight - chartPad}
	var n int
	for _, r := range rows {
		n = len(r.Days)
		for _, d := range r.Days {
			c.Max = max(c.Max, d.Subscribers)
		}
	}
	if n == 0 {
		c.Label = "No subscriber counts yet."
		return c
	}
	c.First, c.Last = rows[0].Days[0].Day, rows[0].Days[n-1].Day
	scale := max(c.Max, 1)
	step := float64(c.Right-c.Left) / float64(max(n-1, 1))
	for _, r := range rows {
		var pts []string
		for i, d := range r.Days {
			x := float64(c.Left) + float64(i)*step
			y := float64(c.Bottom) - float64(d.Subscribers)/float64(scale)*float64(c.Bottom-c.Top)
			pts = append(pts, strconv.FormatFloat(x, 'f', 1, 64)+","+strconv.FormatFloat(y, 'f', 1, 64))
		}
		c.Lines = append(c.Lines, chartLine{Section: r.Section, Colour: r.Colour, Points: strings.Join(pts, " ")})
	}
	c.Label = fmt.Sprintf("Subscribers per section, %s to %s, 0 to %d", c.First, c.Last, c.Max)
	return c
}
