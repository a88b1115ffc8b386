package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"syndicate/internal/document"
	"time"

	"syndicate/internal/render"
)

// How long an instance that lost the race to render a section waits for
// the winner's documents before rendering them itself.
const (
	renderLease   = 5 * time.Second
	adoptWait     = 500 * time.Millisecond
	adoptInterval = 25 * time.Millisecond
)

// sectionFeeds returns the feeds of sec and whether this instance rendered
// them. In a fleet (Options.Fleet) instances that see the same change
// render it once: the store is asked first for feeds rendered from the
// same input, then a lease decides who renders, and the others wait for
// the winner's documents. Rendering is deterministic, so whichever
// instance renders, every instance serves the same bytes and ETags.
func (p *Publisher) sectionFeeds(ctx context.Context, sec render.Section) (map[string]document.Document, bool, error) {
	if !p.opts.Fleet {
		feeds, err := render.Feeds(p.opts.Site, sec)
		if err == nil {
			p.storeFeeds(ctx, sec.Slug, feeds)
		}
		return feeds, true, err
	}
	input := p.inputHash(sec)
	if feeds, ok := p.storedFeeds(ctx, sec.Slug, input); ok {
		return feeds, false, nil
	}
	lease := "sec:" + sec.Slug + ":render:" + input[:16]
	won, err := p.acquire(ctx, lease)
	// The winner releases the lease once its documents are stored, so a
	// loser still waiting finds either the documents or a free lease (the
	// winner failed to store): it never waits out a stale lease.
	for deadline := time.Now().Add(adoptWait); err == nil && !won && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(adoptInterval)
		if feeds, ok := p.storedFeeds(ctx, sec.Slug, input); ok {
			return feeds, false, nil
		}
		won, err = p.acquire(ctx, lease)
	}
	feeds, err := render.Feeds(p.opts.Site, sec)
	if err != nil {
		return nil, false, err
	}
	for format, doc := range feeds {
		doc.Input = input
		feeds[format] = doc
	}
	p.storeFeeds(ctx, sec.Slug, feeds)
	if won {
		p.release(ctx, lease)
	}
	return feeds, true, nil
}

func (p *Publisher) acquire(ctx context.Context, lease string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
	defer cancel()
	return p.opts.Store.Acquire(ctx, lease, renderLease)
}

func (p *Publisher) release(ctx context.Context, lease string) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.StoreTimeout)
	defer cancel()
	p.opts.Store.Extend(ctx, lease, time.Millisecond)
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
	for _, it := range sec.Items {
		enc.Encode(it)
	}
	return hex.EncodeToString(h.Sum(nil))
}
