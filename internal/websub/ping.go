package websub

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/internal/metrics"
	"syndicate/internal/netguard"
	"syndicate/internal/redact"
)

// Pings are few (a changed feed times the external hubs) and advisory: a
// hub that misses one fetches the feed on its own schedule. They are
// kept in this instance's memory, bounded, and sent a few at a time.
const (
	maxPendingPings = 1000
	pingsAtOnce     = 4
)

// pinger tells external hubs that a topic changed (hub.mode=publish,
// hub.url=<topic>), retrying with backoff.
type pinger struct {
	h       *Hub
	targets []string // the configured hub URLs, credentials included
	wake    chan struct{}

	mu      sync.Mutex
	pending map[pingKey]*ping

	sent, failed, dropped atomic.Int64
}

type pingKey struct{ hub, topic string }

type ping struct {
	attempts int
	due      time.Time
	sending  bool
}

// PingStats counts this instance's pings of external hubs.
type PingStats struct {
	Sent    int64 `json:"sent"`
	Failed  int64 `json:"failed"`  // attempts that failed, each retried or dropped
	Dropped int64 `json:"dropped"` // pings given up on, or not queued because too many were pending
	Pending int   `json:"pending"`
}

func newPinger(h *Hub) *pinger {
	return &pinger{h: h, targets: h.opts.Config.Hubs, wake: make(chan struct{}, 1), pending: map[pingKey]*ping{}}
}

// add queues a ping of every external hub for topic. A ping already
// waiting covers the change too: the hub fetches the newest bytes.
func (p *pinger) add(topic string) {
	if len(p.targets) == 0 {
		return
	}
	p.mu.Lock()
	for _, hub := range p.targets {
		k := pingKey{hub, topic}
		if _, ok := p.pending[k]; ok {
			continue
		}
		if len(p.pending) >= maxPendingPings {
			p.dropped.Add(1)
			p.h.opts.Metrics.WebSubPing(metrics.PingDropped)
			continue
		}
		p.pending[k] = &ping{due: time.Now()}
	}
	p.mu.Unlock()
	signal(p.wake)
}

func (p *pinger) stats() PingStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PingStats{Sent: p.sent.Load(), Failed: p.failed.Load(), Dropped: p.dropped.Load(), Pending: len(p.pending)}
}

// run sends pings as they come due until ctx ends.
func (p *pinger) run(ctx context.Context) {
	slots := make(chan struct{}, pingsAtOnce)
	done := make(chan struct{}, 1)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := p.startDue(ctx, slots, done)
		timer.Reset(next)
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-done:
		case <-timer.C:
		}
	}
}

// startDue starts every due ping there is a slot for, and returns how
// long until the next one comes due.
func (p *pinger) startDue(ctx context.Context, slots, done chan struct{}) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	next := time.Hour
	for k, pg := range p.pending {
		if pg.sending {
			continue
		}
		if wait := pg.due.Sub(now); wait > 0 {
			next = min(next, wait)
			continue
		}
		select {
		case slots <- struct{}{}:
		default:
			return next // the next to finish wakes run
		}
		pg.sending = true
		go func() {
			defer func() {
				<-slots
				signal(done)
			}()
			p.send(ctx, k)
		}()
	}
	return next
}

// send pings one hub about one topic and settles the ping: gone on a 2xx,
// due again after a backoff, or dropped after the last attempt.
func (p *pinger) send(ctx context.Context, k pingKey) {
	status, err := p.post(ctx, k)
	p.mu.Lock()
	defer p.mu.Unlock()
	pg := p.pending[k]
	pg.sending = false
	if err == nil && status/100 == 2 {
		delete(p.pending, k)
		p.sent.Add(1)
		p.h.opts.Metrics.WebSubPing(metrics.PingOK)
		return
	}
	if ctx.Err() != nil {
		return
	}
	reason := "status " + strconv.Itoa(status)
	if err != nil {
		reason = redact.Text(err.Error(), k.hub)
	}
	p.failed.Add(1)
	pg.attempts++
	log := p.h.opts.Logger.With("hub", redact.URL(k.hub), "topic", k.topic, "attempts", pg.attempts, "reason", reason)
	t := p.h.timing
	if pg.attempts >= t.pingAttempts {
		delete(p.pending, k)
		p.dropped.Add(1)
		p.h.opts.Metrics.WebSubPing(metrics.PingDropped)
		log.Warn("websub: hub ping dropped")
		return
	}
	wait := retryWait(t.pingBase, t.pingCap, pg.attempts)
	pg.due = time.Now().Add(wait)
	p.h.opts.Metrics.WebSubPing(metrics.PingRetried)
	log.Info("websub: hub ping failed; will retry", "retry_in", wait.Round(time.Millisecond))
}

// post sends the publish notification of the de facto protocol hubs
// accept: a form of hub.mode=publish and hub.url. The hubs are the
// operator's, so they may be on a private network.
func (p *pinger) post(ctx context.Context, k pingKey) (int, error) {
	host := hostOf(k.hub)
	if err := p.h.hosts.wait(ctx, host); err != nil {
		return 0, err
	}
	defer p.h.hosts.done(host)
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {k.topic}}
	ctx = netguard.WithPolicy(ctx, netguard.Policy{AllowPrivate: true})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", p.h.opts.UserAgent)
	resp, err := p.h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
	return resp.StatusCode, nil
}
