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

// putBack returns c, which take handed out before anything now queued,
// to the queue: a change of its topic queued since continues from c.
func (q *changeQueue) putBack(c store.TopicChange) {
	if q.byTop == nil {
		q.byTop = map[string]store.TopicChange{}
	}
	if newer, ok := q.byTop[c.Topic]; ok {
		newer.Prev = c.Prev
		q.byTop[c.Topic] = newer
		return
	}
	q.order = append([]string{c.Topic}, q.order...)
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

// Changes are recorded by one instance of a fleet at a time, the holder
// of the recorder lease, from what it serves. Were every instance to
// record what it serves, an instance behind the others (it polled one
// source before reloading another) could record a version older than
// the fleet's newest, and the newest again after it: a subscriber would
// get the newest twice. The recorder's own versions follow one another
// in order; an instance taking over records whatever it serves that the
// store does not hold as newest.
const (
	recorderLease = "hub:websub:recorder"
	recorderTTL   = 5 * time.Second
	recorderRenew = time.Second
	// retryRecordAfter is how soon changes the store could not record
	// are tried again.
	retryRecordAfter = time.Second
)

// recordChanges records each change in the store, which queues its
// deliveries, while this instance holds the recorder lease, and has the
// changes first recorded pinged to the external hubs. A change the store
// could not record waits in the queue for the next attempt.
func (h *Hub) recordChanges(ctx context.Context) {
	var (
		lease   store.Lease
		leading bool
		retry   <-chan time.Time
	)
	tick := time.NewTicker(recorderRenew)
	defer tick.Stop()
	defer func() {
		if leading {
			// Hand the lease over at once rather than at its end.
			back, cancel := h.storeCtx(context.WithoutCancel(ctx))
			h.opts.Store.Release(back, lease)
			cancel()
		}
	}()
	for renew := true; ; {
		if renew {
			was := leading
			lease, leading = h.lead(ctx, lease, leading)
			if leading && !was {
				h.takeOver()
			}
		}
		h.mu.Lock()
		changes := h.pending.take()
		toPing := h.toPing
		h.toPing = map[string]bool{}
		h.mu.Unlock()
		retry = nil
		if leading {
			for topic := range toPing {
				h.pings.add(topic)
			}
			retry = h.recordAll(ctx, changes)
		}
		select {
		case <-ctx.Done():
			return
		case <-h.changed:
			renew = false
		case <-retry:
			renew = false
		case <-tick.C:
			renew = true
		}
	}
}

// lead takes the recorder lease, or keeps it, and reports whether this
// instance holds it.
func (h *Hub) lead(ctx context.Context, lease store.Lease, leading bool) (store.Lease, bool) {
	storeCtx, cancel := h.storeCtx(ctx)
	defer cancel()
	if leading {
		if err := h.opts.Store.Extend(storeCtx, lease, recorderTTL); err == nil {
			return lease, true
		}
		h.opts.Logger.Info("websub: no longer recording changes for the fleet")
	}
	l, ok, err := h.opts.Store.Acquire(storeCtx, recorderLease, recorderTTL)
	if err != nil || !ok {
		return store.Lease{}, false
	}
	h.opts.Logger.Debug("websub: recording changes for the fleet")
	return l, true
}

// takeOver queues every feed this instance serves as a change (of those
// rendered on demand, the ones with subscribers), so that the store,
// which knows the newest version it recorded, queues what the previous
// recorder did not live to record, and nothing else.
func (h *Hub) takeOver() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, known := range []map[string]string{h.served, h.onDemand} {
		for path, etag := range known {
			h.pending.add(store.TopicChange{Topic: h.opts.BaseURL + path, ETag: etag})
		}
	}
}

// recordAll records changes in order; on a failure it queues the rest
// again and returns when to retry.
func (h *Hub) recordAll(ctx context.Context, changes []store.TopicChange) <-chan time.Time {
	for i, c := range changes {
		if err := h.record(ctx, c); err != nil {
			h.opts.Logger.Warn("websub: record change; will try again", "topic", c.Topic, "err", err)
			h.mu.Lock()
			for j := len(changes) - 1; j >= i; j-- {
				h.pending.putBack(changes[j])
			}
			h.mu.Unlock()
			return time.After(retryRecordAfter)
		}
	}
	return nil
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
	// started empty: nobody can have been told of an earlier version. A
	// feed rendered on demand was pinged when it went stale (see Stale).
	if rc.New && rc.Before != "" && h.renderedAhead(c.Topic) {
		h.pings.add(c.Topic)
	}
	if rc.New {
		h.opts.Logger.Debug("websub: change recorded", "topic", c.Topic, "etag", c.ETag, "queued", rc.Queued)
	}
	return nil
}
