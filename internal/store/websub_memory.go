package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"time"
)

// memoryWebSub is the single-instance WebSub: the same queue as Redis
// keeps, in maps.
type memoryWebSub struct {
	mu    sync.Mutex
	subs  map[string]Subscription // by SubscriptionID
	last  map[string]string       // topic → newest ETag recorded
	steps map[string]time.Time    // "topic prev etag" → when recorded
	jobs  map[string]*memoryJob   // by SubscriptionID
	stats WebSubStats
}

type memoryJob struct {
	etag     string
	attempts int
	since    time.Time
	token    string // "" while not claimed
	due      time.Time
}

// init makes the maps on first use; the caller holds mu.
func (w *memoryWebSub) init() {
	if w.subs == nil {
		w.subs = map[string]Subscription{}
		w.last = map[string]string{}
		w.steps = map[string]time.Time{}
		w.jobs = map[string]*memoryJob{}
	}
}

// PutSubscription implements WebSub.
func (m *Memory) PutSubscription(ctx context.Context, s Subscription) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &m.websub
	w.mu.Lock()
	defer w.mu.Unlock()
	w.init()
	w.subs[SubscriptionID(s.Topic, s.Callback)] = s
	return nil
}

// DeleteSubscription implements WebSub.
func (m *Memory) DeleteSubscription(ctx context.Context, topic, callback string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &m.websub
	w.mu.Lock()
	defer w.mu.Unlock()
	w.init()
	id := SubscriptionID(topic, callback)
	delete(w.subs, id)
	delete(w.jobs, id)
	return nil
}

// Subscriptions implements WebSub.
func (m *Memory) Subscriptions(ctx context.Context) ([]Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := &m.websub
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Subscription, 0, len(w.subs))
	for _, s := range w.subs {
		out = append(out, s)
	}
	return out, nil
}

// ExpireSubscriptions implements WebSub.
func (m *Memory) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	w := &m.websub
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for id, s := range w.subs {
		if !s.Expires.After(now) {
			delete(w.subs, id)
			delete(w.jobs, id)
			n++
		}
	}
	return n, nil
}

// RecordChange implements WebSub.
func (m *Memory) RecordChange(ctx context.Context, c TopicChange, now time.Time, window time.Duration) (RecordedChange, error) {
	if err := ctx.Err(); err != nil {
		return RecordedChange{}, err
	}
	w := &m.websub
	w.mu.Lock()
	defer w.mu.Unlock()
	w.init()
	rc := RecordedChange{Before: w.last[c.Topic]}
	if rc.Before == c.ETag {
		return rc, nil
	}
	for step, at := range w.steps {
		if at.Before(now.Add(-window)) {
			delete(w.steps, step)
		}
	}
	step := c.Topic + " " + c.Prev + " " + c.ETag
	if _, seen := w.steps[step]; seen {
		return rc, nil
	}
	w.steps[step] = now
	w.last[c.Topic] = c.ETag
	rc.New = true
	for id, s := range w.subs {
		if s.Topic != c.Topic || !s.Expires.After(now) {
			continue
		}
		j := w.jobs[id]
		if j == nil {
			j = &memoryJob{}
			w.jobs[id] = j
		}
		j.etag, j.attempts, j.since = c.ETag, 0, now
		// A delivery out with a claim keeps its hold: finishing it makes
		// the new version due, so that versions never overtake each other.
		if j.token == "" {
			j.due = now
		}
		rc.Queued++
	}
	return rc, nil
}

// ClaimDeliveries implements WebSub.
func (m *Memory) ClaimDeliveries(ctx context.Context, now time.Time, n int, hold time.Duration) ([]Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := &m.websub
	w.mu.Lock()
	defer w.mu.Unlock()
	due := make([]string, 0, len(w.jobs))
	for id, j := range w.jobs {
		if !j.due.After(now) {
			due = append(due, id)
		}
	}
	slices.SortFunc(due, func(a, b string) int { return cmp.Or(w.jobs[a].due.Compare(w.jobs[b].due), cmp.Compare(a, b)) })
	var out []Delivery
	for _, id := range due {
		if len(out) == n {
			break
		}
		s, ok := w.subs[id]
		if !ok || !s.Expires.After(now) {
			delete(w.jobs, id)
			continue
		}
		j := w.jobs[id]
		j.token = rand.Text()
		j.due = now.Add(hold)
		out = append(out, Delivery{Subscription: s, ETag: j.etag, Attempts: j.attempts, Since: j.since, Token: j.token})
	}
	return out, nil
}

// AckDelivery implements WebSub.
func (m *Memory) AckDelivery(ctx context.Context, d Delivery, now time.Time) error {
	return m.finish(ctx, d, finishAck, now, 0)
}

// RetryDelivery implements WebSub.
func (m *Memory) RetryDelivery(ctx context.Context, d Delivery, now time.Time, wait time.Duration, failed bool) error {
	if failed {
		return m.finish(ctx, d, finishRetry, now, wait)
	}
	return m.finish(ctx, d, finishDefer, now, wait)
}

// DropDelivery implements WebSub.
func (m *Memory) DropDelivery(ctx context.Context, d Delivery, now time.Time) error {
	return m.finish(ctx, d, finishDrop, now, 0)
}

// finish is the memory twin of finishScript.
func (m *Memory) finish(ctx context.Context, d Delivery, how string, now time.Time, wait time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &m.websub
	w.mu.Lock()
	defer w.mu.Unlock()
	id := SubscriptionID(d.Topic, d.Callback)
	j := w.jobs[id]
	if j == nil || j.token == "" || j.token != d.Token {
		return fmt.Errorf("store: memory: finish delivery %s: %w", id, ErrLeaseLost)
	}
	switch how {
	case finishAck:
		w.stats.Delivered++
	case finishRetry:
		w.stats.Failed++
		w.stats.Retried++
	case finishDrop:
		w.stats.Failed++
		w.stats.Dropped++
	}
	j.token = ""
	switch {
	case j.etag != d.ETag:
		j.due = now // a newer version was queued meanwhile: it goes next
	case how == finishAck || how == finishDrop:
		delete(w.jobs, id)
	case how == finishRetry:
		j.attempts++
		j.due = now.Add(wait)
	default:
		j.due = now.Add(wait)
	}
	return nil
}

// WebSubStats implements WebSub.
func (m *Memory) WebSubStats(ctx context.Context) (WebSubStats, error) {
	if err := ctx.Err(); err != nil {
		return WebSubStats{}, err
	}
	w := &m.websub
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.stats
	st.Queued = int64(len(w.jobs))
	return st, nil
}
