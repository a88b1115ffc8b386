// Package app wires one Syndicate instance together: configuration,
// store, articles, publisher and HTTP server. The command line and the
// multi-instance tests both build instances through it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/content"
	"syndicate/internal/item"
	"syndicate/internal/publish"
	"syndicate/internal/render"
	"syndicate/internal/server"
	"syndicate/internal/store"
)

// App is one configured instance.
type App struct {
	Config    *config.Config
	Log       *slog.Logger
	Store     store.Store
	Publisher *publish.Publisher
	Server    *server.Server

	content content.Options
}

// New builds an instance; nothing runs until Start.
func New(cfg *config.Config, log *slog.Logger) (*App, error) {
	var st store.Store = store.NewMemory()
	if cfg.Store.RedisURL != "" {
		r, err := store.OpenRedis(cfg.Store.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		st = r
	}
	a := &App{
		Config: cfg,
		Log:    log,
		Store:  st,
		Publisher: publish.New(publish.Options{
			Site: Site(cfg), Sections: cfg.Sections, Store: st, Logger: log,
		}),
		Server:  server.New(server.Options{Logger: log, CacheMaxAge: cfg.Server.CacheMaxAge.Duration}),
		content: ContentOptions(cfg),
	}
	a.Publisher.OnPublish(a.Server.Update)
	return a, nil
}

// Site is the render settings of cfg.
func Site(cfg *config.Config) render.Site {
	return render.Site{
		Title:        cfg.Site.Title,
		BaseURL:      cfg.Site.BaseURL,
		Language:     cfg.Site.Language,
		TTL:          cfg.Server.CacheMaxAge.Duration,
		TagAuthority: cfg.Site.TagAuthority,
		TagDate:      cfg.Site.TagDate,
	}
}

// ContentOptions is where and how cfg's articles are read.
func ContentOptions(cfg *config.Config) content.Options {
	return content.Options{
		Dir:          cfg.Content.Dir,
		BaseURL:      cfg.Site.BaseURL,
		TagAuthority: cfg.Site.TagAuthority,
		TagDate:      cfg.Site.TagDate,
		Sections:     cfg.SectionSlugs(),
	}
}

// Start publishes the articles once, then keeps watching them until ctx
// ends. It returns the problems of the first load (already logged).
func (a *App) Start(ctx context.Context) ([]content.Problem, error) {
	items, problems := content.Load(a.content)
	if err := a.publish(ctx, items, problems); err != nil {
		return problems, err
	}
	go content.Watch(ctx, a.content, a.Config.Content.PollInterval.Duration, func(items []item.Item, problems []content.Problem) {
		if err := a.publish(ctx, items, problems); err != nil {
			a.Log.Error("republish after edit", "err", err)
		}
	})
	return problems, nil
}

// Handler serves the instance's routes.
func (a *App) Handler() http.Handler { return a.Server }

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// publish renders articles (and media) that Load or Watch produced,
// logging every problem with its file and line.
func (a *App) publish(ctx context.Context, items []item.Item, problems []content.Problem) error {
	for _, p := range problems {
		a.Log.Error("article left out", "problem", p.Error(), "file", p.File, "line", p.Line)
	}
	media, err := publish.LoadMedia(filepath.Join(a.Config.Content.Dir, "media"))
	if err != nil {
		return err
	}
	start := time.Now()
	if err := a.Publisher.Publish(ctx, items, media); err != nil {
		return err
	}
	a.Log.Debug("published", "articles", len(items), "problems", len(problems), "duration", time.Since(start))
	return nil
}

// PublishOnce loads and renders the articles without watching, for build.
func (a *App) PublishOnce(ctx context.Context) ([]content.Problem, error) {
	items, problems := content.Load(a.content)
	return problems, a.publish(ctx, items, nil)
}
