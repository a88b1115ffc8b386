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
	"runtime/debug"
	"syscall"
	"time"

	"syndicate/internal/app"
	"syndicate/internal/config"
	"syndicate/internal/server"
)

// serve runs the HTTP server until ctx ends or SIGINT or SIGTERM comes.
// fastPath "on" puts document requests on the server package's fast path;
// "no-sendfile", "ordinary-calls" and "off" are the baselines make
// loadtest measures it against: without sendfile for large bodies,
// without raw system calls, and without the fast path at all.
func serve(ctx context.Context, configPath, fastPath string, logOut io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	log := cfg.Log.NewLogger(logOut)
	if applyMemoryLimit(cfg.Server.MemoryLimit) {
		log.Info("soft memory limit", "bytes", cfg.Server.MemoryLimit, "from", "server.memory_limit")
	}
	applyGCPercent(cfg.Server.GCPercent)
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
	// Partners and withdrawals take effect without a restart: on
	// SIGHUP, and when the file changes.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go a.WatchConfig(ctx, hup, time.Second)

	type listener struct {
		routes, addr string
		h            http.Handler
		fast         *server.Server // the fast path's documents; nil for none
	}
	feeds := listener{"feeds and pages", cfg.Server.Listen, a.Handler(), nil}
	if fastPath != "off" {
		feeds.fast = a.Server
	}
	listeners := []listener{feeds}
	if h := a.OpsHandler(); h != nil {
		listeners = append(listeners, listener{"operator routes", cfg.Server.OpsListen, h, nil})
		if cfg.Server.OpsToken == "" && !loopback(cfg.Server.OpsListen) {
			log.Warn("operator routes served beyond this machine without ops_token", "ops_listen", cfg.Server.OpsListen)
		}
	}
	var servers []*http.Server
	var fasts []*server.Listener
	closeAll := func() {
		for _, s := range servers {
			s.Close()
		}
		for _, f := range fasts {
			f.Close()
		}
	}
	errc := make(chan error, len(listeners))
	for _, l := range listeners {
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			closeAll()
			return fmt.Errorf("serve: %w", err)
		}
		limit := server.NewLimiter(cfg.Server.MaxConnections)
		s := server.NewHTTP(l.h, limit, log)
		servers = append(servers, s)
		ln = limit.Listener(ln)
		if l.fast != nil {
			fast := l.fast.Listener(ln, s)
			fast.OrdinaryCalls = fastPath == "ordinary-calls"
			fast.NoSendfile = fastPath == "no-sendfile"
			fasts = append(fasts, fast)
			ln = fast
		}
		go func() { errc <- s.Serve(ln) }()
		log.Info("serving", "routes", l.routes, "addr", ln.Addr().String(), "base_url", cfg.Site.BaseURL, "version", Version(), "config", cfg.Path, "fast_path", l.fast != nil)
	}

	select {
	case err := <-errc:
		closeAll()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", cfg.Server.ShutdownTimeout.Duration)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.Duration)
	defer cancel()
	// The fast path's connections are its own: net/http's Shutdown does
	// not know them, so both are shut down, at once.
	fastDone := make(chan error, len(fasts))
	for _, f := range fasts {
		go func() { fastDone <- f.Shutdown(shutdownCtx) }()
	}
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serve: shutdown: %w", err))
		}
	}
	for range fasts {
		if err := <-fastDone; err != nil {
			errs = append(errs, fmt.Errorf("serve: shutdown: fast path: %w", err))
		}
	}
	return errors.Join(errs...)
}

// applyMemoryLimit makes limit, when positive, the runtime's soft memory
// limit and reports whether it did. GOMEMLIMIT, which the runtime has
// read already, wins: the environment is how a container's limit is
// usually passed down.
func applyMemoryLimit(limit int64) bool {
	if limit <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetMemoryLimit(limit)
	return true
}

// applyGCPercent makes percent the collector's GOGC and reports whether
// it did. GOGC, which the runtime has read already, wins, as GOMEMLIMIT
// does over server.memory_limit.
func applyGCPercent(percent int) bool {
	if os.Getenv("GOGC") != "" {
		return false
	}
	debug.SetGCPercent(percent)
	return true
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
