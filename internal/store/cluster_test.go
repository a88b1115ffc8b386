package store_test

import (
	"context"
	"syndicate/internal/document"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/item"
	"syndicate/internal/redistest"
	"syndicate/internal/store"
	"syndicate/internal/store/storetest"
)

// The shared suite on a real 3-master Cluster: every multi-key operation
// must stay in one hash slot, or Redis answers CROSSSLOT.
func TestRedisCluster(t *testing.T) {
	cluster := redistest.StartCluster(t)
	open := func(t *testing.T) *store.Redis {
		st, err := store.Open(config.Store{RedisAddrs: cluster.Addrs[:1], Timeout: config.Duration{Duration: 2 * time.Second}, Prefix: redistest.Prefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st.(*store.Redis)
	}
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })

	// Sources and sections spread over the masters, as they would in use.
	r := open(t)
	ctx := context.Background()
	for _, id := range []string{"wire", "partner", "agency", "blog", "ministry", "thinktank"} {
		if err := r.ReplaceItems(ctx, id, []item.Item{{ID: id + "-1"}, {ID: id + "-2"}}); err != nil {
			t.Fatalf("replace items of %s: %v", id, err)
		}
	}
	masters := map[string]bool{}
	for _, id := range []string{"wire", "partner", "agency", "blog", "ministry", "thinktank"} {
		slot, err := r.Client().ClusterKeySlot(ctx, "{src:"+id+"}").Result()
		if err != nil {
			t.Fatal(err)
		}
		masters[masterOf(slot)] = true
	}
	if len(masters) < 2 {
		t.Errorf("six sources all hashed to one master: the test proves little")
	}
}

// masterOf names the third of the slot space redis-cli gives each of
// three masters.
func masterOf(slot int64) string {
	switch {
	case slot <= 5460:
		return "first"
	case slot <= 10922:
		return "second"
	}
	return "third"
}

// The shared suite through Redis Sentinel: the client asks the sentinel
// for the master and talks to it.
func TestRedisSentinel(t *testing.T) {
	master := redistest.StartServer(t)
	sentinel := redistest.StartSentinel(t, master, "syndicate-master")
	open := func(t *testing.T, prefix string) store.Store {
		st, err := store.Open(config.Store{
			RedisAddrs: []string{sentinel.Addr}, RedisMasterName: "syndicate-master",
			Timeout: config.Duration{Duration: 2 * time.Second}, Prefix: prefix,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, redistest.Prefix(t)) })

	// What goes through the sentinel lands on the master it names.
	prefix := redistest.Prefix(t)
	ctx := context.Background()
	if err := open(t, prefix).PutDocument(ctx, "asia", "rss.xml", document.Document{Body: []byte("via sentinel"), ETag: `"s"`}); err != nil {
		t.Fatal(err)
	}
	direct := openRedis(t, master.URL, store.RedisOptions{Prefix: prefix})
	if doc, err := direct.Document(ctx, "asia", "rss.xml"); err != nil || string(doc.Body) != "via sentinel" {
		t.Errorf("master holds %q (%v), want the document written through the sentinel", doc.Body, err)
	}
}
