package ops

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/store"
)

// statesTimeout bounds reading the source states, so that a hung store
// leaves the operator pages slow rather than stuck.
const statesTimeout = 2 * time.Second

// source is a configured source together with what is known of it.
type source struct {
	cfg    config.Source
	st     store.SourceState // zero when pending
	status string            // store.StatusOK, StatusError, StatusGone or StatusPending
	stale  bool              // no new item for longer than cfg.StaleAfter
	// failingLong: in error, and without a success for longer than
	// cfg.StaleAfter, which makes the instance degraded.
	failingLong bool
}

// badgeStale is the status page's word for a source that is ok but has
// brought nothing new for longer than its stale_after.
const badgeStale = "stale"

// badge is the one word the status page shows: stale outranks ok only,
// since an error or a gone feed says more about what to do.
func (s *source) badge() string {
	if s.stale && s.status == store.StatusOK {
		return badgeStale
	}
	return s.status
}

func (s *source) name() string {
	if s.cfg.Title != "" {
		return s.cfg.Title
	}
	if s.st.FeedTitle != "" {
		return s.st.FeedTitle
	}
	return s.cfg.ID
}

// loadSources joins the configured sources, in config order, with their
// states.
func (h *handler) loadSources(ctx context.Context) ([]source, error) {
	byID := map[string]store.SourceState{}
	if h.d.States != nil {
		ctx, cancel := context.WithTimeout(ctx, statesTimeout)
		defer cancel()
		states, err := h.d.States(ctx)
		if err != nil {
			return nil, fmt.Errorf("ops: source states: %w", err)
		}
		for _, st := range states {
			byID[st.ID] = st
		}
	}
	now := h.d.Now()
	out := make([]source, len(h.d.Sources))
	for i, cfg := range h.d.Sources {
		out[i] = newSource(cfg, byID, now)
	}
	return out, nil
}

func newSource(cfg config.Source, states map[string]store.SourceState, now time.Time) source {
	s := source{cfg: cfg, status: store.StatusPending}
	st, ok := states[cfg.ID]
	// A state recorded for another URL belongs to an earlier configuration;
	// the poller starts such a source afresh, and so does its report.
	if !ok || (st.URL != "" && st.URL != cfg.URL) {
		return s
	}
	s.st = st
	switch st.Status {
	case store.StatusOK, store.StatusError, store.StatusGone:
		s.status = st.Status
	}
	if s.status == store.StatusPending {
		return s
	}
	if since := firstOf(st.LastNewItem, st.LastSuccess, oldestPoll(st)); !since.IsZero() {
		s.stale = now.Sub(since) > s.cfg.StaleAfter.Duration
	}
	if s.status == store.StatusError {
		if since := firstOf(st.LastSuccess, oldestPoll(st)); !since.IsZero() {
			s.failingLong = now.Sub(since) > s.cfg.StaleAfter.Duration
		}
	}
	return s
}

// oldestPoll is the earliest time a source is known to have been polled:
// for one that never succeeded, it is how long it has been failing at
// least.
func oldestPoll(st store.SourceState) time.Time {
	if len(st.History) > 0 {
		return st.History[0].At
	}
	return st.LastFetch
}

func firstOf(times ...time.Time) time.Time {
	for _, t := range times {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func (s *source) history() []store.Poll {
	h := s.st.History
	if len(h) > store.HistoryLen {
		h = h[len(h)-store.HistoryLen:]
	}
	return h
}

func (h *handler) listSources(w http.ResponseWriter, r *http.Request) {
	sources, err := h.loadSources(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	out := make([]sourceJSON, len(sources))
	for i := range sources {
		out[i] = sources[i].json()
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out})
}

func (h *handler) oneSource(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	i := slices.IndexFunc(h.d.Sources, func(s config.Source) bool { return s.ID == id })
	// Unknown ids are answered before the states are read, so that a
	// typo gets its 404 even while the store is down.
	if i < 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("ops: no source %q in the configuration", id))
		return
	}
	sources, err := h.loadSources(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, sources[i].json())
}
