package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"syndicate/internal/store"
)

// checkEvery is how often an instance of a fleet checks the store's
// health and change counter: the backstop for change messages lost while
// a subscription reconnects.
const checkEvery = 500 * time.Millisecond

// fleet keeps instances that share one Redis in step. When an instance
// changes a source's items it bumps a counter and publishes the source id;
// the others reload that source (taking the already rendered feeds from
// the store). A counter that moved without a message reloads every source.
type fleet struct {
	app     *App
	redis   *store.Redis
	id      string // this instance
	channel string
	counter string

	seen atomic.Int64 // change counter last acted on
	up   atomic.Bool  // the store answered the last check
}

func newFleet(a *App, r *store.Redis) *fleet {
	b := make([]byte, 8)
	rand.Read(b)
	return &fleet{
		app:     a,
		redis:   r,
		id:      hex.EncodeToString(b),
		channel: r.Key("events"),
		counter: r.Key("changes"),
	}
}

func (f *fleet) run(ctx context.Context) {
	go f.subscribe(ctx)
	tick := time.NewTicker(checkEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			f.check(ctx)
		}
	}
}

// notify tells the fleet that this instance changed source id.
func (f *fleet) notify(ctx context.Context, source string) {
	ctx, cancel := context.WithTimeout(ctx, f.app.Config.Store.Timeout.Duration)
	defer cancel()
	n, err := f.redis.Client().Incr(ctx, f.counter).Result()
	if err != nil {
		f.app.Log.Warn("fleet: count change", "source", source, "err", err)
		return
	}
	f.seen.Store(n)
	if err := f.redis.Client().Publish(ctx, f.channel, f.id+" "+source).Err(); err != nil {
		f.app.Log.Warn("fleet: announce change", "source", source, "err", err)
	}
}

// subscribe reloads every source another instance announces. go-redis
// resubscribes by itself after a reconnect; what is missed meanwhile the
// counter check catches.
func (f *fleet) subscribe(ctx context.Context) {
	sub := f.redis.Client().Subscribe(ctx, f.channel)
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-sub.Channel():
			if !ok {
				return
			}
			from, source, _ := strings.Cut(msg.Payload, " ")
			if from == f.id {
				continue
			}
			f.app.loadSource(ctx, source)
		}
	}
}

// check notices a store that went down or came back, and changes this
// instance missed. When the store comes back every source is reloaded,
// which also re-seeds a Redis that came back empty (see loadSource).
func (f *fleet) check(ctx context.Context) {
	getCtx, cancel := context.WithTimeout(ctx, f.app.Config.Store.Timeout.Duration)
	n, err := f.redis.Client().Get(getCtx, f.counter).Int64()
	cancel()
	if err != nil && !errors.Is(err, redis.Nil) {
		f.app.Metrics.StoreError("check")
		f.app.Metrics.SetStoreUp(false)
		if f.up.Swap(false) {
			f.app.Log.Warn("fleet: store unreachable; serving what is rendered, polling paused", "err", err)
		}
		return
	}
	f.app.Metrics.SetStoreUp(true)
	recovered := !f.up.Swap(true)
	if recovered {
		f.app.Log.Info("fleet: store reachable")
	}
	if recovered || n != f.seen.Load() {
		f.seen.Store(n)
		for _, s := range f.app.Config.Sources {
			f.app.loadSource(ctx, s.ID)
		}
	}
}
