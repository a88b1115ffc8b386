package publish

import (
	"context"
	"errors"
	"slices"

	"syndicate/internal/item"
	"syndicate/internal/section"
)

// The items of external sources live in the store; the Publisher keeps
// them slim (item.Slim): what decides which feed and which document an
// item goes in, and whether it changed, with a digest in place of the
// rest. It reads them slim too (store.Store's ItemHeads), so that the
// text of an archive is never decoded to place it. Only the items the
// current documents show are held whole (full), so memory follows what
// is served, not the size of the archive. A slim item is made whole
// again, from full or from the store, before anything renders it: the
// current documents at each publish, an archive month when it is asked
// for.

// slimSource makes the items of one source slim, in place. The items of
// one source share one Origin and, where they are filed alike, one
// Sections: at 100,000 items that is about 7 MB less to hold.
func slimSource(items []item.Item) []item.Item {
	var origin *item.Origin
	var sections []string
	for i := range items {
		it := &items[i]
		if it.Origin == nil {
			continue
		}
		s := item.Slim(it)
		if origin == nil || *origin != *s.Origin {
			origin = s.Origin
		}
		if !slices.Equal(sections, s.Sections) {
			sections = s.Sections
		}
		s.Origin, s.Sections = origin, sections
		items[i] = s
	}
	return items
}

// hydrated is items with every slim one replaced by the whole item: from
// full where it holds that version, else read from the store, one call
// per source for just the items missing. Each whole item used is added to
// keep, when given. An item the store no longer holds is shown without
// its text, and logged; the next reload of its source brings the store's
// version.
func (p *Publisher) hydrated(ctx context.Context, items []*item.Item, full, keep map[string]*item.Item) ([]*item.Item, error) {
	out := make([]*item.Item, len(items))
	var errs []error
	missing := map[string][]int{} // source to indexes in items
	for i, it := range items {
		out[i] = it
		if !item.IsSlim(it) {
			continue
		}
		if whole, ok := full[item.SlimKey(it)]; ok {
			out[i] = whole
			if keep != nil {
				keep[item.SlimKey(it)] = whole
			}
			continue
		}
		missing[it.Origin.SourceID] = append(missing[it.Origin.SourceID], i)
	}
	for source, idx := range missing {
		ids := make([]string, len(idx))
		for k, i := range idx {
			ids[k] = items[i].ID
		}
		storeCtx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
		stored, err := p.opts.Store.ItemsByID(storeCtx, source, ids)
		cancel()
		if err != nil {
			p.storeError("items")
			errs = append(errs, err)
		}
		// Each item on its own: an item kept in the slice the store
		// answered with would keep every other item read with it, long
		// after a later publish stopped showing them (3 MB of text after
		// a refresh cycle, make cyclebench -pprof).
		byID := make(map[string]*item.Item, len(stored))
		for _, it := range stored {
			byID[it.ID] = &it
		}
		for _, i := range idx {
			// The store may hold a newer version than the slim one, when
			// another instance changed the source since this one read it:
			// its next reload brings that version here too.
			whole, ok := byID[items[i].ID]
			if !ok {
				p.opts.Logger.Warn("item not in the store; shown without its text", "source", source, "id", items[i].ID, "err", err)
				bare := *items[i]
				bare.ContentHTML = ""
				out[i] = &bare
				continue
			}
			out[i] = whole
			if keep != nil {
				keep[item.SlimKey(items[i])] = whole
			}
		}
	}
	return out, errors.Join(errs...)
}

// served is the whole versions of the items ix's current documents show,
// from p.full: what p.full keeps once a publish is done.
func (p *Publisher) served(ctx context.Context, ix *section.Index) map[string]*item.Item {
	keep := map[string]*item.Item{}
	if ix == nil {
		return keep
	}
	for _, f := range ix.Sections {
		p.hydrated(ctx, f.Current(), p.full, keep) // shown bare where the store fails, as the publish did
	}
	return keep
}

// hydrateOnDemand makes the items of a document rendered on demand (an
// archive month) whole, from the store. A store that fails fails the
// render: the document would be kept, without the items' text.
func (p *Publisher) hydrateOnDemand(items []*item.Item) ([]*item.Item, error) {
	return p.hydrated(context.Background(), items, nil, nil)
}
