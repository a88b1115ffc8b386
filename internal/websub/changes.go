package websub

import (
	"context"
	"time"

	"syndicate/internal/store"
)

// changeQueue holds the changes not yet recorded, one per topic in the
// order topics first changed: a topic that changes again before its
// change is recorded has one change, from the version served before the
// first to the newest. It is bounded by the number of feeds however long
// the store is down.
type changeQueue struct {
	order []string
	byTop map[string]store.TopicChange
}

func (q *changeQueue) add(c store.TopicChange) {
	if q.byTop == nil {
		q.byTop = map[string]store.TopicChange{}
	}
	if old, ok := q.byTop[c.Topic]; ok {
		c.Prev = old.Prev
	} else {
		q.order = append(q.order, c.Topic)
	}
	q.byTop[c.Topic] = c
}

func (q *changeQueue) len() int { return len(q.order) }

// take empties the queue and returns what it held, in order.
func (q *changeQueue) take() []store.TopicChange {
	out := make([]store.TopicChange, 0, len(q.order))
	for _, topic := range q.order {
		out = append(out, q.byTop[topic])
	}
	q.order, q.byTop = nil, nil
	return out
}

// retryRecordAfter is how soon changes the store could not record are
// tried again.
const retryRecordAfter = time.Second

// recordChanges records each change in the store, which queues its
// deliveries once for the fleet, and has the instance that recorded a
// change first ping the external hubs. A change the store could not
// record waits in the queue for the next attempt.
func (h *Hub) recordChanges(ctx context.Context) {
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.changed:
		case <-retry:
		}
		retry = nil
		h.mu.Lock()
		changes := h.pending.take()
		h.mu.Unlock()
		for i, c := range changes {
			if err := h.record(ctx, c); err != nil {
				h.opts.Logger.Warn("websub: record change; will try again", "topic", c.Topic, "err", err)
				h.mu.Lock()
				for _, later := range changes[i:] {
					h.pending.add(later)
				}
				h.mu.Unlock()
				retry = time.After(retryRecordAfter)
				break
			}
		}
	}
}

func (h *Hub) record(ctx context.Context, c store.TopicChange) error {
	storeCtx, cancel := h.storeCtx(ctx)
	rc, err := h.opts.Store.RecordChange(storeCtx, c, time.Now(), h.timing.stepWindow)
	cancel()
	if err != nil {
		h.opts.Metrics.StoreError("websub_record_change")
		return err
	}
	if rc.Queued > 0 {
		signal(h.wake)
	}
	// A topic the store never recorded is a new feed, or a store that
	// started empty: nobody can have been told of an earlier version.
	if rc.New && rc.Before != "" {
		h.pings.add(c.Topic)
	}
	if rc.New {
		h.opts.Logger.Debug("websub: change recorded", "topic", c.Topic, "etag", c.ETag, "queued", rc.Queued)
	}
	return nil
}
