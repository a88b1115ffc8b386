package metrics

import (
	"errors"
	"testing"
)

func TestPartnerMetrics(t *testing.T) {
	m := New()
	m.PartnerResponse("wire", 200, 1000)
	m.PartnerResponse("wire", 304, 0)
	m.PartnerResponse("daily", 429, 0)
	m.AudienceFlushed(nil, 0)
	m.AudienceFlushed(errors.New("down"), 3)
	f := scrape(t, m.Handler())
	for _, tt := range []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"syndicate_partner_requests_total", map[string]string{"partner": "wire", "code": "200"}, 1},
		{"syndicate_partner_requests_total", map[string]string{"partner": "daily", "code": "429"}, 1},
		{"syndicate_partner_bytes_total", map[string]string{"partner": "wire"}, 1000},
		{"syndicate_audience_flushes_total", map[string]string{"result": "error"}, 1},
		{"syndicate_audience_dropped_total", map[string]string{}, 3},
	} {
		if got, ok := value(f[tt.family], tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (%v), want %v", tt.family, tt.labels, got, ok, tt.want)
		}
	}
	m.KeepPartners([]string{"wire"})
	f = scrape(t, m.Handler())
	if _, ok := value(f["syndicate_partner_requests_total"], map[string]string{"partner": "daily", "code": "429"}); ok {
		t.Error("a partner removed from the configuration keeps its series")
	}
	if _, ok := value(f["syndicate_partner_requests_total"], map[string]string{"partner": "wire", "code": "200"}); !ok {
		t.Error("a configured partner lost its series")
	}
}
