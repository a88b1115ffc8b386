package config

import "time"

// Defaults of the tables a file may repeat, which Defaults cannot hold.
// They are exported for tests that build a Source or Section by hand.
const (
	DefaultLimit      = 50 // items per feed document of a [[section]]
	DefaultInterval   = 15 * time.Minute
	DefaultMaxItems   = 200
	DefaultStaleAfter = 7 * 24 * time.Hour
	// DefaultMaxConnections is server.max_connections: 2,000 idle
	// keep-alive connections, the most it lets in, hold about 17 MiB (see
	// BenchmarkIdleConnections in internal/server).
	DefaultMaxConnections = 2000
	// MinMemoryLimit is the least server.memory_limit: the binary and an
	// instance of the sample site idle at about 20 MiB, and a limit
	// below what is live makes the collector run all the time.
	MinMemoryLimit = 32 << 20
	// DefaultGCPercent is server.gc_percent, half Go's default of 100.
	// What a refresh allocates is nearly all short-lived (parsed feeds,
	// sanitized bodies, renders), so the heap Go's default lets grow is
	// mostly garbage: in a refresh of 1,000 changed sources on Redis,
	// 50 took peak RSS from 120 to 92 MiB for 16% more CPU and 10% more
	// time (make cyclebench, medians of 3 rounds; GOGC=50 against none).
	DefaultGCPercent = 50
	// MinGCPercent and MaxGCPercent bound server.gc_percent: below, the
	// collector runs nearly all the time; above, the heap may grow to
	// many times what is live.
	MinGCPercent, MaxGCPercent = 10, 1000
)

// Defaults is the configuration an empty file yields. Load also fills what
// [[section]] and [[source]] tables leave out (fillTables) and derives
// site.tag_authority from site.base_url, so that nothing downstream ever
// finds a zero where a default belongs.
func Defaults() *Config {
	return &Config{
		Site: Site{
			Title:    "Syndicate",
			BaseURL:  "http://127.0.0.1:8080",
			Language: "en",
			TagDate:  "2026-01-01",
			// Full content, as before partners existed.
			PublicContent: ContentFull,
		},
		Server: Server{
			Listen:          "127.0.0.1:8080",
			CacheMaxAge:     Duration{5 * time.Minute},
			ShutdownTimeout: Duration{10 * time.Second},
			// About 250 tags' feeds and pages of 50 articles each.
			RenderCacheBytes: 256 << 20,
			MaxConnections:   DefaultMaxConnections,
			GCPercent:        DefaultGCPercent,
		},
		Store:   Store{Timeout: Duration{500 * time.Millisecond}, Prefix: "syndicate:"},
		Content: Content{Dir: "feeds", PollInterval: Duration{time.Second}, TopicLimit: DefaultLimit},
		Fetch: Fetch{
			ConnectTimeout: Duration{10 * time.Second},
			Timeout:        Duration{30 * time.Second},
			MaxBodyBytes:   10 << 20,
			MaxRedirects:   5,
			PerHost:        2,
			Workers:        32,
			BackoffCap:     Duration{6 * time.Hour},
			MaxDepth:       256,
			ParseMemory:    256 << 20,
		},
		Log: Log{Format: "text", Level: "info"},
		WebSub: WebSub{
			Builtin:      true,
			LeaseDefault: Duration{10 * 24 * time.Hour},
			LeaseMin:     Duration{time.Hour},
			LeaseMax:     Duration{30 * 24 * time.Hour},
			Workers:      16,
		},
		Podcast: Podcast{Category: "News"},
	}
}

// fillTables gives the [[section]] and [[source]] tables the defaults of
// the keys they leave out. A zero is what a missing key decodes to;
// negative values are left for validate to reject.
func (c *Config) fillTables() {
	for i := range c.Sections {
		if c.Sections[i].Limit == 0 {
			c.Sections[i].Limit = DefaultLimit
		}
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Kind == "" {
			s.Kind = KindExternal
		}
		if s.Interval.Duration == 0 {
			s.Interval.Duration = DefaultInterval
		}
		if s.MaxItems == 0 {
			s.MaxItems = DefaultMaxItems
		}
		if s.StaleAfter.Duration == 0 {
			s.StaleAfter.Duration = DefaultStaleAfter
		}
	}
}
