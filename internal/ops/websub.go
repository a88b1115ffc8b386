package ops

import (
	"context"
	"net/http"
	"time"

	"syndicate/internal/store"
	"syndicate/internal/websub"
)

// websubTimeout bounds reading the hub's state, as statesTimeout does the
// sources'.
const websubTimeout = 2 * time.Second

// websubJSON is /api/v1/websub. Subscriptions and deliveries are the
// fleet's, read from the store; pings are this instance's.
type websubJSON struct {
	Builtin       bool               `json:"builtin"`
	Hubs          []string           `json:"hubs"`
	Subscribers   int                `json:"subscribers"`
	Topics        []topicJSON        `json:"topics"`
	Subscriptions []subscriptionJSON `json:"subscriptions"`
	Deliveries    store.WebSubStats  `json:"deliveries"`
	Pings         websub.PingStats   `json:"pings"`
}

type topicJSON struct {
	Topic       string `json:"topic"`
	Subscribers int    `json:"subscribers"`
}

type subscriptionJSON struct {
	Topic        string   `json:"topic"`
	Callback     string   `json:"callback"` // redacted
	Signed       bool     `json:"signed"`
	LeaseSeconds int64    `json:"lease_seconds"`
	Expires      jsonTime `json:"expires"`
	Verified     jsonTime `json:"verified"`
}

func newWebSubJSON(r websub.Report) websubJSON {
	out := websubJSON{
		Builtin: r.Builtin, Hubs: r.Hubs, Subscribers: len(r.Subscriptions),
		Topics: []topicJSON{}, Subscriptions: []subscriptionJSON{},
		Deliveries: r.Deliveries, Pings: r.Pings,
	}
	if out.Hubs == nil {
		out.Hubs = []string{}
	}
	for _, t := range r.Topics {
		out.Topics = append(out.Topics, topicJSON(t))
	}
	for _, s := range r.Subscriptions {
		out.Subscriptions = append(out.Subscriptions, subscriptionJSON{
			Topic: s.Topic, Callback: s.Callback, Signed: s.Signed,
			LeaseSeconds: int64(s.Lease / time.Second), Expires: jsonTime(s.Expires), Verified: jsonTime(s.Verified),
		})
	}
	return out
}

// webSubReport reads the hub's report within websubTimeout.
func (h *handler) webSubReport(ctx context.Context) (websub.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, websubTimeout)
	defer cancel()
	return h.d.WebSub(ctx)
}

func (h *handler) webSub(w http.ResponseWriter, r *http.Request) {
	rep, err := h.webSubReport(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, newWebSubJSON(rep))
}

// websubPanel is the status page's WebSub section.
type websubPanel struct {
	websub.Report
	Error string // why the hub's state is missing
}
