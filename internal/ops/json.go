package ops

import (
	"cmp"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/redact"
)

// jsonTime writes a time as RFC 3339 in UTC, and the zero time, which
// means "never", as null.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return tt.UTC().AppendFormat([]byte(`"`), time.RFC3339+`"`), nil
}

// sourceJSON is one source in /api/v1/sources. Values the source does
// not have yet (a pending source has none) are null, not zero, so that
// clients can tell "never" from "0".
type sourceJSON struct {
	ID                string   `json:"id"`
	URL               string   `json:"url"`
	Kind              string   `json:"kind"` // "external", or "articles": the publication's own
	Title             string   `json:"title"`
	Sections          []string `json:"sections"`
	Status            string   `json:"status"`
	HTTPStatus        *int     `json:"http_status"`
	LastFetch         jsonTime `json:"last_fetch"`
	LastSuccess       jsonTime `json:"last_success"`
	LastNewItem       jsonTime `json:"last_new_item"`
	NextFetch         jsonTime `json:"next_fetch"`
	ConsecutiveErrors int      `json:"consecutive_errors"`
	LastError         *string  `json:"last_error"`
	Items             int      `json:"items"`
	Warnings          int      `json:"warnings"` // fields the last body parsed lost to malformed values
	DurationMS        *int64   `json:"duration_ms"`
	MovedTo           *string  `json:"moved_to"`
	// DiscoveredURL is the feed polled instead of url, which answered
	// with a page advertising it; DiscoveredFrom is that page.
	DiscoveredURL  *string    `json:"discovered_url"`
	DiscoveredFrom *string    `json:"discovered_from"`
	Stale          bool       `json:"stale"`
	StaleAfter     int64      `json:"stale_after"` // seconds
	Interval       int64      `json:"interval"`    // seconds
	History        []pollJSON `json:"history"`     // oldest first
}

type pollJSON struct {
	Time       jsonTime `json:"time"`
	Outcome    string   `json:"outcome"`
	HTTPStatus *int     `json:"http_status"`
	DurationMS int64    `json:"duration_ms"`
	NewItems   int      `json:"new_items"`
}

func (s *source) json() sourceJSON {
	st := s.st
	out := sourceJSON{
		ID:                s.cfg.ID,
		URL:               redact.URL(s.cfg.URL),
		Kind:              cmp.Or(s.cfg.Kind, config.KindExternal),
		Title:             s.cfg.Title,
		Sections:          s.cfg.Sections,
		Status:            s.status,
		HTTPStatus:        nonZero(st.HTTPStatus),
		LastFetch:         jsonTime(st.LastFetch),
		LastSuccess:       jsonTime(st.LastSuccess),
		LastNewItem:       jsonTime(st.LastNewItem),
		NextFetch:         jsonTime(st.NextFetch),
		ConsecutiveErrors: st.ConsecutiveErrors,
		LastError:         nonEmpty(st.LastError),
		Items:             st.Items,
		Warnings:          st.Warnings,
		MovedTo:           nonEmpty(redactedURL(st.MovedTo)),
		DiscoveredURL:     nonEmpty(redactedURL(st.DiscoveredURL)),
		DiscoveredFrom:    nonEmpty(redactedURL(st.DiscoveredFrom)),
		Stale:             s.stale,
		StaleAfter:        int64(s.cfg.StaleAfter.Duration / time.Second),
		Interval:          int64(s.cfg.Interval.Duration / time.Second),
		History:           make([]pollJSON, 0, len(s.history())),
	}
	if out.Title == "" {
		out.Title = st.FeedTitle
	}
	if out.Sections == nil {
		out.Sections = []string{}
	}
	if !st.LastFetch.IsZero() {
		out.DurationMS = &st.DurationMS
	}
	for _, p := range s.history() {
		out.History = append(out.History, pollJSON{
			Time:       jsonTime(p.At),
			Outcome:    p.Outcome,
			HTTPStatus: nonZero(p.HTTPStatus),
			DurationMS: p.DurationMS,
			NewItems:   p.NewItems,
		})
	}
	return out
}

// nonZero is nil for 0: an HTTP status of 0 means no response arrived.
func nonZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// redactedURL is redact.URL for a URL that may be absent.
func redactedURL(s string) string {
	if s == "" {
		return ""
	}
	return redact.URL(s)
}
