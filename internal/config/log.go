package config

import (
	"io"
	"log/slog"
)

// SlogLevel parses Level.
func (l Log) SlogLevel() (slog.Level, error) {
	var level slog.Level
	err := level.UnmarshalText([]byte(l.Level))
	return level, err
}

// NewLogger returns the logger the [log] table asks for, writing to w.
func (l Log) NewLogger(w io.Writer) *slog.Logger {
	level, _ := l.SlogLevel() // validated at load
	opts := &slog.HandlerOptions{Level: level}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
