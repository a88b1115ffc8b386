// Package config loads config.toml strictly: an unknown key, a wrong type,
// a duplicate section or an invalid URL is an error naming file and line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"

	"syndicate/internal/tomlpos"
)

// LatestSlug is the built-in section that carries every item.
const LatestSlug = "latest"

// Config is the whole configuration of one Syndicate instance.
type Config struct {
	Site     Site      `toml:"site"`
	Server   Server    `toml:"server"`
	Store    Store     `toml:"store"`
	Content  Content   `toml:"content"`
	Sections []Section `toml:"section"`
	Fetch    Fetch     `toml:"fetch"`
	Log      Log       `toml:"log"`
	Sources  []Source  `toml:"source"`
	WebSub   WebSub    `toml:"websub"`
	Podcast  Podcast   `toml:"podcast"`
	Partners []Partner `toml:"partner"`

	// Path is the file the configuration came from; relative paths in it
	// are resolved against its directory.
	Path string `toml:"-"`
}

// Site describes the publication.
type Site struct {
	Title       string `toml:"title"`
	Description string `toml:"description"`
	BaseURL     string `toml:"base_url"`
	Language    string `toml:"language"`
	// TagAuthority and TagDate form the RFC 4151 tag URIs used as ids.
	// They default to base_url's host and 2026-01-01, and must not change
	// once feeds are published, or every reader sees every item again.
	TagAuthority string `toml:"tag_authority"`
	TagDate      string `toml:"tag_date"`
	// PublicContent is what public feeds carry of each item: "full" or
	// "summary" (partners' feeds follow their own content setting).
	PublicContent string `toml:"public_content"`
}

// Server holds HTTP settings.
type Server struct {
	Listen          string   `toml:"listen"`
	CacheMaxAge     Duration `toml:"cache_max_age"`
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// RenderCacheBytes bounds the documents rendered on their first
	// request (tag and author feeds, archives) that are kept for the next.
	RenderCacheBytes int `toml:"render_cache_bytes"`
	// OpsListen, when set, is where the operator routes (/readyz, /api/…,
	// /metrics, /status and profiling) are served instead of listen,
	// which then answers them 404.
	OpsListen string `toml:"ops_listen"`
	// OpsToken, when set, must come as "Authorization: Bearer <token>" on
	// every operator route, wherever it is served; /healthz stays open.
	OpsToken string `toml:"ops_token"`
	// MaxConnections caps the connections open at once on each listener;
	// one more is answered 503 and closed.
	MaxConnections int `toml:"max_connections"`
	// MemoryLimit, when positive, is the Go runtime's soft memory limit
	// in bytes (runtime/debug.SetMemoryLimit): past it the collector
	// runs more often rather than let the heap double what is live.
	// GOMEMLIMIT, when set, wins.
	MemoryLimit int64 `toml:"memory_limit"`
	// GCPercent is the collector's GOGC: the heap may grow this many
	// percent past what was live at the last collection. GOGC, when set,
	// wins.
	GCPercent int `toml:"gc_percent"`
}

// Store selects the store. With neither redis_url nor redis_addrs set it
// is the embedded memory store. redis_url names a standalone Redis;
// redis_addrs with redis_master_name a Sentinel set; redis_addrs alone a
// Cluster.
type Store struct {
	RedisURL        string   `toml:"redis_url"`
	RedisAddrs      []string `toml:"redis_addrs"`
	RedisMasterName string   `toml:"redis_master_name"`
	RedisUsername   string   `toml:"redis_username"`
	RedisPassword   string   `toml:"redis_password"`
	RedisDB         int      `toml:"redis_db"`
	RedisTLS        bool     `toml:"redis_tls"`
	// Timeout bounds every store call; a slower store counts as down.
	Timeout Duration `toml:"timeout"`
	// Prefix namespaces every key, so that several deployments can share
	// one Redis.
	Prefix string `toml:"prefix"`
}

// UsesRedis reports whether a Redis store is configured.
func (s Store) UsesRedis() bool { return s.RedisURL != "" || len(s.RedisAddrs) > 0 }

// Content says where the site's own articles live.
type Content struct {
	Dir          string   `toml:"dir"`
	PollInterval Duration `toml:"poll_interval"`
	// TopicLimit is the number of items in the current document of each
	// tag's and author's feed; older ones are in its archive.
	TopicLimit int `toml:"topic_limit"`
}

// Log selects the log format ("text" or "json") and level ("debug",
// "info", "warn", "error").
type Log struct {
	Format string `toml:"format"`
	Level  string `toml:"level"`
}

// Section is one [[section]] table.
type Section struct {
	Slug        string `toml:"slug"`
	Title       string `toml:"title"`
	Description string `toml:"description"`
	Limit       int    `toml:"limit"`
}

// Duration is a time.Duration written as a string such as "5m".
type Duration struct{ time.Duration }

// UnmarshalText parses Go duration syntax.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q (use e.g. \"90s\", \"5m\", \"1h\")", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Load reads, decodes, applies environment overrides to and validates the
// file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for bytes already read; path is used in messages and to
// resolve relative directories.
func Parse(path string, data []byte) (*Config, error) {
	cfg := Defaults()
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return nil, decodeError(path, err)
	}
	cfg.Path = path
	applyEnv(cfg)
	cfg.fillTables()
	if err := cfg.validate(tomlpos.New(data, 1)); err != nil {
		return nil, err
	}
	if !filepath.IsAbs(cfg.Content.Dir) {
		cfg.Content.Dir = filepath.Join(filepath.Dir(path), cfg.Content.Dir)
	}
	return cfg, nil
}

func decodeError(path string, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		msg := trimTOMLPrefix(de.Error())
		if key := joinKey(de.Key()); key != "" {
			if msg == "unknown field" {
				msg = fmt.Sprintf("unknown key %q", key)
			} else {
				msg = fmt.Sprintf("%s: %s", key, msg)
			}
		}
		return fmt.Errorf("config: %s:%d: %s", path, line, msg)
	}
	var se *toml.StrictMissingError
	if errors.As(err, &se) && len(se.Errors) > 0 {
		first := se.Errors[0]
		line, _ := first.Position()
		return fmt.Errorf("config: %s:%d: unknown key %q", path, line, joinKey(first.Key()))
	}
	return fmt.Errorf("config: %s: %w", path, err)
}

func joinKey(parts []string) string { return strings.Join(parts, ".") }

// trimTOMLPrefix drops the library's own "toml: " prefix; our messages
// already name the package.
func trimTOMLPrefix(msg string) string { return strings.TrimPrefix(msg, "toml: ") }
