package app

import (
	"context"
	"errors"
	"slices"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// gone reports the items taken down: listed in their source's withdrawn
// list as of the last reload, or marked deleted by its feed as the
// source's state remembers. Start-up and Reload apply withdrawals through
// it and the poller's retain alone.
func (a *App) gone(source string, it *item.Item) bool {
	if src := (*a.withdrawals.Load())[source]; src != nil && src.Withdraws(it.ID, it.URL) {
		return true
	}
	return a.states.deleted(source, it.ID)
}

// deleted reports whether the feed of source marked the item id deleted.
func (s *sourceStates) deleted(source, id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Contains(s.byID[source].Deleted, id)
}

// PollFirstParty polls each first-party source once and loads what the
// store then holds of it, for `syndicate build`: a static export of a
// CMS-fed site carries the CMS's articles. (External sources, which serve
// polls, are left out of a build as before.) It returns the failures,
// joined.
func (a *App) PollFirstParty(ctx context.Context) error {
	if a.Poller == nil {
		return nil
	}
	var errs []error
	for _, s := range a.Config.Sources {
		if s.Kind != config.KindArticles {
			continue
		}
		if err := a.Poller.PollOnce(ctx, s.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		a.loadSources(ctx, []string{s.ID})
	}
	return errors.Join(errs...)
}
