package store_test

import (
	"context"
	"strings"
	"syndicate/internal/document"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/redistest"
	"syndicate/internal/store"
	"syndicate/internal/store/storetest"
)

func openRedis(t *testing.T, url string, opts store.RedisOptions) *store.Redis {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = "syndicate:"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	st, err := store.Open(config.Store{RedisURL: url, Prefix: opts.Prefix, Timeout: config.Duration{Duration: opts.Timeout}})
	if err != nil {
		t.Fatal(err)
	}
	r := st.(*store.Redis)
	t.Cleanup(func() {
		// A shared REDIS_URL server outlives the test: leave it as found.
		if opts.Prefix != "" {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			keys, _ := r.Client().Keys(ctx, opts.Prefix+"*").Result()
			if len(keys) > 0 {
				r.Client().Del(ctx, keys...)
			}
		}
		r.Close()
	})
	return r
}

func TestRedis(t *testing.T) {
	url := redistest.Start(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openRedis(t, url, store.RedisOptions{Prefix: redistest.Prefix(t)})
	})
}

func TestRedisKeysAreHashTagged(t *testing.T) {
	url := redistest.Start(t)
	prefix := redistest.Prefix(t)
	r := openRedis(t, url, store.RedisOptions{Prefix: prefix})
	ctx := context.Background()
	r.PutDocument(ctx, "middle-east", "atom.xml", document.Document{Body: []byte("x"), ETag: `"x"`})
	r.ReplaceItems(ctx, "wire", []item.Item{{ID: "a", Origin: &item.Origin{SourceID: "wire"}}})
	r.PutSourceState(ctx, "wire", store.SourceState{ID: "wire"})
	keys, err := r.Client().Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		prefix + "{sec:middle-east}:doc:atom.xml": true,
		prefix + "{src:wire}:items":               true,
		prefix + "{src:wire}:heads":               true,
		prefix + "{src:wire}:state":               true,
	}
	for _, k := range keys {
		if !want[k] {
			t.Errorf("unexpected key %q", k)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("missing key %q", k)
	}
}

func TestRedisPrefixIsolation(t *testing.T) {
	url := redistest.Start(t)
	a := openRedis(t, url, store.RedisOptions{Prefix: redistest.Prefix(t)})
	b := openRedis(t, url, store.RedisOptions{Prefix: redistest.Prefix(t)})
	ctx := context.Background()
	a.PutDocument(ctx, "asia", "rss.xml", document.Document{Body: []byte("a"), ETag: `"a"`})
	if _, err := b.Document(ctx, "asia", "rss.xml"); err != store.ErrNotFound {
		t.Errorf("store b sees store a's document: %v", err)
	}
}

