package publish

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"syndicate/internal/item"
)

// ReloadSource is ReloadSources for one source.
func (p *Publisher) ReloadSource(ctx context.Context, source string, limit int) error {
	return p.ReloadSources(ctx, map[string]int{source: limit})
}

// ReloadSources publishes what the store holds for each source of limits
// (source id to its max_items, 0: no limit), together with what this
// Publisher already publishes of it, in one republish: a polling cycle
// that changed a thousand sources renders each section once, not once per
// source. A store that lost data (a Redis restarted empty, a failover to
// a cold replica) must never shrink a section: where the store holds
// less than is published, the union, cut to the limit, is written back,
// which re-seeds it. A source the store cannot answer for keeps what is
// published of it, and is named in the error; the others are published
// all the same. It needs Options.Store.
func (p *Publisher) ReloadSources(ctx context.Context, limits map[string]int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, source := range slices.Sorted(maps.Keys(limits)) {
		if err := p.reload(ctx, source, limits[source]); err != nil {
			errs = append(errs, err)
		}
	}
	if p.published && len(errs) < len(limits) {
		errs = append(errs, p.republish(ctx))
	}
	return errors.Join(errs...)
}

// reload reads source's items from the store into p.external, with p.mu
// held: their heads (store.Store's ItemHeads), and their whole versions
// only when the store lost some of what is published and must be
// re-seeded.
func (p *Publisher) reload(ctx context.Context, source string, limit int) error {
	storeCtx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
	stored, err := p.opts.Store.ItemHeads(storeCtx, source)
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
		if items, err = p.reseed(ctx, source, limit); err != nil {
			return err
		}
	}
	p.replaceSource(source, slimSource(items))
	return nil
}

// reseed writes back to the store the items of source it lost (a Redis
// restarted empty, a failover to a cold replica), and returns what it
// then holds. Only whole items can be written back: a slim one the store
// lost is whole here only while a current document shows it. The others
// are gone with the store's copy, and leave the archive.
func (p *Publisher) reseed(ctx context.Context, source string, limit int) ([]item.Item, error) {
	storeCtx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
	stored, err := p.opts.Store.Items(storeCtx, source)
	cancel()
	if err != nil {
		p.storeError("items")
		return nil, fmt.Errorf("publish: load items of %s: %w", source, err)
	}
	if p.opts.Gone != nil {
		// Another instance may have written one back.
		stored = p.withoutGone(source, stored)
	}
	items := union(stored, p.external[source], limit)
	seed := make([]item.Item, 0, len(items))
	for i := range items {
		if !item.IsSlim(&items[i]) {
			seed = append(seed, items[i])
		} else if whole, ok := p.full[item.SlimKey(&items[i])]; ok {
			seed = append(seed, *whole)
		}
	}
	if lost := len(items) - len(seed); lost > 0 {
		p.opts.Logger.Warn("store lost archived items this instance does not keep", "source", source, "lost", lost)
	}
	if len(seed) > len(stored) {
		p.opts.Logger.Warn("store holds fewer items than published; re-seeding it", "source", source, "stored", len(stored), "published", len(seed))
		storeCtx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
		err := p.opts.Store.ReplaceItems(storeCtx, source, seed)
		cancel()
		if err != nil {
			// Published all the same: the next reload tries again.
			p.storeError("replace_items")
			p.opts.Logger.Error("re-seed source items", "source", source, "err", err)
		}
	}
	return seed, nil
}

// union is stored plus the held items it lacks, newest first, cut to
// limit: what the store would hold had it kept everything. Where both have
// an item, the stored version (the newer edit) wins.
// stored is the caller's to give: it is sorted and returned when held
// adds nothing to it, which saves a copy of every item at start-up. What
// it returns is exactly as long as it holds, since the Publisher keeps it
// until the source changes again: grown by appending and then cut, the
// items of a thousand sources that each replaced all theirs took 15 MB
// more than they held (make cyclebench -pprof).
func union(stored, held []item.Item, limit int) []item.Item {
	have := make(map[string]bool, len(stored))
	for i := range stored {
		have[stored[i].ID] = true
	}
	missing := 0
	for i := range held {
		if !have[held[i].ID] {
			missing++
		}
	}
	out := stored
	if missing > 0 {
		out = make([]item.Item, 0, len(stored)+missing)
		out = append(out, stored...)
		for _, it := range held {
			if !have[it.ID] {
				out = append(out, it)
			}
		}
	}
	item.SortNewest(out)
	if limit > 0 && len(out) > limit {
		out = slices.Clone(out[:limit])
	}
	return out
}

// withoutGone is items less those taken down: items itself, unless one
// is, for the slices may be shared with the store and the documents.
// Gone is asked about each item in place: asked about a copy, which it
// may keep, every item was copied to the heap, 29 MB per load of 100,000
// items (BenchmarkFlat's start-up, -memprofile).
func (p *Publisher) withoutGone(source string, items []item.Item) []item.Item {
	for i := range items {
		if p.opts.Gone(source, &items[i]) {
			return slices.DeleteFunc(slices.Clone(items), func(it item.Item) bool { return p.opts.Gone(source, &it) })
		}
	}
	return items
}
