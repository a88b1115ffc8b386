package app

import (
	"context"
	"sync"
	"time"

	"syndicate/internal/ops"
	"syndicate/internal/store"
)

// statesEvery is how often an instance sharing its store re-reads every
// source's state, for the polls of other instances that changed no items
// and so announced nothing.
const statesEvery = 10 * time.Second

// sourceStates is the instance's copy of every source's state, from which
// the operator routes answer without a store call per source: this
// instance's polls update it as they are recorded, a change announced by
// another instance re-reads that source's state, and with a shared store
// every state is re-read every statesEvery.
type sourceStates struct {
	mu   sync.RWMutex
	byID map[string]store.SourceState
}

func newSourceStates() *sourceStates {
	return &sourceStates{byID: map[string]store.SourceState{}}
}

// put keeps st unless a newer poll of the same feed is already kept: a
// read from the store may race the poll that is recording a newer one.
func (s *sourceStates) put(st store.SourceState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.byID[st.ID]; ok && old.URL == st.URL && old.LastFetch.After(st.LastFetch) {
		return
	}
	s.byID[st.ID] = st
}

// list implements ops.Deps.States.
func (s *sourceStates) list(context.Context) ([]store.SourceState, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]store.SourceState, 0, len(s.byID))
	for _, st := range s.byID {
		out = append(out, st)
	}
	return out, nil
}

// refreshStates re-reads the state of the sources given, or of every
// source, from the store. A store that fails leaves the copy as it was.
func (a *App) refreshStates(ctx context.Context, ids ...string) {
	sources := a.Config.Sources
	if len(ids) > 0 {
		sources = nil
		for _, id := range ids {
			if src := a.source(id); src != nil {
				sources = append(sources, *src)
			}
		}
	}
	states, err := ops.StoreStates(a.Store, sources)(ctx)
	if err != nil {
		a.Log.Debug("read source states", "err", err)
		return
	}
	for _, st := range states {
		a.states.put(st)
	}
}

// refreshStatesEvery re-reads every state every statesEvery until ctx
// ends.
func (a *App) refreshStatesEvery(ctx context.Context) {
	tick := time.NewTicker(statesEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			a.refreshStates(ctx)
		}
	}
}
