package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/document"
	"syndicate/internal/redistest"
	"syndicate/internal/store"
)

func TestOpen(t *testing.T) {
	mem, err := store.Open(config.Store{Timeout: config.Duration{Duration: time.Second}, Prefix: "syndicate:"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := mem.(*store.Memory); !ok {
		t.Errorf("no Redis configured gave %T, want *store.Memory", mem)
	}

	srv := redistest.StartServer(t)
	st, err := store.Open(config.Store{RedisURL: srv.URL, Timeout: config.Duration{Duration: 500 * time.Millisecond}, Prefix: redistest.Prefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(*store.Redis); !ok {
		t.Fatalf("redis_url gave %T, want *store.Redis", st)
	}
	if err := st.Ping(context.Background()); err != nil {
		t.Errorf("ping standalone: %v", err)
	}
	if _, err := store.Open(config.Store{RedisURL: "redis://127.0.0.1:notaport", Prefix: "x:"}); err == nil {
		t.Error("a bad redis_url opened")
	}
}

// A Redis that refuses connections must fail each call at once, not after
// the store timeout: go-redis's own dial retries and retry backoff would
// otherwise turn "refused" into a half-second hang on every call. The
// median of five calls is compared, so that one call stalled by a busy
// machine does not decide; a median over the limit is measured again
// before the test fails.
func TestOpenFailsAtOnceWhenRefused(t *testing.T) {
	port := redistest.FreePort(t)
	st, err := store.Open(config.Store{
		RedisURL: fmt.Sprintf("redis://127.0.0.1:%d/0", port),
		Timeout:  config.Duration{Duration: 2 * time.Second}, Prefix: "x:",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	median := func() time.Duration {
		var took []time.Duration
		for range 5 {
			start := time.Now()
			if err := st.PutDocument(context.Background(), "asia", "rss.xml", document.Document{Body: []byte("x")}); err == nil {
				t.Fatal("write to a refusing Redis succeeded")
			}
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		t.Logf("calls to a refusing Redis took %v", took)
		return took[len(took)/2]
	}
	const limit = 250 * time.Millisecond
	if first := median(); first > limit {
		if second := median(); second > limit {
			t.Errorf("calls to a refusing Redis took %v at the median, and %v measured again, want well under the 2s timeout (%v)", first, second, limit)
		}
	}
}
