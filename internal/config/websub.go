package config

import (
	"time"

	"syndicate/internal/item"
)

// WebSub configures the hubs feeds advertise: the built-in one at
// /websub, and external ones told of every change.
type WebSub struct {
	// Builtin serves a hub at /websub and lists it first in every feed.
	Builtin bool `toml:"builtin"`
	// Hubs are external hubs, each sent hub.mode=publish for every
	// changed feed and listed after the built-in one.
	Hubs []string `toml:"hubs"`
	// AllowPrivateCallbacks lets subscribers' callbacks be on loopback,
	// private, link-local or CGNAT addresses; off, such callbacks are
	// refused, as a redirect of a poll into them is.
	AllowPrivateCallbacks bool `toml:"allow_private_callbacks"`
	// LeaseDefault is granted when a subscriber asks for no lease;
	// requests are held within LeaseMin and LeaseMax.
	LeaseDefault Duration `toml:"lease_default"`
	LeaseMin     Duration `toml:"lease_min"`
	LeaseMax     Duration `toml:"lease_max"`
	// Workers bounds the hub's requests to subscribers in flight at once
	// on one instance, deliveries and verifications each.
	Workers int `toml:"workers"`
}

// minLease keeps a lease long enough to mean something, while allowing
// the short leases of tests.
const minLease = time.Second

func (c *Config) validateWebSub(fail failFunc) error {
	w := c.WebSub
	switch {
	case w.LeaseMin.Duration < minLease:
		return fail("websub", 0, "lease_min", "websub.lease_min must be at least %v", minLease)
	case w.LeaseMax.Duration < w.LeaseMin.Duration:
		return fail("websub", 0, "lease_max", "websub.lease_max %v is below lease_min %v", w.LeaseMax.Duration, w.LeaseMin.Duration)
	case w.LeaseDefault.Duration < w.LeaseMin.Duration || w.LeaseDefault.Duration > w.LeaseMax.Duration:
		return fail("websub", 0, "lease_default", "websub.lease_default %v is outside lease_min..lease_max (%v..%v)", w.LeaseDefault.Duration, w.LeaseMin.Duration, w.LeaseMax.Duration)
	case w.Workers < 1:
		return fail("websub", 0, "workers", "websub.workers must be at least 1")
	}
	for _, hub := range w.Hubs {
		if !item.AbsoluteHTTP(hub) {
			// The URL may carry credentials: the line says which one it is.
			return fail("websub", 0, "hubs", "websub.hubs: a hub is not an absolute http(s) URL")
		}
	}
	return nil
}
