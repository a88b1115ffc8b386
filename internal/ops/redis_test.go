package ops_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/ops"
	"syndicate/internal/redistest"
	"syndicate/internal/store"
)

// TestStoreDown stops a real Redis under a running instance: readiness
// stays 200 (the feeds in memory are still served) but says degraded and
// names the store, the metric drops to 0, and the sources API, which reads
// the states from that Redis, answers 503 naming the cause.
func TestStoreDown(t *testing.T) {
	srv := redistest.StartServer(t)
	rs, err := store.Open(config.Store{RedisURL: srv.URL, Prefix: "syndicate:", Timeout: config.Duration{Duration: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	if err := rs.PutSourceState(context.Background(), wire.ID, okState(wire)); err != nil {
		t.Fatal(err)
	}
	sources := []config.Source{wire, partner}
	e := start(t, ops.Deps{Sources: sources, Store: rs, States: ops.StoreStates(rs, sources)})

	t.Run("up", func(t *testing.T) {
		ready := getJSON(t, e.URL+"/readyz", 200)
		if ready["status"] != "ok" || ready["store"] != "ok" {
			t.Errorf("readyz = %v, want ok", ready)
		}
		list, _ := getJSON(t, e.URL+"/api/v1/sources", 200)["sources"].([]any)
		if len(list) != 2 || list[0].(map[string]any)["status"] != "ok" || list[1].(map[string]any)["status"] != "pending" {
			t.Errorf("sources from Redis: %v", list)
		}
		if !strings.Contains(string(get(t, e.URL+"/metrics").Body), "syndicate_store_up 1") {
			t.Error("syndicate_store_up is not 1")
		}
	})

	srv.Stop()

	t.Run("down", func(t *testing.T) {
		ready := getJSON(t, e.URL+"/readyz", 200)
		if ready["status"] != "degraded" || ready["store"] != "unreachable" {
			t.Errorf("readyz = %v, want degraded with the store unreachable", ready)
		}
		got := getJSON(t, e.URL+"/api/v1/sources", 503)
		if msg, _ := got["error"].(string); !strings.Contains(msg, "redis") {
			t.Errorf("error %q does not name the store", msg)
		}
		if !strings.Contains(string(get(t, e.URL+"/metrics").Body), "syndicate_store_up 0") {
			t.Error("syndicate_store_up is not 0")
		}
		r := get(t, e.URL+"/status")
		if r.Code != 503 || !strings.Contains(string(r.Body), `data-store="unreachable"`) {
			t.Errorf("status page: %d, want 503 showing the store unreachable", r.Code)
		}
	})
}
