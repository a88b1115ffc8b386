package websub

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/redistest"
	"syndicate/internal/store"
)

// openRedis opens the store one instance of a fleet would, on url under
// prefix.
func openRedis(t *testing.T, url, prefix string) store.Store {
	t.Helper()
	st, err := store.Open(config.Store{RedisURL: url, Prefix: prefix, Timeout: config.Duration{Duration: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fleet starts n hubs sharing one Redis, each with its own client, named
// by its User-Agent.
func fleet(t *testing.T, n int, adjust func(*Options, *timing)) []*testHub {
	t.Helper()
	if testing.Short() {
		t.Skip("runs several hubs on a Redis of their own")
	}
	url, prefix := redistest.Start(t), redistest.Prefix(t)
	var hubs []*testHub
	for i := range n {
		hubs = append(hubs, startHub(t, openRedis(t, url, prefix), func(o *Options, tm *timing) {
			o.UserAgent = "instance-" + strconv.Itoa(i)
			if adjust != nil {
				adjust(o, tm)
			}
		}))
	}
	return hubs
}

// Three instances see every change and deliver it once between them:
// each subscriber gets each version once, in order, whichever instance it
// subscribed through.
func TestFleetDeliversEachChangeOnce(t *testing.T) {
	hubs := fleet(t, 3, nil)
	subs := []*subscriber{newSubscriber(t), newSubscriber(t)}
	hubs[1].subscribe(t, subs[0].URL, "hub.secret", "one")
	hubs[2].subscribe(t, subs[1].URL)
	versions := []string{"v1", "v2", "v3"}
	for _, v := range versions {
		// The instances see the change one after the other, as they would
		// poll the same edit.
		for i, h := range []*testHub{hubs[2], hubs[0], hubs[1]} {
			h.Published(docs(v))
			if i == 0 {
				time.Sleep(5 * time.Millisecond)
			}
		}
		for _, s := range subs {
			d := next(t, s.delivered, "delivery of "+v)
			if !bytes.Equal(d.body, docs(v)["/asia/atom.xml"].Body) {
				t.Errorf("delivery for %s carries other bytes", v)
			}
		}
	}
	for i, s := range subs {
		quiet(t, s.delivered, 500*time.Millisecond, "second delivery of a change")
		if n := s.count(); n != len(versions) {
			t.Errorf("subscriber %d: %d deliveries of %d changes", i, n, len(versions))
		}
	}
	// An instance behind the others serves a version they skipped, then
	// catches up: whoever records, no version reaches a subscriber twice,
	// and the newest reaches it last.
	hubs[0].Published(docs("v5"))
	hubs[2].Published(docs("v5"))
	hubs[1].Published(docs("v4"))
	hubs[1].Published(docs("v5"))
	newest := docs("v5")["/asia/atom.xml"].Body
	for _, s := range subs {
		for !bytes.Equal(next(t, s.delivered, "delivery of v5").body, newest) {
		}
	}
	for i, s := range subs {
		quiet(t, s.delivered, 500*time.Millisecond, "delivery after the newest")
		s.mu.Lock()
		seen := map[string]bool{}
		for _, d := range s.deliveries {
			if seen[string(d.body)] {
				t.Errorf("subscriber %d got a version twice", i)
			}
			seen[string(d.body)] = true
		}
		s.mu.Unlock()
	}
	st, err := hubs[0].store.WebSubStats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Delivered != int64(subs[0].count()+subs[1].count()) || st.Queued != 0 || st.Failed != 0 {
		t.Errorf("fleet stats %+v, want %d delivered, nothing queued or failed", st, subs[0].count()+subs[1].count())
	}
}

// A delivery in flight when its instance dies is made by another: at
// once when the instance stops in an orderly way and hands it back, after
// its hold when it dies without a word.
func TestFleetDeliveryOfDeadInstanceRetried(t *testing.T) {
	for _, tt := range []struct {
		name string
		hold time.Duration
		hard bool
	}{
		{"stopped", time.Minute, false},
		{"killed", time.Second, true},
	} {
		t.Run(tt.name, func(t *testing.T) { deadInstance(t, tt.hold, tt.hard) })
	}
}

func deadInstance(t *testing.T, hold time.Duration, hard bool) {
	hubs := fleet(t, 2, func(_ *Options, tm *timing) { tm.hold = hold })
	sub := newSubscriber(t)
	release := make(chan struct{})
	first := true
	// The first delivery hangs until the test lets it go: its instance
	// dies with it in flight.
	inner := sub.Config.Handler
	sub.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub.mu.Lock()
		hang := first && r.Method == http.MethodPost
		if hang {
			first = false
		}
		sub.mu.Unlock()
		if hang {
			sub.delivered <- delivery{header: r.Header.Clone(), at: time.Now()}
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		inner.ServeHTTP(w, r)
	})
	defer close(release)
	hubs[0].subscribe(t, sub.URL)
	for _, h := range hubs {
		h.Published(docs("v1"))
	}
	hung := next(t, sub.delivered, "first delivery attempt")
	dead := 0
	if hung.header.Get("User-Agent") == "instance-1" {
		dead = 1
	}
	died := time.Now()
	if hard {
		// The store goes first, so the instance cannot hand the delivery
		// back; only the hold's end frees it.
		hubs[dead].store.(store.Store).Close()
	}
	hubs[dead].stop()
	d := next(t, sub.delivered, "delivery by the surviving instance")
	if ua := d.header.Get("User-Agent"); ua != "instance-"+strconv.Itoa(1-dead) {
		t.Errorf("retried by %q, want the surviving instance-%d", ua, 1-dead)
	}
	if !bytes.Equal(d.body, docs("v1")["/asia/atom.xml"].Body) {
		t.Error("the retried delivery carries other bytes")
	}
	waited := d.at.Sub(died)
	if !hard {
		if waited > hold/2 {
			t.Errorf("taken over %v after an orderly stop, want at once, long before the hold of %v", waited, hold)
		}
		return
	}
	// Nobody else touched it while the dead instance's hold lasted.
	if held := d.at.Sub(hung.at); held < hold-200*time.Millisecond {
		t.Errorf("taken over %v after the first attempt began, within its hold of %v", held, hold)
	}
	if waited > hold+patience/2 {
		t.Errorf("taken over %v after the death, want about the hold, %v", waited, hold)
	}
}
