package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"reflect"
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

// Reload reads the configuration file again and applies its partners at
// once: a partner added, revoked, or given other sections, content or
// rate. Other changes need a restart, and the log says so. A file that
// does not load changes nothing; its error is returned (and logged).
func (a *App) Reload() error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	cfg, err := config.Load(a.Config.Path)
	if err != nil {
		a.Log.Error("config not reloaded; the running configuration stays", "err", err)
		return err
	}
	a.setPartners(cfg.Partners)
	if !sameBeyondPartners(a.Config, cfg) {
		a.Log.Warn("config reloaded: partners applied; its other changes take a restart", "config", cfg.Path)
	}
	active := 0
	for _, p := range cfg.Partners {
		if !p.Revoked {
			active++
		}
	}
	a.Log.Info("partners reloaded", "partners", len(cfg.Partners), "active", active, "config", cfg.Path)
	return nil
}

// sameBeyondPartners reports whether a and b differ in their partners at
// most.
func sameBeyondPartners(a, b *config.Config) bool {
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
		if !reflect.DeepEqual(s, t) {
			return false
		}
	}
	return reflect.DeepEqual(x, y)
}

// WatchConfig reloads the configuration when hup delivers (SIGHUP) and
// when the file's bytes change, checked every interval, until ctx ends.
func (a *App) WatchConfig(ctx context.Context, hup <-chan os.Signal, interval time.Duration) {
	sum := fileSum(a.Config.Path)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-t.C:
			now := fileSum(a.Config.Path)
			if now == nil || bytes.Equal(now, sum) {
				continue // unchanged, or being replaced: the next tick sees it
			}
		}
		sum = fileSum(a.Config.Path)
		a.Reload()
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
