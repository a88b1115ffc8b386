package store

import (
	"context"
	"fmt"
	"time"
)

// Retention is how long usage and audience figures are kept: a day's
// figures go 90 days after it ends.
const Retention = 90 * 24 * time.Hour

// DayFormat is how days are named: UTC dates.
const DayFormat = time.DateOnly

// Day names the UTC day of t.
func Day(t time.Time) string { return t.UTC().Format(DayFormat) }

// dayExpiry is when the figures of day go; an error for a malformed day.
func dayExpiry(day string) (time.Time, error) {
	t, err := time.Parse(DayFormat, day)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: day %q: want YYYY-MM-DD", day)
	}
	return t.Add(24*time.Hour + Retention), nil
}

// Usage is what one partner fetched of one section on one day. The
// counts add up across the instances of a fleet.
type Usage struct {
	Day         string    `json:"day"`
	Partner     string    `json:"partner"`
	Section     string    `json:"section"`
	Requests    int64     `json:"requests"`
	NotModified int64     `json:"not_modified"` // 304 answers among Requests
	Bytes       int64     `json:"bytes"`        // body bytes sent
	LastSeen    time.Time `json:"last_seen"`
}

// SubscriberCount is what a hosted feed reader last said, on a day, of
// the subscribers it fetches one feed for.
type SubscriberCount struct {
	Day, Section, Reader string
	Feed                 string // the feed's path, e.g. /asia/rss.xml
	Subscribers          int64
}

// AudienceDay is one section's audience on one day.
type AudienceDay struct {
	Day     string `json:"day"`
	Section string `json:"section"`
	// Readers is the subscribers each hosted reader reported, its latest
	// count of each of the section's feeds summed.
	Readers map[string]int64 `json:"readers"`
	// Addresses counts the distinct client addresses that fetched the
	// section's feeds without reporting subscribers.
	Addresses int64 `json:"addresses"`
}

// Subscribers is the sum of d's readers' counts.
func (d AudienceDay) Subscribers() int64 {
	var n int64
	for _, v := range d.Readers {
		n += v
	}
	return n
}

// Audience keeps partners' usage and the audience of feeds per day, for
// Retention, summed across a fleet. Client addresses are only ever given
// to it as salted hashes.
type Audience interface {
	// AddUsage adds each entry's counts to its day's, partner's and
	// section's, and moves their last seen to its LastSeen if later.
	AddUsage(ctx context.Context, usage []Usage) error
	// Usage returns the usage of the given days, in no particular order.
	Usage(ctx context.Context, days []string) ([]Usage, error)
	// SetSubscribers records each count as its reader's latest for its
	// feed and day.
	SetSubscribers(ctx context.Context, counts []SubscriberCount) error
	// AddAddresses adds hashes to the distinct addresses of section's
	// feeds on day.
	AddAddresses(ctx context.Context, day, section string, hashes []string) error
	// AudienceDays returns each section's audience on the given days, in
	// no particular order; sections without any on a day are left out.
	AudienceDays(ctx context.Context, days []string) ([]AudienceDay, error)
	// DaySalt returns the salt of day's address hashes: the one already
	// kept, else fresh, which is kept until expires and then forgotten,
	// so that no one can rehash addresses to find a past day's.
	DaySalt(ctx context.Context, day string, fresh []byte, expires time.Time) ([]byte, error)
}
