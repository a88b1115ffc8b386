package metrics

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// partnerMetrics count partners' requests and the audience collector's
// flushes. The partner label only ever holds a configured partner's id
// (a token resolves to one or is refused), and KeepPartners drops the
// series of partners the configuration no longer has.
type partnerMetrics struct {
	requests *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	flushes  *prometheus.CounterVec
	dropped  prometheus.Counter
	seen     *sync.Map // ids with series
}

func newPartnerMetrics() partnerMetrics {
	return partnerMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syndicate_partner_requests_total",
			Help: "Requests of partners with a valid token, by partner id and HTTP status code (429: over its rate).",
		}, []string{"partner", "code"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syndicate_partner_bytes_total",
			Help: "Body bytes sent to partners, by partner id.",
		}, []string{"partner"}),
		flushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syndicate_audience_flushes_total",
			Help: "Flushes of usage and audience counts to the store, by result (ok, error: that interval's counts are lost).",
		}, []string{"result"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "syndicate_audience_dropped_total",
			Help: "Client visits not counted because more new clients came in one flush interval than are held.",
		}),
		seen: &sync.Map{},
	}
}

func (p partnerMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{p.requests, p.bytes, p.flushes, p.dropped}
}

// PartnerResponse counts one response to partner id.
func (m *Metrics) PartnerResponse(id string, code, bytes int) {
	m.partners.seen.Store(id, true)
	m.partners.requests.WithLabelValues(id, strconv.Itoa(code)).Inc()
	m.partners.bytes.WithLabelValues(id).Add(float64(bytes))
}

// KeepPartners drops the series of every partner not in ids, after a
// reload removed some: the label stays bounded by the configuration.
func (m *Metrics) KeepPartners(ids []string) {
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	m.partners.seen.Range(func(k, _ any) bool {
		if id := k.(string); !keep[id] {
			m.partners.requests.DeletePartialMatch(prometheus.Labels{"partner": id})
			m.partners.bytes.DeletePartialMatch(prometheus.Labels{"partner": id})
			m.partners.seen.Delete(id)
		}
		return true
	})
}

// AudienceFlushed records the outcome of a flush of counts.
func (m *Metrics) AudienceFlushed(err error, dropped int) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.partners.flushes.WithLabelValues(result).Inc()
	m.partners.dropped.Add(float64(dropped))
}
