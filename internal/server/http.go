package server

import (
	"log/slog"
	"net/http"
	"time"
)

// Bounds on what one client may hold of a server.
const (
	// maxHeaderBytes bounds a request's header: ours need a few hundred
	// bytes, browsers' a few kilobytes.
	maxHeaderBytes = 64 << 10
	// slowReader is the slowest reader a response is sized for, in bytes
	// per second: 16 KiB/s, a poor mobile link.
	slowReader = 16 << 10
	// writeTimeout bounds writing a response. It covers every document up
	// to writeBudget bytes at slowReader's pace; a larger one extends its
	// own write deadline by its size at that pace (see serve), so that the
	// largest feed reaches a slow reader while an idle one is cut off.
	writeTimeout = 30 * time.Second
	writeBudget  = int(writeTimeout/time.Second) * slowReader

	readHeaderTimeout = 10 * time.Second
	// idleTimeout is how long a keep-alive connection may wait for its
	// next request.
	idleTimeout = 120 * time.Second
)

// NewHTTP returns an http.Server for h with the bounds above, limited to
// the connections l admits (nil for no limit), logging to log.
func NewHTTP(h http.Handler, l *Limiter, log *slog.Logger) *http.Server {
	s := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       writeTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if l != nil {
		s.ConnState = l.ConnState
	}
	return s
}
