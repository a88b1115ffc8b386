package ops

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/redact"
	"syndicate/internal/render"
	"syndicate/internal/server"
	"syndicate/internal/store"
)

//go:embed templates/status.html
var templateFS embed.FS

var statusTemplate = template.Must(template.New("status.html").Funcs(template.FuncMap{
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).ParseFS(templateFS, "templates/status.html"))

// badges lists the statuses the page counts, in the order it shows them.
var badges = []string{store.StatusOK, store.StatusError, badgeStale, store.StatusGone, store.StatusPending}

// refreshSeconds is how often the status page reloads itself.
const refreshSeconds = 30

type statusPage struct {
	Site     render.Site
	Nav      []SectionInfo
	Now      time.Time
	Ready    readiness
	Error    string // why there are no rows
	Counts   []statusCount
	Rows     []statusRow
	WebSub   *websubPanel   // nil without a hub
	Partners *partnersPanel // nil without partners' usage
	Audience *audiencePanel // nil without audience

	// What the page's text states, from where each is decided.
	Refresh           int
	Stylesheet        string
	HistoryLen        int
	DefaultStaleAfter string
}

type statusCount struct {
	Badge string
	N     int
}

type statusRow struct {
	ID, Name, URL, MovedTo string
	Discovered             string // the feed the page at URL advertises, polled instead
	Badge                  string
	HTTPStatus             int
	LastSuccess            time.Time
	LastSuccessAgo         string
	NextFetch              time.Time
	NextFetchIn            string
	ConsecutiveErrors      int
	LastError              string
	Items                  int
	Spark                  sparkline
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	sources, err, pingErr := h.snapshot(r.Context())
	page := statusPage{
		Site:              h.d.Site,
		Nav:               h.sections(),
		Now:               h.d.Now(),
		Ready:             h.checkReadiness(sources, err, pingErr),
		Refresh:           refreshSeconds,
		Stylesheet:        render.StylesheetPath,
		HistoryLen:        store.HistoryLen,
		DefaultStaleAfter: days(config.DefaultStaleAfter),
	}
	code := http.StatusOK
	if err != nil {
		page.Error = err.Error()
		code = http.StatusServiceUnavailable
	}
	counts := map[string]int{}
	for i := range sources {
		s := &sources[i]
		counts[s.badge()]++
		page.Rows = append(page.Rows, h.row(s, page.Now))
	}
	for _, b := range badges {
		page.Counts = append(page.Counts, statusCount{Badge: b, N: counts[b]})
	}
	if h.d.WebSub != nil {
		rep, err := h.webSubReport(r.Context())
		page.WebSub = &websubPanel{Report: rep}
		if err != nil {
			page.WebSub.Error = err.Error()
		}
	}

	page.Partners = h.partnersPanel(r.Context(), page.Now)
	page.Audience = h.audiencePanel(r.Context())

	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, page); err != nil {
		// Only a broken template fails here, which the tests catch.
		slog.Error("ops: status page", "err", err)
		http.Error(w, "ops: status page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	// Titles and errors come from upstream feeds; the page needs no
	// script at all, so none may run whatever slips through. Its
	// stylesheet is the site's, which may live at another origin.
	hdr.Set("Content-Security-Policy", server.ContentSecurityPolicy(h.d.Site.BaseURL))
	hdr.Set("Referrer-Policy", server.ReferrerPolicy)
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func (h *handler) row(s *source, now time.Time) statusRow {
	st := s.st
	row := statusRow{
		ID: s.cfg.ID, Name: s.name(), URL: redact.URL(s.cfg.URL), MovedTo: redactedURL(st.MovedTo),
		Discovered:        redactedURL(st.DiscoveredURL),
		Badge:             s.badge(),
		HTTPStatus:        st.HTTPStatus,
		LastSuccess:       st.LastSuccess,
		LastSuccessAgo:    ago(now, st.LastSuccess),
		NextFetch:         st.NextFetch,
		NextFetchIn:       until(now, st.NextFetch),
		ConsecutiveErrors: st.ConsecutiveErrors,
		LastError:         st.LastError,
		Items:             st.Items,
		Spark:             newSparkline(s.history()),
	}
	switch s.status {
	case store.StatusGone:
		row.NextFetchIn = "not polled"
	case store.StatusPending:
		if st.NextFetch.IsZero() {
			row.NextFetchIn = "soon"
		}
	}
	return row
}
