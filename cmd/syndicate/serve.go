package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"syndicate/internal/app"
	"syndicate/internal/config"
	"syndicate/internal/server"
)

func serve(ctx context.Context, configPath string, logOut io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	log := cfg.Log.NewLogger(logOut)
	app.Version = Version()
	a, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if _, err := a.Start(ctx); err != nil {
		return err
	}
	// Partners take effect without a restart: on SIGHUP, and when the
	// file changes.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go a.WatchConfig(ctx, hup, time.Second)

	type listener struct {
		routes, addr string
		h            http.Handler
	}
	listeners := []listener{{"feeds and pages", cfg.Server.Listen, a.Handler()}}
	if h := a.OpsHandler(); h != nil {
		listeners = append(listeners, listener{"operator routes", cfg.Server.OpsListen, h})
		if cfg.Server.OpsToken == "" && !loopback(cfg.Server.OpsListen) {
			log.Warn("operator routes served beyond this machine without ops_token", "ops_listen", cfg.Server.OpsListen)
		}
	}
	var servers []*http.Server
	errc := make(chan error, len(listeners))
	for _, l := range listeners {
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			for _, s := range servers {
				s.Close()
			}
			return fmt.Errorf("serve: %w", err)
		}
		limit := server.NewLimiter(cfg.Server.MaxConnections)
		s := server.NewHTTP(l.h, limit, log)
		servers = append(servers, s)
		go func() { errc <- s.Serve(limit.Listener(ln)) }()
		log.Info("serving", "routes", l.routes, "addr", ln.Addr().String(), "base_url", cfg.Site.BaseURL, "version", Version(), "config", cfg.Path)
	}

	select {
	case err := <-errc:
		for _, s := range servers {
			s.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", cfg.Server.ShutdownTimeout.Duration)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.Duration)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serve: shutdown: %w", err))
		}
	}
	return errors.Join(errs...)
}

// loopback reports whether addr listens on this machine only.
func loopback(addr string) bool {
	host, _, _ := net.SplitHostPort(addr)
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
