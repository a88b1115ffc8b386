package metrics

import (
	"testing"
	"time"
)

func TestWebSubScrape(t *testing.T) {
	m := New()
	families := scrape(t, m.Handler())
	// Before anything happens every result series is there, at 0.
	for _, tt := range []struct {
		name   string
		labels map[string]string
	}{
		{"syndicate_websub_deliveries_total", map[string]string{"result": DeliveryRetried}},
		{"syndicate_websub_verifications_total", map[string]string{"mode": "unsubscribe", "result": VerifyFailed}},
		{"syndicate_websub_hub_pings_total", map[string]string{"result": PingDropped}},
	} {
		if got, ok := value(families[tt.name], tt.labels); !ok || got != 0 {
			t.Errorf("%s%v before any work = %v (present %v), want 0", tt.name, tt.labels, got, ok)
		}
	}

	m.WebSubDelivery(DeliveryOK, 20*time.Millisecond)
	m.WebSubDelivery(DeliveryOK, 30*time.Millisecond)
	m.WebSubDelivery(DeliveryRetried, time.Second)
	m.WebSubDelivery("surprise", time.Second) // timed, not counted
	m.WebSubVerification("subscribe", VerifyOK)
	m.WebSubVerification("subscribe", VerifyRefused)
	m.WebSubVerification("denied", VerifyOK) // no such mode: not counted
	m.WebSubPing(PingRetried)
	m.WebSubPing(PingOK)
	m.SetWebSubState(3, 2)
	families = scrape(t, m.Handler())
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"syndicate_websub_deliveries_total", map[string]string{"result": DeliveryOK}, 2},
		{"syndicate_websub_deliveries_total", map[string]string{"result": DeliveryRetried}, 1},
		{"syndicate_websub_verifications_total", map[string]string{"mode": "subscribe", "result": VerifyOK}, 1},
		{"syndicate_websub_verifications_total", map[string]string{"mode": "subscribe", "result": VerifyRefused}, 1},
		{"syndicate_websub_hub_pings_total", map[string]string{"result": PingOK}, 1},
		{"syndicate_websub_hub_pings_total", map[string]string{"result": PingRetried}, 1},
		{"syndicate_websub_subscriptions", nil, 3},
		{"syndicate_websub_queued_deliveries", nil, 2},
	} {
		if got, ok := value(families[tt.name], tt.labels); got != tt.want {
			t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if n := len(families["syndicate_websub_deliveries_total"].GetMetric()); n != len(deliveryResults) {
		t.Errorf("%d delivery series, want the %d fixed results", n, len(deliveryResults))
	}
	if n := len(families["syndicate_websub_verifications_total"].GetMetric()); n != len(verifyModes)*len(verifyResults) {
		t.Errorf("%d verification series, want %d", n, len(verifyModes)*len(verifyResults))
	}
	h := find(families["syndicate_websub_delivery_duration_seconds"], nil)
	if h == nil || h.GetHistogram().GetSampleCount() != 4 {
		t.Errorf("delivery durations: %v, want 4 samples", h)
	}
}
