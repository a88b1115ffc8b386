package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"syndicate/internal/item"
	"syndicate/internal/section"
)

// The items of external sources live in the store; the Publisher keeps
// them slim: every field that decides which feed and which document an
// item goes in, and whether it changed, but in place of its text (the
// HTML content and the summary, nearly all of an item's bytes) a digest
// of it. Only the items the current documents show are held whole (full),
// so memory follows what is served, not the size of the archive. A slim
// item is made whole again, from full or from the store, before anything
// renders it: the current documents at each publish, an archive month
// when it is asked for.

// slimMark begins the content of a slim item: sanitized HTML never holds
// a NUL, so no real item is taken for a slim one.
const slimMark = "\x00"

// slim is it without its text, which a digest stands for: two slim items
// are item.Equal exactly when the items they stand for are.
func slim(it *item.Item) item.Item {
	s := *it
	h := sha256.New()
	h.Write([]byte(it.ContentHTML))
	h.Write([]byte{0})
	h.Write([]byte(it.Summary))
	s.ContentHTML, s.Summary = slimMark+hex.EncodeToString(h.Sum(nil)[:16]), ""
	return s
}

func isSlim(it *item.Item) bool { return strings.HasPrefix(it.ContentHTML, slimMark) }

// fullKey names one version of a source's item: its source, its id and
// the digest of its text, as the slim version carries it.
func fullKey(source, id, digest string) string { return source + "\x00" + id + "\x00" + digest }

func slimKey(it *item.Item) string { return fullKey(it.Origin.SourceID, it.ID, it.ContentHTML) }

// slimSource makes the items of one source slim.
func slimSource(items []item.Item) []item.Item {
	out := make([]item.Item, len(items))
	for i := range items {
		if it := &items[i]; isSlim(it) || it.Origin == nil {
			out[i] = *it
		} else {
			out[i] = slim(it)
		}
	}
	return out
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
		if !isSlim(it) {
			continue
		}
		if whole, ok := full[slimKey(it)]; ok {
			out[i] = whole
			if keep != nil {
				keep[slimKey(it)] = whole
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
		byID := make(map[string]*item.Item, len(stored))
		for j := range stored {
			byID[stored[j].ID] = &stored[j]
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
				keep[slimKey(items[i])] = whole
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
