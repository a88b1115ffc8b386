package source

import (
	"context"
	"slices"
	"sync"

	"syndicate/internal/item"
	"syndicate/internal/store"
)

// testStore stands in for store.NewMemory, which is being written
// concurrently: items and source states in maps, copied in and out as a
// real store would. Switch newTestStore to the real one when it lands.
type testStore struct {
	mu       sync.Mutex
	items    map[string][]item.Item
	states   map[string]store.SourceState
	replaces int
}

func newTestStore() *testStore {
	return &testStore{items: map[string][]item.Item{}, states: map[string]store.SourceState{}}
}

func (s *testStore) ReplaceItems(_ context.Context, source string, items []item.Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[source] = slices.Clone(items)
	s.replaces++
	return nil
}

func (s *testStore) Items(_ context.Context, source string) ([]item.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.items[source]), nil
}

func (s *testStore) PutDocument(context.Context, string, string, store.Document) error { return nil }
func (s *testStore) Document(context.Context, string, string) (store.Document, error) {
	return store.Document{}, store.ErrNotFound
}
func (s *testStore) Ping(context.Context) error { return nil }
func (s *testStore) Close() error               { return nil }

func (s *testStore) SourceState(_ context.Context, id string) (store.SourceState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[id]
	if !ok {
		return store.SourceState{}, store.ErrNotFound
	}
	st.History = slices.Clone(st.History)
	return st, nil
}

func (s *testStore) PutSourceState(_ context.Context, id string, st store.SourceState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.History = slices.Clone(st.History)
	s.states[id] = st
	return nil
}
