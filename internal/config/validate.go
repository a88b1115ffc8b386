package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"syndicate/internal/item"
	"syndicate/internal/redact"
	"syndicate/internal/tomlpos"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// reservedSlugs are first path segments the server uses for itself.
var reservedSlugs = map[string]bool{
	"api": true, "articles": true, "media": true, "static": true,
	"tag": true, "tags": true, "author": true, "authors": true,
	"status": true, "healthz": true, "readyz": true, "metrics": true,
	"websub": true, "p": true,
}

// failFunc makes the error for key in the index-th table of that name (0
// for plain tables), pointing at the line where the key, or its table, is.
type failFunc func(table string, index int, key, format string, args ...any) error

func (c *Config) validate(lines *tomlpos.Lines) error {
	fail := func(table string, index int, key, format string, args ...any) error {
		return fmt.Errorf("config: %s:%d: %s", c.Path, lines.In(table, index, key), fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(c.Site.Title) == "" {
		return fail("site", 0, "title", "site.title is empty")
	}
	base, _, err := item.BaseURL(c.Site.BaseURL)
	if err != nil {
		if v := os.Getenv(EnvBaseURL); v != "" {
			return fmt.Errorf("config: %s: %v", EnvBaseURL, err)
		}
		return fail("site", 0, "base_url", "site.base_url: %v", err)
	}
	c.Site.BaseURL = base
	if c.Site.TagAuthority == "" {
		u, _ := url.Parse(base)
		c.Site.TagAuthority = u.Hostname()
	}
	if err := item.CheckTagAuthority(c.Site.TagAuthority); err != nil {
		return fail("site", 0, "tag_authority", "site.tag_authority: %v", err)
	}
	if err := item.CheckTagDate(c.Site.TagDate); err != nil {
		return fail("site", 0, "tag_date", "site.tag_date: %v", err)
	}
	if c.Site.Language == "" {
		return fail("site", 0, "language", "site.language is empty")
	}
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		if os.Getenv(EnvListen) != "" {
			return fmt.Errorf("config: %s: listen address %q: want host:port", EnvListen, c.Server.Listen)
		}
		return fail("server", 0, "listen", "server.listen %q: want host:port", c.Server.Listen)
	}
	if c.Server.OpsListen != "" {
		if _, _, err := net.SplitHostPort(c.Server.OpsListen); err != nil {
			return fail("server", 0, "ops_listen", "server.ops_listen %q: want host:port", c.Server.OpsListen)
		}
		if c.Server.OpsListen == c.Server.Listen {
			return fail("server", 0, "ops_listen", "server.ops_listen is server.listen: leave it empty to serve the operator routes there")
		}
	}
	if c.Server.MaxConnections < 1 {
		return fail("server", 0, "max_connections", "server.max_connections must be at least 1")
	}
	if c.Server.CacheMaxAge.Duration < 0 {
		return fail("server", 0, "cache_max_age", "server.cache_max_age is negative")
	}
	if c.Server.MemoryLimit < 0 || (c.Server.MemoryLimit > 0 && c.Server.MemoryLimit < MinMemoryLimit) {
		return fail("server", 0, "memory_limit", "server.memory_limit must be 0 (none) or at least %d (32 MiB)", MinMemoryLimit)
	}
	if c.Server.GCPercent < MinGCPercent || c.Server.GCPercent > MaxGCPercent {
		return fail("server", 0, "gc_percent", "server.gc_percent must be between %d and %d", MinGCPercent, MaxGCPercent)
	}
	if c.Server.RenderCacheBytes <= 0 {
		return fail("server", 0, "render_cache_bytes", "server.render_cache_bytes must be positive")
	}
	if c.Store.RedisURL != "" {
		u, err := url.Parse(c.Store.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			if os.Getenv(EnvRedisURL) != "" {
				return fmt.Errorf("config: %s: %q is not a redis:// or rediss:// URL", EnvRedisURL, redact.URL(c.Store.RedisURL))
			}
			return fail("store", 0, "redis_url", "store.redis_url %q is not a redis:// or rediss:// URL", redact.URL(c.Store.RedisURL))
		}
	}
	if c.Store.RedisURL != "" && len(c.Store.RedisAddrs) > 0 && os.Getenv(EnvRedisURL) == "" {
		return fail("store", 0, "redis_addrs", "store: set redis_url or redis_addrs, not both")
	}
	for _, addr := range c.Store.RedisAddrs {
		if _, port, err := net.SplitHostPort(addr); err != nil || !numeric(port) {
			return fail("store", 0, "redis_addrs", "store.redis_addrs: %q: want host:port", redactAddr(addr))
		}
	}
	if c.Store.RedisMasterName != "" && len(c.Store.RedisAddrs) == 0 {
		return fail("store", 0, "redis_master_name", "store.redis_master_name needs redis_addrs (the Sentinel addresses)")
	}
	if c.Store.Timeout.Duration <= 0 {
		return fail("store", 0, "timeout", "store.timeout must be positive")
	}
	if c.Store.Prefix == "" || strings.ContainsAny(c.Store.Prefix, "{} ") {
		return fail("store", 0, "prefix", "store.prefix %q: must be non-empty without braces or spaces (braces would break Cluster hash tags)", c.Store.Prefix)
	}
	if c.Content.Dir == "" {
		return fail("content", 0, "dir", "content.dir is empty")
	}
	if c.Content.PollInterval.Duration < 100*time.Millisecond {
		return fail("content", 0, "poll_interval", "content.poll_interval must be at least 100ms")
	}
	if c.Content.TopicLimit <= 0 {
		return fail("content", 0, "topic_limit", "content.topic_limit must be positive")
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fail("log", 0, "format", "log.format %q: want \"text\" or \"json\"", c.Log.Format)
	}
	if _, err := c.Log.SlogLevel(); err != nil {
		return fail("log", 0, "level", "log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	if err := c.validateSections(fail); err != nil {
		return err
	}
	if err := c.validateWebSub(fail); err != nil {
		return err
	}
	if err := c.validatePodcast(fail); err != nil {
		return err
	}
	if err := c.validatePartners(fail); err != nil {
		return err
	}
	return c.validateSources(fail)
}

func (c *Config) validateSections(fail failFunc) error {
	seen := map[string]int{}
	for i := range c.Sections {
		s := &c.Sections[i]
		if !slugPattern.MatchString(s.Slug) {
			return fail("section", i, "slug", "section slug %q: use lower-case letters, digits and dashes", s.Slug)
		}
		if reservedSlugs[s.Slug] {
			return fail("section", i, "slug", "section slug %q is reserved for the server's own routes", s.Slug)
		}
		if first, dup := seen[s.Slug]; dup {
			return fail("section", i, "slug", "duplicate section %q (first defined in section %d)", s.Slug, first+1)
		}
		seen[s.Slug] = i
		if strings.TrimSpace(s.Title) == "" {
			return fail("section", i, "title", "section %q has no title", s.Slug)
		}
		if s.Limit < 1 || s.Limit > 10000 {
			return fail("section", i, "limit", "section %q: limit %d out of range 1..10000", s.Slug, s.Limit)
		}
	}
	if _, ok := seen[LatestSlug]; !ok {
		c.Sections = append([]Section{{
			Slug:        LatestSlug,
			Title:       "Latest",
			Description: "Every article from " + c.Site.Title + ", newest first.",
			Limit:       DefaultLimit,
		}}, c.Sections...)
	}
	return nil
}

// SectionSlugs returns the set of configured section slugs, latest included.
func (c *Config) SectionSlugs() map[string]bool {
	m := make(map[string]bool, len(c.Sections))
	for _, s := range c.Sections {
		m[s.Slug] = true
	}
	return m
}

// redactAddr masks what may precede a host:port's last "@": a Redis
// address written with credentials must not reach a log or a terminal.
func redactAddr(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return redact.Mask + addr[i:]
	}
	return addr
}

func numeric(s string) bool {
	_, err := strconv.ParseUint(s, 10, 16)
	return err == nil
}
