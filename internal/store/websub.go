package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Subscription is one verified WebSub subscription: a callback that is
// sent every change of a topic until its lease expires.
type Subscription struct {
	Topic    string        `json:"topic"` // the feed's URL, as its self link gives it
	Callback string        `json:"callback"`
	Secret   string        `json:"secret,omitempty"` // signs deliveries when set
	Lease    time.Duration `json:"lease"`
	Expires  time.Time     `json:"expires"`
	Verified time.Time     `json:"verified"` // when the subscriber last confirmed it
}

// ID names the subscription of callback to topic: a subscriber has at
// most one per pair, and a second subscribe renews it.
func SubscriptionID(topic, callback string) string {
	sum := sha256.Sum256([]byte(topic + "\n" + callback))
	return hex.EncodeToString(sum[:16])
}

// TopicChange says that an instance now serves ETag for Topic where it
// served Prev ("" for nothing).
type TopicChange struct {
	Topic, Prev, ETag string
}

// RecordedChange is what recording a TopicChange did.
type RecordedChange struct {
	// New is true for the one caller across the fleet that recorded the
	// change first, which is the one to announce it.
	New bool
	// Before is the ETag last recorded for the topic, "" for a topic never
	// recorded: a new feed, or a store that was empty.
	Before string
	// Queued counts the deliveries queued, one per live subscriber.
	Queued int
}

// Delivery is the pending delivery of a topic's newest version to one
// subscriber, as a claim hands it out. A subscriber has at most one
// pending delivery per topic: a newer version replaces an older one that
// is waiting, since the whole document supersedes it.
type Delivery struct {
	Subscription
	ETag     string    // the version to deliver
	Attempts int       // failed attempts at this version so far
	Since    time.Time // when this version was queued; retries end a day later
	Token    string    // proves the claim to Ack, Retry and Drop
}

// WebSubStats counts the built-in hub's work across the fleet.
type WebSubStats struct {
	Delivered int64 `json:"delivered"`
	Failed    int64 `json:"failed"`  // failed attempts, each then retried or dropped
	Retried   int64 `json:"retried"` // failed attempts scheduled again
	Dropped   int64 `json:"dropped"` // deliveries given up on
	Queued    int64 `json:"queued"`  // deliveries waiting or in flight now
}

// WebSub keeps the built-in hub's subscriptions and delivery queue, so
// that any instance of a fleet accepts a subscription and each change
// reaches each subscriber once, whichever instance delivers it.
//
// Times are the caller's clock: instances of a fleet are expected to
// agree within a second or so (NTP), which is far less than any hold.
type WebSub interface {
	// PutSubscription adds s, or renews the subscription of its topic
	// and callback.
	PutSubscription(ctx context.Context, s Subscription) error
	// DeleteSubscription removes the subscription of callback to topic,
	// and its pending delivery; removing none is not an error.
	DeleteSubscription(ctx context.Context, topic, callback string) error
	// Subscriptions lists every subscription, expired ones included until
	// ExpireSubscriptions removes them.
	Subscriptions(ctx context.Context) ([]Subscription, error)
	// ExpireSubscriptions removes the subscriptions whose lease ended by
	// now, with their pending deliveries, and says how many it removed.
	ExpireSubscriptions(ctx context.Context, now time.Time) (int, error)

	// RecordChange records that c.Topic changed and, for the first caller
	// to record it, queues its delivery to every subscriber whose lease
	// has not ended. A change is recorded once: calls for a version that
	// is already the topic's newest, or for a step from c.Prev to c.ETag
	// recorded within window (an instance catching up with the fleet), do
	// nothing.
	RecordChange(ctx context.Context, c TopicChange, now time.Time, window time.Duration) (RecordedChange, error)
	// ClaimDeliveries hands out up to n deliveries due by now, each held
	// by its claimer until hold ends; a delivery not finished by then is
	// handed out again, so one whose instance died is not lost.
	ClaimDeliveries(ctx context.Context, now time.Time, n int, hold time.Duration) ([]Delivery, error)
	// AckDelivery finishes a delivery that succeeded; RetryDelivery puts
	// it back to be due wait after now, counting a failed attempt when
	// failed; and
	// DropDelivery gives up on it after a failed attempt. Each returns
	// ErrLeaseLost when d's claim is no longer held. Where a newer
	// version was queued while d was out, that version stays queued, due
	// at once.
	AckDelivery(ctx context.Context, d Delivery, now time.Time) error
	RetryDelivery(ctx context.Context, d Delivery, now time.Time, wait time.Duration, failed bool) error
	DropDelivery(ctx context.Context, d Delivery, now time.Time) error
	// WebSubStats returns the hub's counters.
	WebSubStats(ctx context.Context) (WebSubStats, error)
}

// How a claimed delivery ends, as the finish script spells it.
const (
	finishAck   = "ack"
	finishRetry = "retry"
	finishDefer = "defer" // put back without counting an attempt
	finishDrop  = "drop"
)

// millis is t on the millisecond scale the queue is kept in.
func millis(t time.Time) int64 { return t.UnixMilli() }
