package app

import (
	"slices"

	"syndicate/internal/config"
	"syndicate/internal/item"
)

// gone reports the items taken down: listed in their source's withdrawn,
// or marked deleted by its feed as the source's state remembers.
func gone(cfg *config.Config, states *sourceStates) func(string, *item.Item) bool {
	return func(source string, it *item.Item) bool {
		for i := range cfg.Sources {
			if src := &cfg.Sources[i]; src.ID == source && src.Withdraws(it.ID, it.URL) {
				return true
			}
		}
		return states.deleted(source, it.ID)
	}
}

// deleted reports whether the feed of source marked the item id deleted.
func (s *sourceStates) deleted(source, id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Contains(s.byID[source].Deleted, id)
}
