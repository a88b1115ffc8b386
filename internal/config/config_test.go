package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const validConfig = `[site]
title = "Test Review"
base_url = "https://news.example/"
language = "en"

[server]
listen = "127.0.0.1:9999"
cache_max_age = "90s"

[[section]]
slug = "asia"
title = "Asia"
`

func TestParseValid(t *testing.T) {
	cfg, err := Parse("/etc/syndicate/config.toml", []byte(validConfig))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Site.BaseURL != "https://news.example" {
		t.Errorf("base_url trailing slash kept: %q", cfg.Site.BaseURL)
	}
	if cfg.Site.TagAuthority != "news.example" {
		t.Errorf("tag authority = %q, want host of base_url", cfg.Site.TagAuthority)
	}
	if cfg.Server.CacheMaxAge.Duration != 90*time.Second {
		t.Errorf("cache_max_age = %v", cfg.Server.CacheMaxAge)
	}
	if got := []string{cfg.Sections[0].Slug, cfg.Sections[1].Slug}; got[0] != LatestSlug || got[1] != "asia" {
		t.Errorf("sections = %v, want latest first then asia", got)
	}
	if cfg.Sections[1].Limit != DefaultLimit {
		t.Errorf("default limit = %d", cfg.Sections[1].Limit)
	}
	if cfg.Content.Dir != "/etc/syndicate/feeds" {
		t.Errorf("content dir not resolved against the config file: %q", cfg.Content.Dir)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"unknown key", "[site]\ntitle = \"x\"\ncolour = \"red\"\n", "c.toml:3: unknown key \"site.colour\""},
		{"wrong type", "[site]\ntitle = \"x\"\n[[section]]\nslug = \"a\"\ntitle = \"A\"\nlimit = \"ten\"\n", "c.toml:6:"},
		{"bad duration", "[server]\ncache_max_age = \"soon\"\n", "c.toml:2:"},
		{"syntax", "[site\ntitle = 1\n", "c.toml:1:"},
		{"duplicate key", "[site]\ntitle = \"a\"\ntitle = \"b\"\n", "c.toml:3:"},
		{"duplicate section", "[[section]]\nslug = \"asia\"\ntitle = \"A\"\n\n[[section]]\nslug = \"asia\"\ntitle = \"B\"\n", "c.toml:6: duplicate section \"asia\""},
		{"bad slug", "[[section]]\nslug = \"Middle East\"\ntitle = \"A\"\n", "c.toml:2: section slug \"Middle East\""},
		{"reserved slug", "[[section]]\nslug = \"api\"\ntitle = \"A\"\n", "c.toml:2: section slug \"api\" is reserved"},
		{"slug of the tag feeds", "[[section]]\nslug = \"tags\"\ntitle = \"A\"\n", "c.toml:2: section slug \"tags\" is reserved"},
		{"zero topic limit", "[content]\ntopic_limit = -1\n", "c.toml:2: content.topic_limit"},
		{"zero render cache", "[server]\nrender_cache_bytes = 0\n", "c.toml:2: server.render_cache_bytes"},
		{"section without title", "[[section]]\nslug = \"asia\"\n", "c.toml:1: section \"asia\" has no title"},
		{"bad base url", "[site]\ntitle = \"x\"\nbase_url = \"news.example\"\n", "c.toml:3: site.base_url"},
		{"base url with query", "[site]\nbase_url = \"https://a.example/?x=1\"\n", "c.toml:2: site.base_url"},
		{"bad redis url", "[store]\nredis_url = \"localhost:6379\"\n", "c.toml:2: store.redis_url"},
		{"bad listen", "[server]\nlisten = \"8080\"\n", "c.toml:2: server.listen"},
		{"tag authority with port", "[site]\ntag_authority = \"a.example:8080\"\n", "c.toml:2: site.tag_authority"},
		{"bad tag date", "[site]\ntag_date = \"2026-13-01\"\n", "c.toml:2: site.tag_date"},
		{"source unknown section", "[[source]]\nid = \"wire\"\nurl = \"https://wire.example/feed\"\nsections = [\"asai\"]\n", "c.toml:4: source \"wire\": unknown section \"asai\""},
		{"source bad url", "[[source]]\nid = \"wire\"\nurl = \"wire.example/feed\"\nsections = [\"latest\"]\n", "c.toml:3: source \"wire\": url"},
		{"source bad regex", "[[source]]\nid = \"wire\"\nurl = \"https://wire.example/\"\nsections = [\"latest\"]\nexclude = [\"(?i\"]\n", "c.toml:5: source \"wire\": exclude: bad regular expression"},
		{"source duplicate id", "[[source]]\nid = \"wire\"\nurl = \"https://a.example/\"\nsections = [\"latest\"]\n[[source]]\nid = \"wire\"\nurl = \"https://b.example/\"\nsections = [\"latest\"]\n", "c.toml:6: duplicate source \"wire\""},
		{"source interval too short", "[[source]]\nid = \"wire\"\nurl = \"https://a.example/\"\nsections = [\"latest\"]\ninterval = \"500ms\"\n", "c.toml:5: source \"wire\": interval"},
		{"source no sections", "[[source]]\nid = \"wire\"\nurl = \"https://a.example/\"\n", "c.toml:1: source \"wire\" lists no sections"},
		{"fetch zero workers", "[fetch]\nworkers = 0\n", "c.toml:2: fetch.workers"},
		{"fetch shallow max_depth", "[fetch]\nmax_depth = 2\n", "c.toml:2: fetch.max_depth"},
		{"fetch tiny parse_memory", "[fetch]\nparse_memory = 1000\n", "c.toml:2: fetch.parse_memory"},
		{"bad ops_listen", "[server]\nops_listen = \"9090\"\n", "c.toml:2: server.ops_listen"},
		{"ops_listen is listen", "[server]\nlisten = \"127.0.0.1:9090\"\nops_listen = \"127.0.0.1:9090\"\n", "c.toml:3: server.ops_listen is server.listen"},
		{"negative memory limit", "[server]\nmemory_limit = -1\n", "c.toml:2: server.memory_limit"},
		{"tiny memory limit", "[server]\nmemory_limit = 1048576\n", "c.toml:2: server.memory_limit must be 0 (none) or at least"},
		{"gc percent too low", "[server]\ngc_percent = 0\n", "c.toml:2: server.gc_percent must be between 10 and 1000"},
		{"gc percent too high", "\n[server]\ngc_percent = 5000\n", "c.toml:3: server.gc_percent"},
		{"no connections", "[server]\nmax_connections = 0\n", "c.toml:2: server.max_connections"},
		{"source bad public_url", "[[source]]\nid = \"wire\"\nurl = \"https://a.example/\"\nsections = [\"latest\"]\npublic_url = \"a.example/feed\"\n", "c.toml:5: source \"wire\": public_url"},
		{"redis url and addrs", "[store]\nredis_url = \"redis://127.0.0.1:6379\"\nredis_addrs = [\"127.0.0.1:7000\"]\n", "c.toml:3: store: set redis_url or redis_addrs"},
		{"bad redis addr", "[store]\nredis_addrs = [\"127.0.0.1\"]\n", "c.toml:2: store.redis_addrs"},
		{"master without addrs", "[store]\nredis_master_name = \"mymaster\"\n", "c.toml:2: store.redis_master_name"},
		{"prefix with braces", "[store]\nprefix = \"a{b}\"\n", "c.toml:2: store.prefix"},
		{"bad log format", "[log]\nformat = \"xml\"\n", "c.toml:2: log.format"},
		{"bad log level", "[log]\nlevel = \"loud\"\n", "c.toml:2: log.level"},
		{"limit out of range", "[[section]]\nslug = \"asia\"\ntitle = \"A\"\nlimit = -1\n", "c.toml:4: section \"asia\": limit"},
		{"source negative stale_after", "[[source]]\nid = \"wire\"\nurl = \"https://a.example/\"\nsections = [\"latest\"]\nstale_after = \"-1h\"\n", "c.toml:5: source \"wire\": stale_after is negative"},
		{"tag authority from a base url host that is no domain", "[site]\nbase_url = \"http://[::1]:8080\"\n", "c.toml:1: site.tag_authority: \"::1\""},
		{"key line after a multi-line string that holds one", "[site]\ndescription = \"\"\"\nbase_url = \"https://old.example\"\n\"\"\"\n# base_url = \"https://older.example\"\nbase_url = \"news.example\"\n", "c.toml:6: site.base_url"},
		{"websub section slug", "[[section]]\nslug = \"websub\"\ntitle = \"A\"\n", "c.toml:2: section slug \"websub\" is reserved"},
		{"websub lease_min too short", "[websub]\nlease_min = \"10ms\"\n", "c.toml:2: websub.lease_min must be at least 1s"},
		{"websub lease_max below lease_min", "[websub]\nlease_min = \"2h\"\nlease_max = \"1h\"\n", "c.toml:3: websub.lease_max 1h0m0s is below lease_min 2h0m0s"},
		{"websub lease_default outside bounds", "[websub]\nlease_default = \"1000h\"\n", "c.toml:2: websub.lease_default 1000h0m0s is outside"},
		{"websub zero workers", "[websub]\nworkers = 0\n", "c.toml:2: websub.workers"},
		{"websub relative hub", "[websub]\nhubs = [\"hub.example/\"]\n", "c.toml:2: websub.hubs"},
		{"podcast email", "[podcast]\nemail = \"podcasts at news\"\n", "c.toml:2: podcast.email"},
		{"podcast category", "[podcast]\ncategory = \"Newz\"\n", "c.toml:2: podcast.category \"Newz\" is not one of Apple's"},
		{"podcast image", "[podcast]\nimage = \"show.jpg\"\n", "c.toml:2: podcast.image"},
		{"key of the second array table", "[[section]]\nslug = \"asia\"\ntitle = \"A\"\n[[section]]\nslug = \"africa\" # title = \"B\"\n", "c.toml:4: section \"africa\" has no title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.input))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), "config: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPodcast(t *testing.T) {
	cfg, err := Parse("c.toml", []byte("[site]\nbase_url = \"https://news.example/\"\n[podcast]\nemail = \"pods@news.example\"\ncategory = \"Society & Culture\"\nimage = \"/media/show.jpg\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Podcast{Email: "pods@news.example", Category: "Society & Culture", Image: "https://news.example/media/show.jpg"}); cfg.Podcast != want {
		t.Errorf("podcast %+v, want %+v", cfg.Podcast, want)
	}
	if cfg, _ := Parse("c.toml", nil); cfg.Podcast.Category != "News" {
		t.Errorf("default category %q", cfg.Podcast.Category)
	}
}

func TestSourceDefaults(t *testing.T) {
	cfg, err := Parse("c.toml", []byte(validConfig+"\n[[source]]\nid = \"wire\"\nurl = \"https://wire.example/feed\"\nsections = [\"asia\", \"latest\"]\ninclude = [\"(?i)korea\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources[0]
	if s.Interval.Duration != DefaultInterval || s.MaxItems != DefaultMaxItems || s.StaleAfter.Duration != DefaultStaleAfter {
		t.Errorf("defaults not applied: %+v", s)
	}
	if len(s.IncludeRE) != 1 || !s.IncludeRE[0].MatchString("North KOREA") {
		t.Errorf("include not compiled: %v", s.IncludeRE)
	}
	f := cfg.Fetch
	if f.Timeout.Duration != 30*time.Second || f.ConnectTimeout.Duration != 10*time.Second || f.MaxBodyBytes != 10<<20 || f.MaxRedirects != 5 || f.BackoffCap.Duration != 6*time.Hour {
		t.Errorf("fetch defaults: %+v", f)
	}
}

func TestWebSubDefaults(t *testing.T) {
	cfg, err := Parse("c.toml", []byte(validConfig))
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.WebSub
	if !w.Builtin || w.AllowPrivateCallbacks || len(w.Hubs) != 0 {
		t.Errorf("websub defaults: builtin %v, allow_private_callbacks %v, hubs %v; want the built-in hub alone, public callbacks only", w.Builtin, w.AllowPrivateCallbacks, w.Hubs)
	}
	if w.LeaseDefault.Duration != 240*time.Hour || w.LeaseMin.Duration != time.Hour || w.LeaseMax.Duration != 720*time.Hour {
		t.Errorf("websub leases: default %v, min %v, max %v; want 10 days within 1h..30 days", w.LeaseDefault, w.LeaseMin, w.LeaseMax)
	}
}

// A hub URL may carry credentials, so a bad one is named by its line, never
// quoted.
func TestWebSubHubErrorHidesURL(t *testing.T) {
	_, err := Parse("c.toml", []byte("[websub]\nhubs = [\"ftp://user:hunter2@hub.example/\"]\n"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error = %v, want one that does not quote the URL", err)
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Setenv(EnvListen, "0.0.0.0:9000")
	t.Setenv(EnvBaseURL, "https://feeds.example")
	t.Setenv(EnvRedisURL, "redis://127.0.0.1:6400/2")
	cfg, err := Parse("c.toml", []byte(validConfig))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Listen != "0.0.0.0:9000" || cfg.Site.BaseURL != "https://feeds.example" || cfg.Store.RedisURL != "redis://127.0.0.1:6400/2" {
		t.Errorf("overrides not applied: %+v %+v %+v", cfg.Server, cfg.Site, cfg.Store)
	}

	t.Setenv(EnvBaseURL, "not a url")
	if _, err := Parse("c.toml", []byte(validConfig)); err == nil || !strings.Contains(err.Error(), EnvBaseURL) {
		t.Errorf("bad override error = %v, want it to name %s", err, EnvBaseURL)
	}
}

func TestLoadShippedConfig(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	slugs := cfg.SectionSlugs()
	for _, s := range []string{LatestSlug, "middle-east", "washington", "asia", "analysis"} {
		if !slugs[s] {
			t.Errorf("shipped config lacks section %q", s)
		}
	}
	if _, err := os.Stat(cfg.Content.Dir); err != nil {
		t.Errorf("content dir: %v", err)
	}
}

func TestLogger(t *testing.T) {
	var buf strings.Builder
	log := Log{Format: "json", Level: "warn"}.NewLogger(&buf)
	log.Info("hidden")
	log.Warn("shown", "source", "wire")
	if out := buf.String(); strings.Contains(out, "hidden") || !strings.Contains(out, `"source":"wire"`) {
		t.Errorf("json logger at warn wrote %q", out)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("error = %v, want it to name the file", err)
	}
}

// TestEveryDefaultApplied walks a loaded config for zero values: a key
// added without a default fails here unless it is listed as one whose zero
// means something, so that no package downstream is tempted to default it.
func TestEveryDefaultApplied(t *testing.T) {
	cfg, err := Parse("c.toml", []byte("[[section]]\nslug = \"asia\"\ntitle = \"Asia\"\n[[source]]\nid = \"wire\"\nurl = \"https://wire.example/feed\"\nsections = [\"asia\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	mayBeZero := map[string]bool{
		"Site.Description": true, "Sections[1].Description": true,
		"Store.RedisURL": true, "Store.RedisAddrs": true, "Store.RedisMasterName": true,
		"Store.RedisUsername": true, "Store.RedisPassword": true, "Store.RedisDB": true, "Store.RedisTLS": true,
		"Server.OpsListen": true, "Server.OpsToken": true, "Server.MemoryLimit": true,
		"Fetch.AllowPrivate": true, "Sources[0].AllowPrivate": true, "Sources[0].PublicURL": true,
		"Fetch.UserAgent":  true, // the poller's own names the version, which config does not know
		"Sources[0].Title": true, "Sources[0].Include": true, "Sources[0].Exclude": true,
		"Sources[0].IncludeRE": true, "Sources[0].ExcludeRE": true,
		"Sources[0].Route": true, "Sources[0].DefaultSections": true, "Sources[0].Withdrawn": true,
		"Sources[0].RouteKeys": true, "Sources[0].WithdrawnKeys": true,
		"WebSub.Hubs": true, "WebSub.AllowPrivateCallbacks": true,
		"Podcast.Email": true, "Podcast.Explicit": true, "Podcast.Image": true,
	}
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch {
		case v.Type() == reflect.TypeFor[Duration]():
			if v.Interface().(Duration).Duration <= 0 && !mayBeZero[path] {
				t.Errorf("%s = %v after Load", path, v.Interface())
			}
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				walk(strings.TrimPrefix(path+"."+v.Type().Field(i).Name, "."), v.Field(i))
			}
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		case v.IsZero() && !mayBeZero[path]:
			t.Errorf("%s is zero after Load", path)
		}
	}
	walk("", reflect.ValueOf(*cfg))
}

// Config errors are read in terminals, CI logs and bug reports: the
// credentials of a Redis or source URL are never part of them.
func TestErrorsHideSecrets(t *testing.T) {
	const secret = "hunter22secret"
	tests := []struct {
		name, input, want string
	}{
		{"redis url with password", "[store]\nredis_url = \"http://user:" + secret + "@redis.internal:6379/0\"\n", `store.redis_url "http://***@redis.internal:6379/0"`},
		{"redis addr with password", "[store]\nredis_addrs = [\"default:" + secret + "@redis.internal\"]\n", `store.redis_addrs: "***@redis.internal"`},
		{"source url with userinfo", "[[source]]\nid = \"wire\"\nurl = \"ftp://wire:" + secret + "@wire.example/feed\"\nsections = [\"latest\"]\n", `url "ftp://***@wire.example/feed"`},
		{"source url with a token", "[[source]]\nid = \"wire\"\nurl = \"wire.example/feed?api_token=" + secret + "\"\nsections = [\"latest\"]\n", `url "wire.example/feed?api_token=***"`},
		{"public_url with a key", "[[source]]\nid = \"wire\"\nurl = \"https://wire.example/feed\"\npublic_url = \"https://wire.example/feed?key=" + secret + "\"\nsections = [\"latest\"]\n", `public_url "https://wire.example/feed?key=***" carries credentials`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.input))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q and not the secret", err, tt.want)
			}
		})
	}
	t.Run("from the environment", func(t *testing.T) {
		t.Setenv(EnvRedisURL, "http://:"+secret+"@redis.internal:6379")
		_, err := Parse("c.toml", []byte(validConfig))
		if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), EnvRedisURL) {
			t.Errorf("error = %v, want it to name %s without the password", err, EnvRedisURL)
		}
	})
}

func TestOpsSettings(t *testing.T) {
	ops := "[server]\nops_listen = \"127.0.0.1:9090\"\nops_token = \"from-file\"\n"
	cfg, err := Parse("c.toml", []byte(ops))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.OpsListen != "127.0.0.1:9090" || cfg.Server.OpsToken != "from-file" {
		t.Errorf("server = %+v", cfg.Server)
	}
	t.Setenv(EnvOpsToken, "from-env")
	if cfg, err = Parse("c.toml", []byte(ops)); err != nil || cfg.Server.OpsToken != "from-env" {
		t.Errorf("%s did not override ops_token: %v %+v", EnvOpsToken, err, cfg.Server)
	}
}
