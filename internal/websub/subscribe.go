package websub

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"syndicate/internal/document"
	"syndicate/internal/metrics"
	"syndicate/internal/netguard"
	"syndicate/internal/redact"
	"syndicate/internal/store"
)

// Subscription requests (WebSub section 5.1) are small forms; anything
// larger is not one.
const (
	maxRequestBytes = 16 << 10
	maxCallbackLen  = 2048
	maxSecretLen    = 199 // "MUST be less than 200 bytes"
	// maxEchoBytes bounds what is read of a verification answer: the
	// challenge and some whitespace.
	maxEchoBytes = 1 << 10
)

// Modes of hub.mode a subscriber sends, and the one the hub sends back
// when it refuses a subscription.
const (
	modeSubscribe   = "subscribe"
	modeUnsubscribe = "unsubscribe"
	modeDenied      = "denied"
)

// request is a subscribe or unsubscribe request that parsed.
type request struct {
	mode, topic, callback, secret string
	lease                         time.Duration // granted; subscribe only
}

// ServeHTTP answers subscribers at Path. A well-formed request is
// accepted with 202 and verified with the subscriber afterwards, as
// section 5.3 asks; a malformed one is refused with 400 and its reason.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "websub: subscribe with a POST of hub.mode, hub.topic and hub.callback", http.StatusMethodNotAllowed)
		return
	}
	ctx := h.ctx.Load()
	if ctx == nil || (*ctx).Err() != nil {
		http.Error(w, "websub: hub not running", http.StatusServiceUnavailable)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "websub: unreadable form: "+err.Error(), http.StatusBadRequest)
		return
	}
	req, err := h.parse(r.PostForm)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	select {
	case h.verifying <- struct{}{}:
	default:
		w.Header().Set("Retry-After", "10")
		http.Error(w, "websub: too many verifications in flight; try again shortly", http.StatusServiceUnavailable)
		return
	}
	go func() {
		defer func() { <-h.verifying }()
		h.verify(*ctx, req)
	}()
	w.WriteHeader(http.StatusAccepted)
}

// parse checks a request's parameters (section 5.1.1) and grants its
// lease within the configured bounds.
func (h *Hub) parse(form url.Values) (request, error) {
	req := request{
		mode:     form.Get("hub.mode"),
		topic:    form.Get("hub.topic"),
		callback: form.Get("hub.callback"),
		secret:   form.Get("hub.secret"),
	}
	if req.mode != modeSubscribe && req.mode != modeUnsubscribe {
		return request{}, fmt.Errorf("websub: hub.mode %q: want subscribe or unsubscribe", req.mode)
	}
	if req.topic == "" {
		return request{}, errors.New("websub: hub.topic is missing")
	}
	u, err := url.Parse(req.callback)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(req.callback) > maxCallbackLen {
		return request{}, fmt.Errorf("websub: hub.callback: want an absolute http(s) URL of at most %d bytes", maxCallbackLen)
	}
	if len(req.secret) > maxSecretLen {
		return request{}, fmt.Errorf("websub: hub.secret: must be less than %d bytes", maxSecretLen+1)
	}
	c := h.opts.Config
	req.lease = c.LeaseDefault.Duration
	if s := form.Get("hub.lease_seconds"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return request{}, fmt.Errorf("websub: hub.lease_seconds %q: want a positive whole number", s)
		}
		req.lease = time.Duration(min(n, int64(c.LeaseMax.Duration/time.Second))) * time.Second
		req.lease = max(req.lease, c.LeaseMin.Duration)
	}
	return req, nil
}

// verify asks the subscriber to confirm req (section 5.3) and, when it
// echoes the challenge, acts on it. A subscription to a topic this hub
// does not publish is denied instead (section 5.2). A failure leaves the
// subscription as it was: none for a new subscriber, the old lease for a
// renewal.
func (h *Hub) verify(ctx context.Context, req request) {
	log := h.opts.Logger.With("mode", req.mode, "topic", req.topic, "callback", redact.URL(req.callback))
	var doc document.Document
	if req.mode == modeSubscribe {
		var ok bool
		if doc, ok = h.feed(req.topic); !ok {
			h.deny(ctx, req, "the topic is not a feed this hub publishes")
			h.opts.Metrics.WebSubVerification(req.mode, metrics.VerifyRefused)
			log.Info("websub: subscription refused: topic not published")
			return
		}
	}
	challenge := rand.Text()
	q := url.Values{
		"hub.mode":      {req.mode},
		"hub.topic":     {req.topic},
		"hub.challenge": {challenge},
	}
	if req.mode == modeSubscribe {
		q.Set("hub.lease_seconds", strconv.FormatInt(int64(req.lease/time.Second), 10))
	}
	status, body, err := h.get(ctx, req.callback, q, maxEchoBytes)
	if err != nil || status/100 != 2 || !bytes.Equal(bytes.TrimSpace(body), []byte(challenge)) {
		h.opts.Metrics.WebSubVerification(req.mode, metrics.VerifyFailed)
		reason := "the challenge was not echoed"
		switch {
		case err != nil:
			reason = redact.Text(err.Error(), req.callback)
		case status/100 != 2:
			reason = "status " + strconv.Itoa(status)
		}
		log.Info("websub: verification failed; nothing changed", "reason", reason)
		return
	}
	storeCtx, cancel := h.storeCtx(ctx)
	defer cancel()
	if req.mode == modeUnsubscribe {
		err = h.opts.Store.DeleteSubscription(storeCtx, req.topic, req.callback)
	} else {
		now := time.Now()
		err = h.opts.Store.PutSubscription(storeCtx, store.Subscription{
			Topic: req.topic, Callback: req.callback, Secret: req.secret,
			Lease: req.lease, Expires: now.Add(req.lease), Verified: now,
		})
	}
	if err != nil {
		// The subscriber was told it succeeded; it renews or unsubscribes
		// again when its lease runs out, and by then the store is back.
		h.opts.Metrics.StoreError("websub_" + req.mode)
		h.opts.Metrics.WebSubVerification(req.mode, metrics.VerifyFailed)
		log.Error("websub: verified, but the store failed", "err", err)
		return
	}
	if req.mode == modeSubscribe {
		h.noteSubscribed(req.topic, doc.ETag)
	}
	h.opts.Metrics.WebSubVerification(req.mode, metrics.VerifyOK)
	log.Info("websub: verified", "lease", req.lease)
}

// deny tells a subscriber its subscription is refused; its answer does
// not matter.
func (h *Hub) deny(ctx context.Context, req request, reason string) {
	q := url.Values{"hub.mode": {modeDenied}, "hub.topic": {req.topic}, "hub.reason": {reason}}
	h.get(ctx, req.callback, q, 0)
}

// get sends a GET to callback with q added to its own query, politely
// and within the callback policy, and returns the status and up to limit
// bytes of the body.
func (h *Hub) get(ctx context.Context, callback string, q url.Values, limit int64) (int, []byte, error) {
	u, err := url.Parse(callback)
	if err != nil {
		return 0, nil, err
	}
	all := u.Query()
	for k, v := range q {
		all[k] = v
	}
	u.RawQuery = all.Encode()
	if err := h.hosts.wait(ctx, u.Host); err != nil {
		return 0, nil, err
	}
	defer h.hosts.done(u.Host)
	req, err := http.NewRequestWithContext(netguard.WithPolicy(ctx, h.policy), http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", h.opts.UserAgent)
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	return resp.StatusCode, body, err
}