// Changes cross instances: what one store announces, a second store on
// the same Redis and prefix delivers, and a third under another prefix
// (another deployment) does not.
func TestRedisChangesReachOtherInstances(t *testing.T) {
	url := redistest.Start(t)
	prefix := redistest.Prefix(t)
	announcer := openRedis(t, url, store.RedisOptions{Prefix: prefix})
	listener := openRedis(t, url, store.RedisOptions{Prefix: prefix})
	stranger := openRedis(t, url, store.RedisOptions{Prefix: redistest.Prefix(t)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard, err := listener.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	overheard, err := stranger.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := announcer.Announce(ctx, "inst-a", "wire"); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-heard:
		if c != (store.Change{Version: 1, Origin: "inst-a", Source: "wire"}) {
			t.Errorf("listener got %+v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other instance heard nothing within 5s")
	}
	if v, err := listener.Version(ctx); err != nil || v != 1 {
		t.Errorf("the other instance's Version = %d, %v; want 1", v, err)
	}
	select {
	case c := <-overheard:
		t.Errorf("a store under another prefix heard %+v", c)
	case <-time.After(100 * time.Millisecond):
	}
	if v, _ := stranger.Version(ctx); v != 0 {
		t.Errorf("a store under another prefix has version %d", v)
	}
}

func TestRedisFailsFastWhenDown(t *testing.T) {
	srv := redistest.StartServer(t)
	r := openRedis(t, srv.URL, store.RedisOptions{Prefix: redistest.Prefix(t), Timeout: 300 * time.Millisecond})
	ctx := context.Background()
	if err := r.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	faults := []struct {
		name  string
		fault func()
	}{{"paused", srv.Pause}, {"killed", srv.Kill}}
	for _, f := range faults {
		name := f.name
		f.fault()
		start := time.Now()
		_, err := r.Document(ctx, "asia", "atom.xml")
		if err == nil {
			t.Fatalf("%s: no error from a dead store", name)
		}
		if !strings.Contains(err.Error(), "store: redis: get document asia/atom.xml") {
			t.Errorf("%s: error %q does not name the operation", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: call took %v, want about the 300ms timeout", name, d)
		}
		if name == "paused" {
			srv.Resume()
		}
	}
}

func TestOpenStandaloneOptions(t *testing.T) {
	url := redistest.Start(t)
	st, err := store.Open(config.Store{RedisURL: url, Prefix: redistest.Prefix(t), Timeout: config.Duration{Duration: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	o := st.(*store.Redis).Client().(*redis.Client).Options()
	if o.DialTimeout != time.Second || o.ReadTimeout != time.Second || o.WriteTimeout != time.Second ||
		o.PoolTimeout != time.Second || o.MaxRetries != 1 || !o.ContextTimeoutEnabled ||
		o.DialerRetries != 1 || o.MaxRetryBackoff > 100*time.Millisecond {
		t.Errorf("client options not set for fast failure: %+v", o)
	}

	for _, bad := range []string{"http://127.0.0.1:6379", "redis://127.0.0.1:6379/notadb", "::"} {
		if _, err := store.Open(config.Store{RedisURL: bad, Prefix: "x:"}); err == nil || !strings.HasPrefix(err.Error(), "store: redis") {
			t.Errorf("Open(%q) = %v, want a store: redis error", bad, err)
		}
	}
	tlsStore, err := store.Open(config.Store{RedisURL: "rediss://127.0.0.1:6380/2", Prefix: "x:"})
	if err != nil {
		t.Fatalf("rediss URL: %v", err)
	}
	defer tlsStore.Close()
	if tlsStore.(*store.Redis).Client().(*redis.Client).Options().TLSConfig == nil {
		t.Error("rediss URL opened without TLS")
	}
}

// The hub's keys all carry the {websub} hash tag, so its scripts and
// transactions stay in one Cluster slot.
func TestRedisWebSubKeysShareOneSlot(t *testing.T) {
	url := redistest.Start(t)
	prefix := redistest.Prefix(t)
	r := openRedis(t, url, store.RedisOptions{Prefix: prefix})
	ctx := context.Background()
	now := time.Now()
	topic := "https://news.example/asia/atom.xml"
	r.PutSubscription(ctx, store.Subscription{Topic: topic, Callback: "https://r.example/cb", Expires: now.Add(time.Hour)})
	r.RecordChange(ctx, store.TopicChange{Topic: topic, ETag: `"a"`}, now, time.Minute)
	ds, _ := r.ClaimDeliveries(ctx, now, 1, time.Minute)
	if len(ds) == 1 {
		r.RetryDelivery(ctx, ds[0], now, time.Minute, true)
	}
	keys, err := r.Client().Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 7 {
		t.Errorf("%d keys after a subscription, a change and a retry: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix+"{websub}:") {
			t.Errorf("key %q is outside the {websub} slot", k)
		}
	}
}

// A source written before heads were kept (an earlier version) still
// answers ItemHeads, from its whole items.
func TestRedisHeadsOfOlderWrites(t *testing.T) {
	url := redistest.Start(t)
	prefix := redistest.Prefix(t)
	r := openRedis(t, url, store.RedisOptions{Prefix: prefix})
	ctx := context.Background()
	whole := item.Item{ID: "a", URL: "https://wire.example/a", Title: "Kept", ContentHTML: "<p>text</p>", Origin: &item.Origin{SourceID: "wire"}}
	if err := r.ReplaceItems(ctx, "wire", []item.Item{whole}); err != nil {
		t.Fatal(err)
	}
	if err := r.Client().Del(ctx, prefix+"{src:wire}:heads").Err(); err != nil {
		t.Fatal(err)
	}
	heads, err := r.ItemHeads(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	want := item.Slim(&whole)
	if len(heads) != 1 || !item.Equal(&heads[0], &want) {
		t.Errorf("heads = %+v, want [%+v]", heads, want)
	}
}
