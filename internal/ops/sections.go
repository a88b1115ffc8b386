package ops

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"syndicate/internal/config"
	"syndicate/internal/document"
	"syndicate/internal/publish"
	"syndicate/internal/render"
	"syndicate/internal/store"
)

type sectionJSON struct {
	Slug             string                `json:"slug"`
	Title            string                `json:"title"`
	Items            int                   `json:"items"`
	Newest           jsonTime              `json:"newest"`
	LastRender       jsonTime              `json:"last_render"`
	RenderDurationMS float64               `json:"render_duration_ms"`
	Formats          map[string]formatJSON `json:"formats"`
}

type formatJSON struct {
	Bytes     int    `json:"bytes"`
	GzipBytes int    `json:"gzip_bytes"`
	ETag      string `json:"etag"`
}

func (h *handler) listSections(w http.ResponseWriter, _ *http.Request) {
	sections := h.sections()
	out := make([]sectionJSON, len(sections))
	for i, s := range sections {
		out[i] = sectionJSON{
			Slug:       s.Slug,
			Title:      s.Title,
			Items:      s.Items,
			Newest:     jsonTime(s.Newest),
			LastRender: jsonTime(s.RenderedAt),
			// Renders often take well under a millisecond; whole
			// milliseconds would show them all as 0.
			RenderDurationMS: float64(s.RenderDuration.Microseconds()) / 1000,
			Formats:          make(map[string]formatJSON, len(s.Formats)),
		}
		for name, f := range s.Formats {
			out[i].Formats[name] = formatJSON(f)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sections": out})
}

// PublisherSections adapts a Publisher to Deps.Sections: sections in the
// order given (the configuration's, "latest" included), each with its
// last render and the feeds it produced.
func PublisherSections(p *publish.Publisher, sections []config.Section) func() []SectionInfo {
	return func() []SectionInfo {
		stats, docs := p.Stats(), p.Documents()
		out := make([]SectionInfo, 0, len(sections))
		for _, sec := range sections {
			st := stats[sec.Slug]
			info := SectionInfo{
				Slug: sec.Slug, Title: sec.Title, Items: st.Items, Newest: st.Newest,
				RenderedAt: st.RenderedAt, RenderDuration: st.Duration,
				Formats: map[string]FormatInfo{},
			}
			for _, format := range render.FeedFormats {
				if d, ok := docs["/"+sec.Slug+"/"+format]; ok {
					info.Formats[format] = FormatInfo{Bytes: d.Len(document.PartBody), GzipBytes: d.Len(document.PartGzip), ETag: d.ETag}
				}
			}
			out = append(out, info)
		}
		return out
	}
}

// StoreStates adapts a store to Deps.States: it reads the state of each
// source in sources, leaving out those that have none yet.
func StoreStates(states store.SourceStates, sources []config.Source) func(context.Context) ([]store.SourceState, error) {
	return func(ctx context.Context) ([]store.SourceState, error) {
		out := make([]store.SourceState, 0, len(sources))
		for _, s := range sources {
			st, err := states.SourceState(ctx, s.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("state of source %s: %w", s.ID, err)
			}
			if st.ID == "" {
				st.ID = s.ID
			}
			out = append(out, st)
		}
		return out, nil
	}
}
