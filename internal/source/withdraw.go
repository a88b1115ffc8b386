package source

import (
	"context"
	"errors"
	"fmt"

	"syndicate/internal/config"
	"syndicate/internal/store"
)

// current is source id as polled now, withdrawn list included; nil for
// a source not configured.
func (p *Poller) current(id string) *config.Source {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byID[id]
}

// Withdraw makes src's withdrawn list the one every poll of the source
// applies from now on, and applies it at once to the items the store
// holds, with retain, as the first poll after a start does: an item newly
// withdrawn leaves the store, and OnChange is told. Only the withdrawn
// list is taken from src; the rest of a source's configuration is read at
// start. An item taken off the list comes back at the next poll, if the
// feed still lists it: that poll parses the feed even if it is unchanged.
// A poll of the source in flight, which applies the list it began with,
// is waited for, so that it cannot store the item after it left. Where
// the store fails, the list is in force all the same and the next poll
// applies it to the stored items.
func (p *Poller) Withdraw(ctx context.Context, src config.Source) error {
	lock, ok := p.busy[src.ID]
	if !ok {
		return fmt.Errorf("source: unknown source %q", src.ID)
	}
	lock.Lock()
	defer lock.Unlock()
	p.mu.Lock()
	now := *p.byID[src.ID]
	for k := range now.WithdrawnKeys {
		if !src.WithdrawnKeys[k] {
			p.refetch[src.ID] = true
		}
	}
	now.Withdrawn, now.WithdrawnKeys = src.Withdrawn, src.WithdrawnKeys
	p.byID[src.ID] = &now
	p.mu.Unlock()

	changed, err := p.reconcileNow(ctx, &now)
	if err != nil {
		// The next poll checks the stored items against the list, as
		// the first since a start does, even if the feed is unchanged.
		p.mu.Lock()
		delete(p.checked, src.ID)
		p.mu.Unlock()
		return fmt.Errorf("source: %s: withdraw: %w", src.ID, err)
	}
	if changed && p.onChange != nil {
		p.onChange(src.ID)
	}
	return nil
}

// reconcileNow applies src's configuration to the items the store holds
// for it, and says whether they changed. The caller holds the source's
// lock.
func (p *Poller) reconcileNow(ctx context.Context, src *config.Source) (bool, error) {
	st, err := p.states.SourceState(ctx, src.ID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && st.URL != src.URL):
		// As in poll: a state of another feed says nothing of this one.
		st = store.SourceState{ID: src.ID, URL: src.URL}
	case err != nil:
		return false, fmt.Errorf("state: %w", err)
	}
	stored, storeErr := p.items(ctx, src.ID)
	var r result
	err = p.reconcile(ctx, src, st, stored, storeErr, &r)
	return r.changed, err
}
