package metrics

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// How a delivery attempt of the built-in WebSub hub ended: the values of
// the result label of syndicate_websub_deliveries_total.
const (
	DeliveryOK      = "delivered"
	DeliveryRetried = "retried" // failed, tried again later
	DeliveryDropped = "dropped" // failed for the last time, or its topic is no longer published
	DeliveryGone    = "gone"    // the callback answered 410: the subscription is ended
)

// How a verification of intent ended: the values of the result label of
// syndicate_websub_verifications_total.
const (
	VerifyOK      = "verified"
	VerifyFailed  = "failed"  // no echo of the challenge, an error status, or an unreachable callback
	VerifyRefused = "refused" // the topic is not published: the subscriber was told it is denied
)

// How a ping of an external hub ended: the values of the result label of
// syndicate_websub_hub_pings_total.
const (
	PingOK      = "ok"
	PingRetried = "retried"
	PingDropped = "dropped"
)

var (
	deliveryResults = []string{DeliveryOK, DeliveryRetried, DeliveryDropped, DeliveryGone}
	verifyResults   = []string{VerifyOK, VerifyFailed, VerifyRefused}
	verifyModes     = []string{"subscribe", "unsubscribe"}
	pingResults     = []string{PingOK, PingRetried, PingDropped}
)

// websubMetrics are the hub's. Counters count this instance's work; the
// gauges are the fleet's, as the shared store holds it.
type websubMetrics struct {
	deliveries    *prometheus.CounterVec
	deliveryTime  prometheus.Histogram
	verifications *prometheus.CounterVec
	pings         *prometheus.CounterVec
	subscriptions prometheus.Gauge
	queued        prometheus.Gauge
}

func newWebSubMetrics() websubMetrics {
	w := websubMetrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syndicate_websub_deliveries_total",
			Help: "Attempts to deliver a changed feed to a WebSub subscriber, by result (delivered, retried, dropped, gone).",
		}, []string{"result"}),
		deliveryTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "syndicate_websub_delivery_duration_seconds",
			Help: "Time a delivery to a subscriber's callback took, until its answer or failure.",
			// Up to the default request timeout of 30s.
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syndicate_websub_verifications_total",
			Help: "Subscribe and unsubscribe requests verified with the subscriber, by mode and result (verified, failed, refused).",
		}, []string{"mode", "result"}),
		pings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syndicate_websub_hub_pings_total",
			Help: "Notifications of a changed feed to external hubs, by result (ok, retried, dropped).",
		}, []string{"result"}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "syndicate_websub_subscriptions",
			Help: "Live subscriptions to the built-in hub, across the fleet.",
		}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "syndicate_websub_queued_deliveries",
			Help: "Deliveries waiting or in flight, across the fleet.",
		}),
	}
	// Every series exists from the start, so that rate() and alerts see a
	// 0 rather than no data.
	for _, r := range deliveryResults {
		w.deliveries.WithLabelValues(r)
	}
	for _, m := range verifyModes {
		for _, r := range verifyResults {
			w.verifications.WithLabelValues(m, r)
		}
	}
	for _, r := range pingResults {
		w.pings.WithLabelValues(r)
	}
	return w
}

func (w websubMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{w.deliveries, w.deliveryTime, w.verifications, w.pings, w.subscriptions, w.queued}
}

// WebSubDelivery records a delivery attempt that ended in result after d.
// A result outside the fixed set is not counted, so the label set stays
// fixed.
func (m *Metrics) WebSubDelivery(result string, d time.Duration) {
	if slices.Contains(deliveryResults, result) {
		m.websub.deliveries.WithLabelValues(result).Inc()
	}
	m.websub.deliveryTime.Observe(d.Seconds())
}

// WebSubVerification records a verification of intent for mode
// ("subscribe" or "unsubscribe") that ended in result.
func (m *Metrics) WebSubVerification(mode, result string) {
	if slices.Contains(verifyModes, mode) && slices.Contains(verifyResults, result) {
		m.websub.verifications.WithLabelValues(mode, result).Inc()
	}
}

// WebSubPing records a ping of an external hub that ended in result.
func (m *Metrics) WebSubPing(result string) {
	if slices.Contains(pingResults, result) {
		m.websub.pings.WithLabelValues(result).Inc()
	}
}

// SetWebSubState records the fleet's live subscriptions and queued
// deliveries.
func (m *Metrics) SetWebSubState(subscriptions int, queued int64) {
	m.websub.subscriptions.Set(float64(subscriptions))
	m.websub.queued.Set(float64(queued))
}
