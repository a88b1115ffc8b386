package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"syndicate/internal/document"
	"syndicate/internal/render"
	"syndicate/internal/store"
)

// How long an instance that lost the race to render a section waits for
// the winner's documents before rendering them itself.
const (
	renderLease   = 5 * time.Second
	adoptWait     = 500 * time.Millisecond
	adoptInterval = 25 * time.Millisecond
)

// How a section's feeds came to be.
type origin int

const (
	rendered origin = iota // rendered by this instance now
	adopted                // rendered by another instance, taken from the store
	kept                   // unchanged: the input is the one this instance serves
)

// sectionFeeds returns the feeds of sec and how they came to be. docs
// are the documents this instance serves. In a fleet (Options.Fleet)
// instances that see the same change render it once: feeds already
// served for the same input are kept, else the store is asked for feeds
// rendered from that input, then a lease decides who renders, and the
// others wait for the winner's documents. Rendering is deterministic, so
// whichever instance renders, every instance serves the same bytes and
// ETags.
func (p *Publisher) sectionFeeds(ctx context.Context, docs map[string]document.Document, sec render.Section) (map[string]document.Document, origin, error) {
	if !p.opts.Fleet {
		feeds, err := render.Feeds(p.opts.Site, sec)
		if err == nil {
			p.storeFeeds(ctx, sec.Slug, feeds)
		}
		return feeds, rendered, err
	}
	input := p.inputHash(sec)
	// A section can be touched without changing what it shows (an edit
	// to an item past its limit); what the store holds for that input is
	// then this instance's own work, not another's to adopt.
	if feeds, ok := servedFeeds(docs, sec.Slug, input); ok {
		return feeds, kept, nil
	}
	if feeds, ok := p.storedFeeds(ctx, sec.Slug, input); ok {
		return feeds, adopted, nil
	}
	name := "sec:" + sec.Slug + ":render:" + input[:16]
	lease, won, err := p.acquire(ctx, name)
	// The winner releases the lease once its documents are stored, so a
	// loser still waiting finds either the documents or a free lease (the
	// winner failed to store): it never waits out a stale lease.
	for deadline := time.Now().Add(adoptWait); err == nil && !won && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(adoptInterval)
		if feeds, ok := p.storedFeeds(ctx, sec.Slug, input); ok {
			return feeds, adopted, nil
		}
		lease, won, err = p.acquire(ctx, name)
	}
	// A lease won after the winner released it finds the winner's
	// documents: they are stored (all three formats) before the release,
	// while a check above may have run between two of those writes.
	if won {
		if feeds, ok := p.storedFeeds(ctx, sec.Slug, input); ok {
			p.release(ctx, lease)
			return feeds, adopted, nil
		}
	}
	feeds, err := render.Feeds(p.opts.Site, sec)
	if err != nil {
		return nil, rendered, err
	}
	for format, doc := range feeds {
		doc.Input = input
		feeds[format] = doc
	}
	p.storeFeeds(ctx, sec.Slug, feeds)
	if won {
		p.release(ctx, lease)
	}
	return feeds, rendered, nil
}

func (p *Publisher) acquire(ctx context.Context, name string) (store.Lease, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
	defer cancel()
	return p.opts.Store.Acquire(ctx, name, renderLease)
}

// release hands the render lease back. Should it fail, the lease expires
// by itself after renderLease; a lease that already expired (a render
// slower than renderLease) is logged, since another instance may have
// rendered the same section meanwhile.
func (p *Publisher) release(ctx context.Context, lease store.Lease) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
	defer cancel()
	if err := p.opts.Store.Release(ctx, lease); err != nil {
		p.opts.Logger.Warn("release render lease", "lease", lease.Name, "err", err)
	}
}

// servedFeeds returns the three feeds of slug among docs if all were
// rendered from input.
func servedFeeds(docs map[string]document.Document, slug, input string) (map[string]document.Document, bool) {
	feeds := make(map[string]document.Document, len(render.FeedFormats))
	for _, format := range render.FeedFormats {
		doc, ok := docs["/"+slug+"/"+format]
		if !ok || doc.Input != input {
			return nil, false
		}
		feeds[format] = doc
	}
	return feeds, true
}

// storedFeeds returns the three feeds of slug from the store if all were
// rendered from input.
func (p *Publisher) storedFeeds(ctx context.Context, slug, input string) (map[string]document.Document, bool) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
	defer cancel()
	feeds := make(map[string]document.Document, len(render.FeedFormats))
	for _, format := range render.FeedFormats {
		doc, err := p.opts.Store.Document(ctx, slug, format)
		if err != nil || doc.Input != input {
			return nil, false
		}
		feeds[format] = doc
	}
	return feeds, true
}

// inputHash identifies everything a section's feeds are rendered from:
// the software version, the site settings, the section and its items.
func (p *Publisher) inputHash(sec render.Section) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	enc.Encode(p.opts.Version)
	enc.Encode(p.opts.Site)
	enc.Encode([3]string{sec.Slug, sec.Title, sec.Description})
	enc.Encode(sec.Archive)
	for _, it := range sec.Items {
		enc.Encode(it)
	}
	return hex.EncodeToString(h.Sum(nil))
}
