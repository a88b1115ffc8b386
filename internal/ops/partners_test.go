package ops_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"syndicate/internal/audience"
	"syndicate/internal/ops"
)

// reports serves fixed partners' and audience reports, noting the days
// each request asked for.
type reports struct {
	days []int
	fail bool
}

func (r *reports) partners(_ context.Context, days int) ([]audience.PartnerReport, error) {
	r.days = append(r.days, days)
	if r.fail {
		return nil, errors.New("store: redis: connection refused")
	}
	seen := now.Add(-5 * time.Minute)
	return []audience.PartnerReport{{
		ID: "wire", Name: "Wire <Co>", Sections: []string{"asia"}, Tags: []string{"iran"}, Content: "full", Rate: 60,
		Today:  audience.Totals{Requests: 40, NotModified: 30, NotModifiedShare: 0.75, Bytes: 1 << 20, LastSeen: &seen},
		Period: audience.Totals{Requests: 400, NotModified: 200, NotModifiedShare: 0.5, Bytes: 3 << 30, LastSeen: &seen},
	}, {ID: "gone", Revoked: true, Sections: []string{"asia"}, Content: "summary"}}, nil
}

func (r *reports) audience(_ context.Context, days int) ([]audience.SectionAudience, error) {
	r.days = append(r.days, days)
	if r.fail {
		return nil, errors.New("store: redis: connection refused")
	}
	mk := func(section string, subs ...int64) audience.SectionAudience {
		s := audience.SectionAudience{Section: section}
		// subs are the last days' counts, today's last.
		for i, day := range audience.LastDays(now, days) {
			d := audience.DayAudience{Day: day, Readers: map[string]int64{}}
			if j := i - (days - len(subs)); j >= 0 {
				d.Subscribers, d.Readers["Feedly"], d.Addresses = subs[j], subs[j], 3
			}
			s.Days = append(s.Days, d)
		}
		s.Today = s.Days[len(s.Days)-1]
		return s
	}
	return []audience.SectionAudience{mk("asia", 10, 20, 30), mk("tag/iran", 5)}, nil
}

func TestPartnersAndAudienceRoutes(t *testing.T) {
	r := &reports{}
	e := start(t, ops.Deps{Partners: r.partners, Audience: r.audience})
	v := getJSON(t, e.URL+"/api/v1/partners", 200)
	ps := v["partners"].([]any)
	if v["days"] != float64(audience.Days) || len(ps) != 2 || ps[0].(map[string]any)["today"].(map[string]any)["not_modified_share"] != 0.75 {
		t.Errorf("/api/v1/partners = %v", v)
	}
	v = getJSON(t, e.URL+"/api/v1/audience?days=90", 200)
	if secs := v["sections"].([]any); len(secs) != 2 || len(secs[0].(map[string]any)["days"].([]any)) != 90 {
		t.Errorf("/api/v1/audience?days=90 = %v", v)
	}
	for _, bad := range []string{"0", "91", "x", "-3"} {
		v := getJSON(t, e.URL+"/api/v1/partners?days="+bad, 400)
		if !strings.Contains(v["error"].(string), "from 1 to 90") {
			t.Errorf("days=%s: %v", bad, v)
		}
	}
	r.fail = true
	if v := getJSON(t, e.URL+"/api/v1/audience", 503); !strings.Contains(v["error"].(string), "connection refused") {
		t.Errorf("store down: %v", v)
	}
}

// TestEmptyReports: nothing to report is an empty list, never null, on
// both report routes.
func TestEmptyReports(t *testing.T) {
	e := start(t, ops.Deps{
		Partners: func(context.Context, int) ([]audience.PartnerReport, error) { return nil, nil },
		Audience: func(context.Context, int) ([]audience.SectionAudience, error) { return nil, nil },
	})
	for _, tc := range []struct{ path, key string }{
		{"/api/v1/partners?days=7", "partners"},
		{"/api/v1/audience?days=7", "sections"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			v := getJSON(t, e.URL+tc.path, 200)
			if list, ok := v[tc.key].([]any); !ok || len(list) != 0 || v["days"] != 7.0 {
				t.Errorf("%s = %v, want days 7 and an empty %s list", tc.path, v, tc.key)
			}
		})
	}
}

func TestStatusPanels(t *testing.T) {
	r := &reports{}
	e := start(t, ops.Deps{Partners: r.partners, Audience: r.audience})
	page := string(get(t, e.URL+"/status").Body)
	for _, want := range []string{
		`data-partner="wire"`, "Wire &lt;Co&gt;", `data-requests-today="40"`, "75%", "1.0 MiB", "3.0 GiB", "5 minutes ago", "60/min", "tag/iran",
		`class="partner revoked"`, `class="audience-chart"`, `data-section="asia"`, `data-subscribers="30"`, "Feedly 30",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	// One line per section, drawn on one scale: asia's last point is at
	// the top (30 is the largest count).
	lines := regexp.MustCompile(`<polyline class="line" data-section="([^"]+)" points="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(lines) != 2 || lines[0][1] != "asia" || len(strings.Fields(lines[0][2])) != audience.Days {
		t.Fatalf("chart lines %q", lines)
	}
	asia := strings.Fields(lines[0][2])
	if !strings.HasSuffix(asia[len(asia)-1], ",12.0") {
		t.Errorf("asia's last point %s, want the top of the chart (y 12)", asia[len(asia)-1])
	}
	r.fail = true
	page = string(get(t, e.URL+"/status").Body)
	if !strings.Contains(page, "connection refused") || !strings.Contains(page, "No partners are configured.") {
		t.Error("status page hides that usage could not be read")
	}
}

// The panels are absent without partners' and audience reports.
func TestStatusWithoutPanels(t *testing.T) {
	e := start(t, ops.Deps{})
	page := string(get(t, e.URL+"/status").Body)
	if strings.Contains(page, "partners-title") || strings.Contains(page, "audience-chart") {
		t.Error("panels shown without reports")
	}
	if r := get(t, e.URL+"/api/v1/partners"); r.Code != 404 {
		t.Errorf("/api/v1/partners without reports: %d", r.Code)
	}
}
