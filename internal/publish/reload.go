package publish

import (
	"context"
	"fmt"
	"slices"

	"syndicate/internal/item"
)

// ReloadSource publishes what the store holds for source, together with
// what this Publisher already publishes of it: a store that lost data (a
// Redis restarted empty, a failover to a cold replica) must never shrink a
// section. Where the store holds less than is published, the union, cut
// to limit items (0: no limit), is written back, which re-seeds it.
// It needs Options.Store.
func (p *Publisher) ReloadSource(ctx context.Context, source string, limit int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	storeCtx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
	stored, err := p.opts.Store.Items(storeCtx, source)
	cancel()
	if err != nil {
		p.storeError("items")
		return fmt.Errorf("publish: load items of %s: %w", source, err)
	}
	if p.opts.Gone != nil {
		// The store's copy is left to the poller, which drops them too.
		stored = p.withoutGone(source, stored)
		p.external[source] = p.withoutGone(source, p.external[source])
	}
	items := union(stored, p.external[source], limit)
	if len(items) > len(stored) {
		p.opts.Logger.Warn("store holds fewer items than published; re-seeding it", "source", source, "stored", len(stored), "published", len(items))
		storeCtx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
		err := p.opts.Store.ReplaceItems(storeCtx, source, items)
		cancel()
		if err != nil {
			// Published all the same: the next reload tries again.
			p.storeError("replace_items")
			p.opts.Logger.Error("re-seed source items", "source", source, "err", err)
		}
	}
	return p.setSource(ctx, source, items)
}

// union is stored plus the held items it lacks, newest first, cut to
// limit: what the store would hold had it kept everything. Where both have
// an item, the stored version (the newer edit) wins.
func union(stored, held []item.Item, limit int) []item.Item {
	out := slices.Clone(stored)
	have := make(map[string]bool, len(stored))
	for i := range stored {
		have[stored[i].ID] = true
	}
	for _, it := range held {
		if !have[it.ID] {
			out = append(out, it)
		}
	}
	item.SortNewest(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// withoutGone is items less those taken down: items itself, unless one
// is, for the slices may be shared with the store and the documents.
func (p *Publisher) withoutGone(source string, items []item.Item) []item.Item {
	gone := func(it item.Item) bool { return p.opts.Gone(source, &it) }
	if !slices.ContainsFunc(items, gone) {
		return items
	}
	return slices.DeleteFunc(slices.Clone(items), gone)
}
