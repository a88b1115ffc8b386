package websub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"syndicate/internal/document"
	"syndicate/internal/metrics"
	"syndicate/internal/netguard"
	"syndicate/internal/redact"
	"syndicate/internal/store"
)

// maxAnswerBytes is how much of a callback's answer to a delivery is read
// (and thrown away) so that its connection can serve the next one.
const maxAnswerBytes = 64 << 10

// deliverLoop claims due deliveries, as many as there are free workers,
// whenever deliveries were queued here, a delivery finished, or the poll
// interval passed (deliveries queued by other instances, retries that
// came due). It claims nothing before the first publish, when it would
// have nothing to deliver.
func (h *Hub) deliverLoop(ctx context.Context) {
	workers := h.opts.Config.Workers
	var inFlight atomic.Int64
	finished := make(chan struct{}, 1)
	tick := time.NewTicker(h.timing.poll)
	defer tick.Stop()
	for {
		if free := workers - int(inFlight.Load()); free > 0 && h.published.Load() {
			storeCtx, cancel := h.storeCtx(ctx)
			ds, err := h.opts.Store.ClaimDeliveries(storeCtx, time.Now(), free, h.timing.hold)
			cancel()
			if err != nil && ctx.Err() == nil {
				h.opts.Metrics.StoreError("websub_claim")
				h.opts.Logger.Debug("websub: claim deliveries", "err", err)
			}
			for _, d := range ds {
				inFlight.Add(1)
				go func() {
					defer func() {
						inFlight.Add(-1)
						signal(finished)
					}()
					h.deliver(ctx, d)
				}()
			}
			if len(ds) == free {
				continue // more may be due
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-finished:
		case <-tick.C:
		}
	}
}

// deliver sends d's topic, as this instance serves it, to d's callback
// (section 7), and settles d in the store: acknowledged on a 2xx, ended
// with the subscription on a 410 (section 7's "the hub MAY terminate the
// subscription"), retried with backoff on anything else until a day after
// the change, then dropped.
func (h *Hub) deliver(ctx context.Context, d store.Delivery) {
	log := h.opts.Logger.With("topic", d.Topic, "callback", redact.URL(d.Callback), "etag", d.ETag)
	doc, ok := h.feed(d.Topic)
	// An instance that has not caught up with the change yet, or that has
	// enough requests out to the host, puts the delivery back for
	// another turn, soon, and perhaps another instance's.
	if (!ok || doc.ETag != d.ETag) && time.Since(d.Since) < h.timing.catchUp {
		h.putBack(ctx, log, d)
		return
	}
	if !ok {
		h.settle(ctx, log, d, func(ctx context.Context) error { return h.opts.Store.DropDelivery(ctx, d, time.Now()) })
		h.opts.Metrics.WebSubDelivery(metrics.DeliveryDropped, 0)
		log.Warn("websub: delivery dropped: topic not published here")
		return
	}
	host := hostOf(d.Callback)
	if !h.hosts.try(host) {
		h.putBack(ctx, log, d)
		return
	}
	start := time.Now()
	status, err := h.post(ctx, d, doc)
	h.hosts.done(host)
	elapsed := time.Since(start)
	switch {
	case ctx.Err() != nil:
		// The instance is stopping: hand the delivery back for another
		// to make at once. Should that fail too, the hold runs out.
		back, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.opts.StoreTimeout)
		defer cancel()
		h.opts.Store.RetryDelivery(back, d, time.Now(), 0, false)
	case err == nil && status/100 == 2:
		h.settle(ctx, log, d, func(ctx context.Context) error { return h.opts.Store.AckDelivery(ctx, d, time.Now()) })
		h.opts.Metrics.WebSubDelivery(metrics.DeliveryOK, elapsed)
		log.Debug("websub: delivered", "status", status, "duration", elapsed)
	case err == nil && status == http.StatusGone:
		h.settle(ctx, log, d, func(ctx context.Context) error { return h.opts.Store.DeleteSubscription(ctx, d.Topic, d.Callback) })
		h.opts.Metrics.WebSubDelivery(metrics.DeliveryGone, elapsed)
		log.Info("websub: subscription ended by its callback (410)")
	default:
		reason := "status " + strconv.Itoa(status)
		if err != nil {
			reason = redact.Text(err.Error(), d.Callback)
		}
		wait := retryWait(h.timing.retryBase, h.timing.retryCap, d.Attempts+1)
		if time.Now().Add(wait).Sub(d.Since) > h.timing.giveUp {
			h.settle(ctx, log, d, func(ctx context.Context) error { return h.opts.Store.DropDelivery(ctx, d, time.Now()) })
			h.opts.Metrics.WebSubDelivery(metrics.DeliveryDropped, elapsed)
			log.Warn("websub: delivery dropped after a day of failures", "attempts", d.Attempts+1, "reason", reason)
			return
		}
		h.settle(ctx, log, d, func(ctx context.Context) error {
			return h.opts.Store.RetryDelivery(ctx, d, time.Now(), wait, true)
		})
		h.opts.Metrics.WebSubDelivery(metrics.DeliveryRetried, elapsed)
		log.Info("websub: delivery failed; will retry", "attempts", d.Attempts+1, "retry_in", wait.Round(time.Millisecond), "reason", reason)
	}
}

func (h *Hub) putBack(ctx context.Context, log *slog.Logger, d store.Delivery) {
	h.settle(ctx, log, d, func(ctx context.Context) error {
		return h.opts.Store.RetryDelivery(ctx, d, time.Now(), h.timing.recheck, false)
	})
}

// settle makes one store call that ends a delivery's claim. A claim lost
// meanwhile (the hold ran out) is logged: another instance may deliver
// the same version again.
func (h *Hub) settle(ctx context.Context, log *slog.Logger, d store.Delivery, call func(context.Context) error) {
	storeCtx, cancel := h.storeCtx(ctx)
	defer cancel()
	if err := call(storeCtx); err != nil {
		if !errors.Is(err, store.ErrLeaseLost) {
			h.opts.Metrics.StoreError("websub_settle")
		}
		log.Warn("websub: settle delivery", "err", err)
	}
}

// post sends doc to d's callback with the headers section 7 asks for:
// the topic's content type, Link headers naming the hubs and the topic,
// and, for a subscriber that gave a secret, X-Hub-Signature.
func (h *Hub) post(ctx context.Context, d store.Delivery, doc document.Document) (int, error) {
	body, err := doc.Read(document.PartBody)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(netguard.WithPolicy(ctx, h.policy), http.MethodPost, d.Callback, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header["Content-Type"] = []string{doc.ContentType}
	req.Header["Link"] = LinkHeader(h.hubs, d.Topic)
	req.Header.Set("User-Agent", h.opts.UserAgent)
	if d.Secret != "" {
		req.Header.Set("X-Hub-Signature", Signature(d.Secret, body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
	return resp.StatusCode, nil
}

// retryWait is how long to wait after the attempts-th failure: base
// doubled per failure up to limit, of which a random half is waited, so
// that many subscribers failing together do not retry together.
func retryWait(base, limit time.Duration, attempts int) time.Duration {
	d := limit
	if shift := attempts - 1; shift < 40 && base<<shift > 0 && base<<shift < limit {
		d = base << shift
	}
	return d/2 + rand.N(d/2+1)
}

func hostOf(callback string) string {
	u, err := url.Parse(callback)
	if err != nil {
		return callback
	}
	return u.Host
}
