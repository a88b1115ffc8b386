package websub

import (
	"context"
	"maps"
	"time"

	"syndicate/internal/render"
	"syndicate/internal/store"
)

// Tag, author and archive feeds are rendered on demand (see
// publish.Publisher.Render): Published never hands them over, and a
// publication may have thousands. An edit names the ones it made stale
// (Stale); of those, the hub renders only the ones somebody subscribed
// to, and records a change where their bytes differ from the version it
// saw last, which then goes out as a section feed's change does.

// Stale takes the paths of documents rendered on demand that a publish
// made stale, for publish.Publisher.OnStale, to be registered after
// whoever keeps those documents has dropped them, so that rendering them
// again gives the new bytes. It runs under the publisher's lock, so it
// only notes them; staleLoop acts on them.
//
// Each stale feed is pinged to the external hubs without being rendered:
// stale means what the feed shows changed (section.Diff compares the
// items), so its bytes did too, and rendering every one to be sure would
// cost a render per tag and month an edit touches to save a ping that
// at worst makes a hub fetch an unchanged feed.
func (h *Hub) Stale(paths []string) {
	h.mu.Lock()
	for _, path := range paths {
		if !isFeedPath(path) {
			continue
		}
		if h.opts.Config.Builtin {
			h.stale[path] = true
		}
		if len(h.pings.targets) > 0 {
			h.toPing[h.opts.BaseURL+path] = true
		}
	}
	h.mu.Unlock()
	signal(h.staleWake)
	signal(h.changed)
}

// staleLoop looks at the stale feeds whenever there are some, and again
// shortly when the store could not say who subscribes.
func (h *Hub) staleLoop(ctx context.Context) {
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.staleWake:
		case <-retry:
		}
		retry = h.refreshStale(ctx)
	}
}

// refreshStale renders each stale feed that has a live subscriber and
// queues a change of it where its ETag differs from the one last seen.
// A stale feed nobody subscribes to is forgotten: its next subscriber's
// verification notes the version it starts from.
func (h *Hub) refreshStale(ctx context.Context) <-chan time.Time {
	h.mu.Lock()
	paths := h.stale
	h.stale = map[string]bool{}
	h.mu.Unlock()
	if len(paths) == 0 {
		return nil
	}
	storeCtx, cancel := h.storeCtx(ctx)
	subs, err := h.opts.Store.Subscriptions(storeCtx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			h.opts.Metrics.StoreError("websub_subscriptions")
			h.opts.Logger.Warn("websub: list subscribers of changed feeds; will try again", "feeds", len(paths), "err", err)
		}
		h.mu.Lock()
		maps.Copy(h.stale, paths)
		h.mu.Unlock()
		return time.After(retryRecordAfter)
	}
	now := time.Now()
	subscribed := map[string]bool{}
	for _, s := range subs {
		if s.Expires.After(now) {
			subscribed[s.Topic] = true
		}
	}
	queued := 0
	for path := range paths {
		topic := h.opts.BaseURL + path
		if !subscribed[topic] {
			h.mu.Lock()
			delete(h.onDemand, path)
			h.mu.Unlock()
			continue
		}
		doc, ok := h.opts.Document(path)
		h.mu.Lock()
		switch prev := h.onDemand[path]; {
		case !ok || !render.IsFeedType(doc.ContentType):
			// The tag or month is gone: its deliveries are dropped.
			delete(h.onDemand, path)
		case doc.ETag != prev:
			h.pending.add(store.TopicChange{Topic: topic, Prev: prev, ETag: doc.ETag})
			h.onDemand[path] = doc.ETag
			queued++
		}
		h.mu.Unlock()
	}
	if queued > 0 {
		signal(h.changed)
	}
	return nil
}

// noteSubscribed remembers the version of a feed rendered on demand that
// a new subscriber starts from, so that the change after it is recorded
// as a step from it. Feeds Published hands over are known already.
func (h *Hub) noteSubscribed(topic, etag string) {
	path, ok := h.pathOf(topic)
	if !ok {
		return
	}
	if _, ahead := (*h.docs.Load())[path]; ahead {
		return
	}
	h.mu.Lock()
	if _, known := h.onDemand[path]; !known {
		h.onDemand[path] = etag
	}
	h.mu.Unlock()
}

// renderedAhead reports whether topic is a feed Published hands over.
func (h *Hub) renderedAhead(topic string) bool {
	path, ok := h.pathOf(topic)
	if !ok {
		return false
	}
	_, ahead := (*h.docs.Load())[path]
	return ahead
}
