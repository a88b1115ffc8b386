package app

import (
	"context"
	"crypto/rand"
	"sync"
	"sync/atomic"
	"time"
)

// checkEvery is how often an instance checks the store's health and
// change version: the backstop for change announcements lost while a
// subscription reconnects.
const checkEvery = 500 * time.Millisecond

// fleet keeps instances that share one store in step through its change
// feed (store.Changes). When an instance changes a source's items it
// announces it; the others reload that source (taking the already
// rendered feeds from the store). A version that moved without an
// announcement reloads every source. A lone instance runs the same code
// against the memory store, where nobody else announces anything.
type fleet struct {
	app *App
	id  string // this instance, as its announcements name it

	seen atomic.Int64 // the change version this instance is up to date with
	up   atomic.Bool  // the store answered the last check

	// announcing is held while this instance announces a publish's
	// changes, and by check: a check between two of them would take the
	// versions the first moved for changes it missed, and reload every
	// source.
	announcing sync.Mutex
}

func newFleet(a *App) *fleet { return &fleet{app: a, id: rand.Text()} }

// start notes the change version before the sources are first loaded, so
// that only changes made after it count as missed. A store that does not
// answer now counts as down: its first answer is then a recovery, which
// reloads the sources that could not be loaded at start.
func (f *fleet) start(ctx context.Context) {
	v, err := f.app.Store.Version(ctx)
	if err != nil {
		f.app.Log.Warn("fleet: store unreachable at start", "err", err)
		f.app.Metrics.SetStoreUp(false)
		return
	}
	f.seen.Store(v)
	f.up.Store(true)
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

// notifyAll tells the fleet that this instance changed sources.
func (f *fleet) notifyAll(ctx context.Context, sources []string) {
	f.announcing.Lock()
	defer f.announcing.Unlock()
	for _, s := range sources {
		f.notify(ctx, s)
	}
}

// notify tells the fleet that this instance changed source.
func (f *fleet) notify(ctx context.Context, source string) {
	v, err := f.app.Store.Announce(ctx, f.id, source)
	if err != nil {
		f.app.Log.Warn("fleet: announce change", "source", source, "err", err)
	}
	if v > 0 {
		f.caughtUp(v)
	}
}

// caughtUp records that this instance has acted on change v. The version
// moves on only when v follows the last one seen, so that a change
// missed in between still shows at the next check.
func (f *fleet) caughtUp(v int64) { f.seen.CompareAndSwap(v-1, v) }

// subscribe reloads every source another instance announces, for as long
// as ctx lasts; a subscription that cannot be made is tried again at the
// next check's pace, and what is missed meanwhile the check catches.
func (f *fleet) subscribe(ctx context.Context) {
	for ctx.Err() == nil {
		changes, err := f.app.Store.Subscribe(ctx)
		if err != nil {
			f.app.Log.Debug("fleet: subscribe to changes", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(checkEvery):
			}
			continue
		}
		for c := range changes {
			if c.Origin != f.id {
				// Published with this instance's own changes, after the
				// same short wait: another instance's cycle is many
				// announcements at once.
				f.app.noteChange(c.Source, false)
			}
			f.caughtUp(c.Version)
		}
	}
}

// check notices a store that went down or came back, and changes this
// instance missed. When the store comes back every source is reloaded,
// which also re-seeds a store that came back empty (see
// publish.Publisher.ReloadSources).
func (f *fleet) check(ctx context.Context) {
	f.announcing.Lock()
	defer f.announcing.Unlock()
	v, err := f.app.Store.Version(ctx)
	if err != nil {
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
	if recovered || v != f.seen.Load() {
		f.seen.Store(v)
		f.app.loadSources(ctx, f.app.allSources())
	}
}
