package source

import (
	"context"
	"sync/atomic"

	"syndicate/internal/item"
	"syndicate/internal/store"
)

// testStore is the real in-memory store, counting ReplaceItems calls so
// that tests can tell a poll that stored nothing.
type testStore struct {
	*store.Memory
	replaceCalls atomic.Int64
}

func newTestStore() *testStore { return &testStore{Memory: store.NewMemory()} }

func (s *testStore) ReplaceItems(ctx context.Context, source string, items []item.Item) error {
	s.replaceCalls.Add(1)
	return s.Memory.ReplaceItems(ctx, source, items)
}

func (s *testStore) replaces() int64 { return s.replaceCalls.Load() }
