package store

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"syndicate/internal/config"
)

// Open is the one way to a store, for the command and the tests alike. It
// returns the store cfg asks for: the embedded memory store, or a
// Redis store on a standalone server (redis_url), a Sentinel set
// (redis_addrs and redis_master_name) or a Cluster (redis_addrs alone).
// cfg is as config.Load leaves it, timeout and prefix set.
func Open(cfg config.Store) (Store, error) {
	if !cfg.UsesRedis() {
		return NewMemory(), nil
	}
	opts := &redis.UniversalOptions{
		Addrs:      cfg.RedisAddrs,
		MasterName: cfg.RedisMasterName,
		Username:   cfg.RedisUsername,
		Password:   cfg.RedisPassword,
		DB:         cfg.RedisDB,
	}
	if cfg.RedisURL != "" {
		o, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("store: redis_url: %w", err)
		}
		opts.Addrs = []string{o.Addr}
		opts.DB = o.DB
		opts.TLSConfig = o.TLSConfig
		if o.Username != "" || o.Password != "" {
			opts.Username, opts.Password = o.Username, o.Password
		}
	} else if len(cfg.RedisAddrs) > 0 && cfg.RedisMasterName == "" {
		// One seed address is enough to discover a Cluster.
		opts.IsClusterMode = true
	}
	if cfg.RedisTLS && opts.TLSConfig == nil {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	fastFailUniversal(opts, cfg.Timeout.Duration)
	smallBuffers(opts)
	client := redis.NewUniversalClient(opts)
	return NewRedis(client, RedisOptions{Prefix: cfg.Prefix, Timeout: cfg.Timeout.Duration}), nil
}

// fastFailUniversal sets client options so that an unreachable or hung
// Redis is noticed within the store timeout rather than after go-redis's
// long defaults, and a reconnect happens at the next call by itself.
func fastFailUniversal(o *redis.UniversalOptions, timeout time.Duration) {
	o.DialTimeout = timeout
	o.ReadTimeout = timeout
	o.WriteTimeout = timeout
	o.PoolTimeout = timeout
	o.MaxRetries = 1
	// go-redis waits up to 512ms before its retry by default, longer than
	// the whole call may take: a refused connection would look like a hang.
	o.MinRetryBackoff = 8 * time.Millisecond
	o.MaxRetryBackoff = 32 * time.Millisecond
	// Likewise its dialer tries five times, 100ms apart, by default.
	o.DialerRetries = 1
	o.DialerRetryTimeout = 20 * time.Millisecond
	o.ContextTimeoutEnabled = true
}

// smallBuffers trims go-redis's per-connection buffers. Its defaults (32
// KiB each way, 128 KiB on the pipeline pool's connections) held 2.7 MB of
// an idle instance's 46 MB live heap with 1,000 sources (heap profile of
// make cyclebench), for commands that are mostly small. A reply or command
// larger than its buffer goes straight between socket and caller, so only
// the number of reads and writes of a long pipeline grows.
func smallBuffers(o *redis.UniversalOptions) {
	o.ReadBufferSize = 8 << 10
	o.WriteBufferSize = 8 << 10
	o.PipelineReadBufferSize = 32 << 10
	o.PipelineWriteBufferSize = 32 << 10
}

// RouteLogs sends go-redis's own messages (one per failed dial while Redis
// is down) to log at debug level instead of standard error.
func RouteLogs(log *slog.Logger) { redis.SetLogger(slogBridge{log}) }

type slogBridge struct{ log *slog.Logger }

func (b slogBridge) Printf(ctx context.Context, format string, v ...any) {
	b.log.DebugContext(ctx, "redis client", "msg", strings.TrimSpace(fmt.Sprintf(format, v...)))
}
