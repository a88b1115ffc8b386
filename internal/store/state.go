package store

import (
	"context"
	"time"
)

// Source statuses, as the health API reports them.
const (
	StatusPending = "pending" // never fetched yet
	StatusOK      = "ok"
	StatusError   = "error"
	StatusGone    = "gone" // the upstream answered 410; not polled until its config changes
)

// Poll outcomes, the values of Poll.Outcome: the vocabulary the poller
// records and the health API, the status page and the metrics report.
const (
	OutcomeOK          = "ok"           // a new body, parsed
	OutcomeNotModified = "not_modified" // 304 to a conditional GET
	OutcomeUnchanged   = "unchanged"    // a body already parsed, by its hash
	OutcomeError       = "error"
	OutcomeGone        = "gone" // 410
)

// Outcomes lists every poll outcome, in the order the metrics expose them.
var Outcomes = []string{OutcomeOK, OutcomeNotModified, OutcomeUnchanged, OutcomeError, OutcomeGone}

// HistoryLen is how many polls SourceState.History keeps: the poller cuts
// it to this length, and the health API and status page show as many.
const HistoryLen = 50

// DeletedLen is how many ids of deleted items SourceState.Deleted keeps.
const DeletedLen = 1000

// SourceState is what Syndicate knows about one external feed: its health,
// and what the next fetch needs (validators, schedule). It lives in the
// store so that it survives restarts and is shared by a fleet.
type SourceState struct {
	ID                string    `json:"id"`
	URL               string    `json:"url"` // the configured URL this state belongs to
	Status            string    `json:"status"`
	HTTPStatus        int       `json:"http_status"`
	LastFetch         time.Time `json:"last_fetch"`
	LastSuccess       time.Time `json:"last_success"`
	NextFetch         time.Time `json:"next_fetch"`
	ConsecutiveErrors int       `json:"consecutive_errors"`
	LastError         string    `json:"last_error"`
	Items             int       `json:"items"`
	DurationMS        int64     `json:"duration_ms"`
	MovedTo           string    `json:"moved_to"` // new URL after a 301/308
	// DiscoveredURL is the feed polled instead of URL, which answered
	// with an HTML page advertising it (autodiscovery); DiscoveredFrom
	// is that page, after redirects.
	DiscoveredURL  string    `json:"discovered_url,omitempty"`
	DiscoveredFrom string    `json:"discovered_from,omitempty"`
	LastNewItem    time.Time `json:"last_new_item"` // when a poll last brought an item not seen before
	// Warnings counts the problems in the last body parsed that cost a
	// field but not its item, such as a JSON Feed's "tags" as a string.
	Warnings int `json:"warnings"`

	// Conditional GET validators and the hash of the last body parsed.
	ETag         string `json:"etag"`
	LastModified string `json:"last_modified"`
	BodyHash     string `json:"body_hash"`
	// TTL is the feed's own <ttl>, a floor on the polling interval.
	TTL time.Duration `json:"ttl"`

	// FeedTitle, FeedID, HomeURL and SelfURL describe the upstream feed,
	// for attribution.
	FeedTitle string `json:"feed_title"`
	FeedID    string `json:"feed_id"`
	HomeURL   string `json:"home_url"`
	SelfURL   string `json:"self_url"`

	// Deleted are the ids (as stored) of items the feed marked deleted
	// (Atom tombstones), newest last, at most DeletedLen: they stay
	// unpublished even where an instance still holds them.
	Deleted []string `json:"deleted,omitempty"`

	History []Poll `json:"history"` // newest last, at most HistoryLen
}

// Poll is one fetch of a source, for the health history.
type Poll struct {
	At         time.Time `json:"time"`
	Outcome    string    `json:"outcome"` // one of Outcomes
	HTTPStatus int       `json:"http_status"`
	DurationMS int64     `json:"duration_ms"`
	NewItems   int       `json:"new_items"`
}

// SourceStates keeps SourceState per source id.
type SourceStates interface {
	// SourceState returns the state of id, or ErrNotFound.
	SourceState(ctx context.Context, id string) (SourceState, error)
	PutSourceState(ctx context.Context, id string, st SourceState) error
}
