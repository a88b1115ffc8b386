package store_test

import (
	"context"
	"testing"
	"time"

	"syndicate/internal/config"
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
