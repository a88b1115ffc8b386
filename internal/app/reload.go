package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"maps"
	"os"
	"reflect"
	"slices"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/partner"
)

// setPartners makes list the partners whose tokens open feeds.
func (a *App) setPartners(list []config.Partner) {
	ps := partner.NewSet(list, a.partners.Load())
	a.partners.Store(ps)
	a.Server.SetPartners(ps)
	ids := make([]string, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	a.Metrics.KeepPartners(ids)
}

// Partners returns the configured partners, as of the last reload.
func (a *App) Partners() *partner.Set { return a.partners.Load() }

// Reload reads the configuration file again and applies at once its
// partners (a partner added, revoked, or given other sections, content or
// rate) and the withdrawn list of every source (see applyWithdrawals).
// Other changes need a restart, and the log says so. A file that does
// not load changes nothing; its error is returned (and logged).
func (a *App) Reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	cfg, err := config.Load(a.Config.Path)
	if err != nil {
		a.Log.Error("config not reloaded; the running configuration stays", "err", err)
		return err
	}
	a.setPartners(cfg.Partners)
	if !sameBeyondReloaded(a.Config, cfg) {
		a.Log.Warn("config reloaded: partners and withdrawals applied; its other changes take a restart", "config", cfg.Path)
	}
	active := 0
	for _, p := range cfg.Partners {
		if !p.Revoked {
			active++
		}
	}
	a.Log.Info("partners reloaded", "partners", len(cfg.Partners), "active", active, "config", cfg.Path)
	return a.applyWithdrawals(ctx, cfg.Sources)
}

// applyWithdrawals makes the withdrawn lists of sources (those of the
// running sources, by id; a source added or removed takes a restart) the
// ones in force, and applies a changed one as start-up does: the
// publisher reloads the source through gone, which leaves the withdrawn
// items out of every document, then the poller applies the list to the
// store (Poller.Withdraw). The order matters: a reload of the source
// already under way with the old list finishes before the first step
// ends, and a poll under way before the second does, so that neither
// puts an item back in the store after it left. The fleet hears of the
// change when the store changes. Each instance applies its own file's
// list: one that has not yet may write the item back (re-seeding the
// store from what it publishes, or from a poll), but never after its own
// reload, whose Withdraw takes it out again; an instance that withdrew
// it never publishes it, whatever the store holds.
func (a *App) applyWithdrawals(ctx context.Context, sources []config.Source) error {
	old := *a.withdrawals.Load()
	now := maps.Clone(old)
	var changed []*config.Source
	for _, s := range sources {
		cur := old[s.ID]
		if cur == nil || slices.Equal(cur.Withdrawn, s.Withdrawn) {
			continue
		}
		next := *cur
		next.Withdrawn, next.WithdrawnKeys = s.Withdrawn, s.WithdrawnKeys
		now[s.ID] = &next
		changed = append(changed, &next)
	}
	if len(changed) == 0 {
		return nil
	}
	a.withdrawals.Store(&now)
	ids := make([]string, len(changed))
	for i, s := range changed {
		a.Log.Info("withdrawals reloaded", "source", s.ID, "withdrawn", len(s.Withdrawn), "before", len(old[s.ID].Withdrawn))
		ids[i] = s.ID
	}
	// One publish for every changed list, as for a polling cycle.
	a.loadSources(ctx, ids)
	if a.Poller == nil {
		return nil
	}
	var errs []error
	for _, s := range changed {
		if err := a.Poller.Withdraw(ctx, *s); err != nil {
			a.Log.Error("withdrawals not applied to the store; the next poll applies them", "source", s.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sameBeyondReloaded reports whether a and b differ at most in what
// Reload applies: partners and withdrawn lists.
func sameBeyondReloaded(a, b *config.Config) bool {
	x, y := *a, *b
	x.Partners, y.Partners = nil, nil
	// Regexps compile to values DeepEqual tells apart; their source is
	// what matters, and it is compared with the rest of the source.
	x.Sources, y.Sources = nil, nil
	if len(a.Sources) != len(b.Sources) {
		return false
	}
	for i := range a.Sources {
		s, t := a.Sources[i], b.Sources[i]
		s.IncludeRE, s.ExcludeRE, t.IncludeRE, t.ExcludeRE = nil, nil, nil, nil
		s.Withdrawn, s.WithdrawnKeys, t.Withdrawn, t.WithdrawnKeys = nil, nil, nil, nil
		if !reflect.DeepEqual(s, t) {
			return false
		}
	}
	return reflect.DeepEqual(x, y)
}

// WatchConfig reloads the configuration when hup delivers (SIGHUP) and
// when the file's bytes change, checked every interval, until ctx ends.
// A change is acted on once the bytes held still for one interval: a file
// caught half-written (an editor saving in place) could load as valid
// TOML that lacks a partner or a withdrawn id, and put an item taken down
// back for a moment.
func (a *App) WatchConfig(ctx context.Context, hup <-chan os.Signal, interval time.Duration) {
	sum := fileSum(a.Config.Path)
	var last []byte // the bytes' sum at the last check
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-t.C:
			now := fileSum(a.Config.Path)
			settled := bytes.Equal(now, last)
			last = now
			if now == nil || bytes.Equal(now, sum) || !settled {
				continue // unchanged, being replaced, or still being written
			}
		}
		sum = fileSum(a.Config.Path)
		a.Reload(ctx)
	}
}

func fileSum(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := sha256.Sum256(b)
	return s[:]
}
