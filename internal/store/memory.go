package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"syndicate/internal/document"

	"syndicate/internal/item"
)

// Memory is the embedded store: everything lives in this process and is
// gone when it stops. It is the default for a single instance.
type Memory struct {
	mu      sync.RWMutex
	items   map[string][]item.Item
	heads   map[string][]item.Item // items made slim, by source, as ReplaceItems left them
	docs    map[string]document.Document
	states  map[string]SourceState
	leases  memoryLeases
	changes memoryChanges
	websub  memoryWebSub

	audience memoryAudience
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{
		items:  map[string][]item.Item{},
		heads:  map[string][]item.Item{},
		docs:   map[string]document.Document{},
		states: map[string]SourceState{},
	}
}

// ReplaceItems implements Store.
func (m *Memory) ReplaceItems(ctx context.Context, source string, items []item.Item) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	copied := make([]item.Item, len(items))
	heads := make([]item.Item, len(items))
	for i := range items {
		copied[i] = cloneItem(items[i])
		heads[i] = item.Slim(&copied[i])
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[source], m.heads[source] = copied, heads
	return nil
}

// ItemHeads implements Store.
func (m *Memory) ItemHeads(ctx context.Context, source string) ([]item.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	held := m.heads[source]
	out := make([]item.Item, len(held))
	for i := range held {
		out[i] = cloneItem(held[i])
	}
	return out, nil
}

// Items implements Store.
func (m *Memory) Items(ctx context.Context, source string) ([]item.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	held := m.items[source]
	out := make([]item.Item, len(held))
	for i := range held {
		out[i] = cloneItem(held[i])
	}
	return out, nil
}

// ItemsByID implements Store.
func (m *Memory) ItemsByID(ctx context.Context, source string, ids []string) ([]item.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []item.Item
	for i := range m.items[source] {
		if want[m.items[source][i].ID] {
			out = append(out, cloneItem(m.items[source][i]))
		}
	}
	return out, nil
}

// PutDocument implements Store.
func (m *Memory) PutDocument(ctx context.Context, section, format string, doc document.Document) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The parts on the heap are copied; those sealed into files are read
	// back, which makes copies already.
	doc.Body = slices.Clone(doc.Body)
	doc.Gzip = slices.Clone(doc.Gzip)
	doc, err := doc.Opened()
	if err != nil {
		return fmt.Errorf("store: document %s/%s: %w", section, format, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.docs[section+"\x00"+format] = doc
	return nil
}

// Document implements Store.
func (m *Memory) Document(ctx context.Context, section, format string) (document.Document, error) {
	if err := ctx.Err(); err != nil {
		return document.Document{}, err
	}
	m.mu.RLock()
	doc, ok := m.docs[section+"\x00"+format]
	m.mu.RUnlock()
	if !ok {
		return document.Document{}, ErrNotFound
	}
	doc.Body = slices.Clone(doc.Body)
	doc.Gzip = slices.Clone(doc.Gzip)
	return doc, nil
}

// SourceState implements SourceStates.
func (m *Memory) SourceState(ctx context.Context, id string) (SourceState, error) {
	if err := ctx.Err(); err != nil {
		return SourceState{}, err
	}
	m.mu.RLock()
	st, ok := m.states[id]
	m.mu.RUnlock()
	if !ok {
		return SourceState{}, ErrNotFound
	}
	st.History = slices.Clone(st.History)
	return st, nil
}

// PutSourceState implements SourceStates.
func (m *Memory) PutSourceState(ctx context.Context, id string, st SourceState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st.History = slices.Clone(st.History)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[id] = st
	return nil
}

// Ping implements Store.
func (m *Memory) Ping(ctx context.Context) error { return ctx.Err() }

// Close implements Store.
func (m *Memory) Close() error { return nil }

// cloneItem copies the parts of an item that share memory, so a caller
// cannot change what the store holds.
func cloneItem(it item.Item) item.Item {
	it.Authors = slices.Clone(it.Authors)
	it.Sections = slices.Clone(it.Sections)
	it.Tags = slices.Clone(it.Tags)
	if it.Image != nil {
		img := *it.Image
		it.Image = &img
	}
	if it.Origin != nil {
		o := *it.Origin
		it.Origin = &o
	}
	return it
}
