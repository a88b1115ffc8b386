package ops

import (
	"net/http"
	"time"
)

// pollNow polls every source at once (POST /api/v1/poll) and answers when
// the polls are done: operators use it after fixing an upstream, and
// benchmarks to start a polling cycle at a moment of their choosing. The
// polls are bounded by the fetch timeout, not by the server's write
// timeout, which a cycle of slow upstreams may outlast.
func (h *handler) pollNow(w http.ResponseWriter, r *http.Request) {
	http.NewResponseController(w).SetWriteDeadline(time.Time{})
	start := h.d.Now()
	sources, failed := h.d.Poll(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{
		"sources":     sources,
		"failed":      failed,
		"duration_ms": h.d.Now().Sub(start).Milliseconds(),
	})
}
