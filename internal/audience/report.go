package audience

import (
	"cmp"
	"context"
	"slices"
	"time"

	"syndicate/internal/partner"
	"syndicate/internal/store"
)

// Days is how many days back the reports look by default; MaxDays is the
// most a request may ask for, all the store keeps.
const (
	Days    = 30
	MaxDays = int(store.Retention / (24 * time.Hour))
)

// LastDays names the n days up to now's, oldest first.
func LastDays(now time.Time, n int) []string {
	days := make([]string, n)
	for i := range n {
		days[i] = store.Day(now.AddDate(0, 0, i-n+1))
	}
	return days
}

// Totals sums usage over some days.
type Totals struct {
	Requests    int64 `json:"requests"`
	NotModified int64 `json:"not_modified"`
	// NotModifiedShare is NotModified over Requests, 0 without requests:
	// how much of the partner's polling its caches answer.
	NotModifiedShare float64    `json:"not_modified_share"`
	Bytes            int64      `json:"bytes"`
	LastSeen         *time.Time `json:"last_seen"`
}

func (t *Totals) add(u store.Usage) {
	t.Requests += u.Requests
	t.NotModified += u.NotModified
	t.Bytes += u.Bytes
	if t.Requests > 0 {
		t.NotModifiedShare = float64(t.NotModified) / float64(t.Requests)
	}
	if !u.LastSeen.IsZero() && (t.LastSeen == nil || u.LastSeen.After(*t.LastSeen)) {
		seen := u.LastSeen.UTC()
		t.LastSeen = &seen
	}
}

// PartnerReport is one partner's settings and usage.
type PartnerReport struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Sections []string `json:"sections"`
	Tags     []string `json:"tags"`
	Content  string   `json:"content"`
	Rate     int      `json:"rate"` // requests per minute, 0 for no bound
	Revoked  bool     `json:"revoked"`
	// Removed marks a partner no longer configured whose usage is still
	// kept.
	Removed bool   `json:"removed,omitempty"`
	Today   Totals `json:"today"`
	Period  Totals `json:"period"` // the days asked for, today included
	// BySection is the period's usage per section, busiest first.
	BySection []SectionTotals `json:"by_section"`
	// Daily is the usage of each day of the period and section, newest
	// day first.
	Daily []store.Usage `json:"daily"`
}

// SectionTotals is a partner's usage of one section.
type SectionTotals struct {
	Section string `json:"section"`
	Totals
}

// Partners reports every configured partner's usage over the days up to
// now's, and that of partners since removed whose usage is still kept.
func Partners(ctx context.Context, st store.Audience, ps *partner.Set, now time.Time, days int) ([]PartnerReport, error) {
	list := LastDays(now, days)
	usage, err := st.Usage(ctx, list)
	if err != nil {
		return nil, err
	}
	today := list[len(list)-1]
	byID := map[string]*PartnerReport{}
	var out []*PartnerReport
	for _, p := range ps.All() {
		content := "full"
		if p.Summary {
			content = "summary"
		}
		r := &PartnerReport{ID: p.ID, Name: p.Name, Sections: nonNil(p.Sections), Tags: nonNil(p.Tags), Content: content, Rate: p.Rate, Revoked: p.Revoked, BySection: []SectionTotals{}, Daily: []store.Usage{}}
		byID[p.ID] = r
		out = append(out, r)
	}
	slices.SortFunc(usage, func(a, b store.Usage) int {
		return cmp.Or(cmp.Compare(b.Day, a.Day), cmp.Compare(a.Section, b.Section))
	})
	for _, u := range usage {
		r := byID[u.Partner]
		if r == nil {
			r = &PartnerReport{ID: u.Partner, Removed: true, Sections: []string{}, Tags: []string{}, BySection: []SectionTotals{}, Daily: []store.Usage{}}
			byID[u.Partner] = r
			out = append(out, r)
		}
		if u.Day == today {
			r.Today.add(u)
		}
		r.Period.add(u)
		r.Daily = append(r.Daily, u)
		i := slices.IndexFunc(r.BySection, func(s SectionTotals) bool { return s.Section == u.Section })
		if i < 0 {
			r.BySection = append(r.BySection, SectionTotals{Section: u.Section})
			i = len(r.BySection) - 1
		}
		r.BySection[i].add(u)
	}
	reports := make([]PartnerReport, len(out))
	for i, r := range out {
		slices.SortStableFunc(r.BySection, func(a, b SectionTotals) int { return cmp.Compare(b.Requests, a.Requests) })
		reports[i] = *r
	}
	return reports, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DayAudience is a section's audience on one day.
type DayAudience struct {
	Day string `json:"day"`
	// Subscribers is what hosted readers reported, summed.
	Subscribers int64            `json:"subscribers"`
	Readers     map[string]int64 `json:"readers"`
	// Addresses counts the distinct clients that reported nothing.
	Addresses int64 `json:"addresses"`
}

// SectionAudience is a section's audience over some days.
type SectionAudience struct {
	Section string      `json:"section"`
	Today   DayAudience `json:"today"`
	// Days has one entry per day, oldest first, days without figures
	// included as zeros.
	Days []DayAudience `json:"days"`
}

// Audience reports each section's audience over the days up to now's,
// the largest audience today first.
func Audience(ctx context.Context, st store.Audience, now time.Time, days int) ([]SectionAudience, error) {
	list := LastDays(now, days)
	all, err := st.AudienceDays(ctx, list)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(list))
	for i, d := range list {
		index[d] = i
	}
	bySection := map[string]*SectionAudience{}
	for _, d := range all {
		s := bySection[d.Section]
		if s == nil {
			s = &SectionAudience{Section: d.Section, Days: make([]DayAudience, len(list))}
			for i, day := range list {
				s.Days[i] = DayAudience{Day: day, Readers: map[string]int64{}}
			}
			bySection[d.Section] = s
		}
		i, ok := index[d.Day]
		if !ok {
			continue
		}
		s.Days[i] = DayAudience{Day: d.Day, Subscribers: d.Subscribers(), Readers: d.Readers, Addresses: d.Addresses}
	}
	out := make([]SectionAudience, 0, len(bySection))
	for _, s := range bySection {
		s.Today = s.Days[len(s.Days)-1]
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b SectionAudience) int {
		return cmp.Or(cmp.Compare(b.Today.Subscribers+b.Today.Addresses, a.Today.Subscribers+a.Today.Addresses), cmp.Compare(a.Section, b.Section))
	})
	return out, nil
}
