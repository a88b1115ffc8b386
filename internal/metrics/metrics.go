// Package metrics holds Syndicate's Prometheus metrics in a registry of
// its own, so that tests and several instances in one process never share
// counters, and exposes them for scraping.
//
// Every label value comes from configuration (source ids, section slugs,
// format names) or from a small fixed set (poll outcomes, HTTP status
// codes), never from URLs or request input, so the number of series stays
// bounded however the service is used.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"syndicate/internal/document"
	"syndicate/internal/store"
)

// Metrics is one instance's set of metrics.
type Metrics struct {
	reg *prometheus.Registry

	sources        *sourceCollector
	feedRequests   *prometheus.CounterVec
	renderDuration *prometheus.HistogramVec
	storeErrors    *prometheus.CounterVec
	storeUp        prometheus.Gauge
	websub         websubMetrics
	partners       partnerMetrics
}

// New returns a Metrics whose registry also carries the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		reg:     prometheus.NewRegistry(),
		sources: newSourceCollector(),
		feedRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syndicate_feed_requests_total",
			Help: "Requests for section feeds, by section, format and HTTP status code.",
		}, []string{"section", "format", "code"}),
		renderDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "syndicate_render_duration_seconds",
			Help: "Time to render every document of a section.",
			// Renders take from well under a millisecond to a few seconds
			// for very large sections.
			Buckets: prometheus.ExponentialBuckets(.0005, 2, 14),
		}, []string{"section"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syndicate_store_errors_total",
			Help: "Failed store operations, by operation.",
		}, []string{"op"}),
		storeUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "syndicate_store_up",
			Help: "1 when the store answered its last health check, else 0.",
		}),
		websub:   newWebSubMetrics(),
		partners: newPartnerMetrics(),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.sources,
		m.feedRequests, m.renderDuration, m.storeErrors, m.storeUp,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "syndicate_document_file_bytes",
			Help: "Bytes of documents held in in-memory files, sent from there with sendfile: memory in use that the process's resident set does not count.",
		}, func() float64 { return float64(document.FileBytes()) }),
	)
	m.reg.MustRegister(m.websub.collectors()...)
	m.reg.MustRegister(m.partners.collectors()...)
	return m
}

// Registry is the registry the metrics live in, for collectors that other
// packages want exposed alongside.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry: m.reg, // counts its own failures as promhttp_metric_handler_errors_total
		// A metric that fails to collect must not hide all the others.
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// ObservePoll records one poll p of a source and the state st the poll
// left behind.
func (m *Metrics) ObservePoll(st store.SourceState, p store.Poll) { m.sources.observe(st, p) }

// ObserveRender records that rendering section took d.
func (m *Metrics) ObserveRender(section string, d time.Duration) {
	m.renderDuration.WithLabelValues(section).Observe(d.Seconds())
}

// StoreError counts a failed store operation, such as "put_document".
func (m *Metrics) StoreError(op string) { m.storeErrors.WithLabelValues(op).Inc() }

// SetStoreUp records the outcome of a store health check.
func (m *Metrics) SetStoreUp(up bool) {
	if up {
		m.storeUp.Set(1)
	} else {
		m.storeUp.Set(0)
	}
}

// FeedRequestCounter returns the counter of requests for section's format
// answered with code. The server looks the counters up once per document
// and keeps them, so that counting a request is one atomic add.
func (m *Metrics) FeedRequestCounter(section, format string, code int) prometheus.Counter {
	return m.feedRequests.WithLabelValues(section, format, strconv.Itoa(code))
}
