package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("metrics do not parse as Prometheus text: %v", err)
	}
	return families
}

// value returns the value of the series of family with the given labels.
func value(families map[string]*dto.MetricFamily, family string, labels map[string]string) float64 {
	f := families[family]
	if f == nil {
		return -1
	}
series:
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// The operator endpoints of a running instance report what its polls and
// requests really did: /metrics counters match the poll history that
// /api/v1/sources shows, and feed requests are counted by code.
func TestOperatorEndpointsFollowPolls(t *testing.T) {
	var upstreamHits atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if upstreamHits.Add(1) > 1 {
			http.Error(w, "overloaded", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, upstreamRSS)
	}))
	defer upstream.Close()
	_, front := newTestApp(t, upstream.URL)
	waitFor(t, front.URL+"/middle-east/rss.xml", "Ceasefire talks resume in Doha")

	// The source now fails: wait for a failed poll to be recorded.
	var src struct {
		ID                string  `json:"id"`
		Status            string  `json:"status"`
		ConsecutiveErrors int     `json:"consecutive_errors"`
		LastError         *string `json:"last_error"`
		LastSuccess       *string `json:"last_success"`
		Items             int     `json:"items"`
		History           []struct {
			Outcome    string `json:"outcome"`
			HTTPStatus int    `json:"http_status"`
		} `json:"history"`
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(front.URL + "/api/v1/sources/partner-wire")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&src)
		resp.Body.Close()
		if src.Status == "error" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("failing upstream never reported: %+v", src)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if src.ConsecutiveErrors < 1 || src.LastError == nil || src.LastSuccess == nil || src.Items != 1 {
		t.Errorf("source after a success then a failure: %+v", src)
	}
	for _, get := range []string{"/middle-east/rss.xml", "/middle-east/rss.xml", "/middle-east/atom.xml"} {
		fetch(t, front.URL+get)
	}

	families := scrape(t, front.URL)
	resp, _ := http.Get(front.URL + "/api/v1/sources/partner-wire")
	json.NewDecoder(resp.Body).Decode(&src)
	resp.Body.Close()
	outcomes := map[string]int{}
	for _, h := range src.History {
		outcomes[h.Outcome]++
	}
	for _, result := range []string{"ok", "error"} {
		got := value(families, "syndicate_source_fetch_total", map[string]string{"source": "partner-wire", "result": result})
		// A poll may land between the two reads; never more than one.
		if got < float64(outcomes[result]) || got > float64(outcomes[result]+1) {
			t.Errorf("fetch_total{result=%s} = %v, history shows %d", result, got, outcomes[result])
		}
	}
	if got := value(families, "syndicate_source_consecutive_errors", map[string]string{"source": "partner-wire"}); got < 1 {
		t.Errorf("consecutive_errors gauge = %v", got)
	}
	if got := value(families, "syndicate_source_items", map[string]string{"source": "partner-wire"}); got != 1 {
		t.Errorf("items gauge = %v, want 1", got)
	}
	if got := value(families, "syndicate_feed_requests_total", map[string]string{"section": "middle-east", "format": "rss.xml", "code": "200"}); got < 3 {
		t.Errorf("feed_requests_total{middle-east,rss.xml,200} = %v, want at least the 3 GETs made", got)
	}
	if got := value(families, "syndicate_render_duration_seconds", map[string]string{"section": "middle-east"}); got < 2 {
		t.Errorf("render_duration_seconds count = %v, want a render at start and one after the poll", got)
	}
	if value(families, "go_goroutines", nil) <= 0 {
		t.Error("Go runtime collectors missing")
	}

	resp, err := http.Get(front.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready map[string]any
	json.NewDecoder(resp.Body).Decode(&ready)
	resp.Body.Close()
	if resp.StatusCode != 200 || ready["store"] != "ok" || ready["sources_failing"] != float64(1) {
		t.Errorf("/readyz = %d %v", resp.StatusCode, ready)
	}
}
