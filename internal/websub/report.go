package websub

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"syndicate/internal/redact"
	"syndicate/internal/store"
)

// Report is what operators see of the hub: its subscribers, per topic,
// and its work. Subscriptions and deliveries are the fleet's; pings are
// this instance's.
type Report struct {
	Builtin       bool
	Hubs          []string // as feeds advertise them
	Topics        []TopicReport
	Subscriptions []SubscriptionReport
	Deliveries    store.WebSubStats
	Pings         PingStats
}

// TopicReport counts a topic's live subscribers.
type TopicReport struct {
	Topic       string
	Subscribers int
}

// SubscriptionReport is a live subscription as operators may see it: its
// callback redacted and its secret left out.
type SubscriptionReport struct {
	Topic, Callback string
	Signed          bool // the subscriber gave a secret
	Lease           time.Duration
	Expires         time.Time
	Verified        time.Time
}

// Report reads the hub's state from the store. Subscriptions are ordered
// by topic, then callback.
func (h *Hub) Report(ctx context.Context) (Report, error) {
	r := Report{Builtin: h.opts.Config.Builtin, Hubs: h.hubs, Pings: h.pings.stats()}
	if !r.Builtin {
		return r, nil
	}
	storeCtx, cancel := h.storeCtx(ctx)
	defer cancel()
	subs, err := h.opts.Store.Subscriptions(storeCtx)
	if err != nil {
		return r, fmt.Errorf("websub: report: %w", err)
	}
	if r.Deliveries, err = h.opts.Store.WebSubStats(storeCtx); err != nil {
		return r, fmt.Errorf("websub: report: %w", err)
	}
	now := time.Now()
	perTopic := map[string]int{}
	for _, s := range subs {
		if !s.Expires.After(now) {
			continue
		}
		perTopic[s.Topic]++
		r.Subscriptions = append(r.Subscriptions, SubscriptionReport{
			Topic: s.Topic, Callback: redact.URL(s.Callback), Signed: s.Secret != "",
			Lease: s.Lease, Expires: s.Expires, Verified: s.Verified,
		})
	}
	slices.SortFunc(r.Subscriptions, func(a, b SubscriptionReport) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Callback, b.Callback))
	})
	for topic, n := range perTopic {
		r.Topics = append(r.Topics, TopicReport{Topic: topic, Subscribers: n})
	}
	slices.SortFunc(r.Topics, func(a, b TopicReport) int { return cmp.Compare(a.Topic, b.Topic) })
	return r, nil
}

// sweepLoop clears ended leases and sets the fleet-wide gauges, now and
// every sweep interval. Every instance sweeps; removing is idempotent.
func (h *Hub) sweepLoop(ctx context.Context) {
	tick := time.NewTicker(h.timing.sweep)
	defer tick.Stop()
	for {
		h.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (h *Hub) sweep(ctx context.Context) {
	storeCtx, cancel := h.storeCtx(ctx)
	defer cancel()
	n, err := h.opts.Store.ExpireSubscriptions(storeCtx, time.Now())
	if err != nil {
		if ctx.Err() == nil {
			h.opts.Metrics.StoreError("websub_expire")
			h.opts.Logger.Warn("websub: clear ended leases", "err", err)
		}
		return
	}
	if n > 0 {
		h.opts.Logger.Info("websub: leases ended", "subscriptions", n)
	}
	r, err := h.Report(ctx)
	if err != nil {
		return
	}
	h.opts.Metrics.SetWebSubState(len(r.Subscriptions), r.Deliveries.Queued)
}
