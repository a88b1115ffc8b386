package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"syndicate/internal/app"
	"syndicate/internal/config"
	"syndicate/internal/server"
)

// serve runs the HTTP server until ctx ends or SIGINT or SIGTERM comes.
// fastPath "on" puts document requests on the server package's fast path;
// "no-sendfile", "no-yield", "ordinary-calls" and "off" are the baselines
// make loadtest measures it against: without sendfile for large bodies,
// without yielding between requests, without raw system calls, and
// without the fast path at all.
func serve(ctx context.Context, configPath, fastPath string, logOut io.Writer) error {
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

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	httpServer := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.Site.BaseURL, "version", Version(), "config", cfg.Path)

	var fast *server.Listener
	if fastPath != "off" {
		fast = a.Server.Listener(ln, httpServer)
		fast.OrdinaryCalls = fastPath == "ordinary-calls"
		fast.NoSendfile = fastPath == "no-sendfile"
		fast.NoYield = fastPath == "no-yield"
		ln = fast
	}
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", cfg.Server.ShutdownTimeout.Duration)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.Duration)
	defer cancel()
	fastDone := make(chan error, 1)
	go func() {
		if fast != nil {
			fastDone <- fast.Shutdown(shutdownCtx)
		}
		close(fastDone)
	}()
	err = httpServer.Shutdown(shutdownCtx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err = errors.Join(err, <-fastDone); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	return nil
}
