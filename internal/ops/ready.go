package ops

import (
	"context"
	"fmt"
	"net/http"

	"syndicate/internal/store"
)

// readiness is the body of /readyz.
type readiness struct {
	Status         string   `json:"status"` // ok, degraded or starting
	Store          string   `json:"store"`  // ok or unreachable
	Sections       int      `json:"sections"`
	SourcesFailing int      `json:"sources_failing"` // sources in error
	Reasons        []string `json:"reasons"`         // why not ok; empty when ok
}

// snapshot reads the sources and pings the store at the same time, so
// that a store that is down costs one timeout, not two.
func (h *handler) snapshot(ctx context.Context) (sources []source, sourcesErr, pingErr error) {
	pinged := make(chan error, 1)
	go func() { pinged <- h.pingStore(ctx) }()
	sources, sourcesErr = h.loadSources(ctx)
	return sources, sourcesErr, <-pinged
}

// checkReadiness never fails: an instance that can serve its feeds is
// ready, whatever else is wrong, and what is wrong is reported as
// degraded with its reasons.
func (h *handler) checkReadiness(sources []source, sourcesErr, pingErr error) readiness {
	r := readiness{Status: "ok", Store: storeState(pingErr), Sections: len(h.sections()), Reasons: []string{}}
	if pingErr != nil {
		r.Reasons = append(r.Reasons, fmt.Sprintf("store unreachable: %v", pingErr))
	}
	if sourcesErr != nil {
		r.Reasons = append(r.Reasons, sourcesErr.Error())
	}
	for i := range sources {
		s := &sources[i]
		if s.status == store.StatusError {
			r.SourcesFailing++
		}
		switch {
		case s.failingLong:
			r.Reasons = append(r.Reasons, fmt.Sprintf("source %s: failing with no success for over %s", s.cfg.ID, days(s.cfg.StaleAfter.Duration)))
		case s.stale:
			r.Reasons = append(r.Reasons, fmt.Sprintf("source %s: no new item for over %s", s.cfg.ID, days(s.cfg.StaleAfter.Duration)))
		}
	}
	switch {
	case !h.ready():
		r.Status = "starting"
		r.Reasons = append([]string{"first render not finished"}, r.Reasons...)
	case len(r.Reasons) > 0:
		r.Status = "degraded"
	}
	return r
}

func (h *handler) readyz(w http.ResponseWriter, req *http.Request) {
	r := h.checkReadiness(h.snapshot(req.Context()))
	code := http.StatusOK
	if r.Status == "starting" {
		// Only a missing first render takes the instance out of rotation:
		// a degraded one still serves every feed it has.
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, r)
}
