package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/content"
)

func TestParseWrk(t *testing.T) {
	tests := []struct {
		file string
		want wrkResult
	}{
		{"wrk-200.txt", wrkResult{Requests: 24012, RequestsPerSec: 23897.67, P99: 3060 * time.Microsecond}},
		{"wrk-404.txt", wrkResult{Requests: 73032, RequestsPerSec: 66377.40, P99: 3440 * time.Microsecond, Bad: 73032}},
		{"wrk-errors.txt", wrkResult{Requests: 24012, RequestsPerSec: 23897.67, P99: 1020 * time.Millisecond, SocketErrors: 15}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseWrk(string(b))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseWrkRejects(t *testing.T) {
	tests := []struct{ name, out, wantErr string }{
		{"no latency distribution", "  10 requests in 1.00s, 1MB read\nRequests/sec:  10.00\n", "--latency"},
		{"no rate", "  Latency Distribution\n     99%    1.00ms\n", "Requests/sec"},
		{"bad unit", "     99%    1.00ks\nRequests/sec: 1\n", "unknown unit"},
		{"bad socket errors", "  Socket errors: connect x\nRequests/sec: 1\n     99%    1.00ms\n", "bad count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWrk(tt.out)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseWrkDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"527.58us", 527580 * time.Nanosecond},
		{"3.06ms", 3060 * time.Microsecond},
		{"1.02s", 1020 * time.Millisecond},
		{"2.00m", 2 * time.Minute},
	}
	for _, tt := range tests {
		if got, err := parseWrkDuration(tt.in); err != nil || got != tt.want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestWrkArgs(t *testing.T) {
	tests := []struct {
		header string
		want   string
	}{
		{"", "-c 1 wrk -t1 -c64 -d10s --latency http://x/latest/rss.xml"},
		{"Accept-Encoding: gzip", "-c 1 wrk -t1 -c64 -d10s --latency -H Accept-Encoding: gzip http://x/latest/rss.xml"},
	}
	for _, tt := range tests {
		if got := strings.Join(wrkArgs(1, 64, 10*time.Second, tt.header, "http://x/latest/rss.xml"), " "); got != tt.want {
			t.Errorf("wrkArgs(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

// TestNginxConfig checks the settings the comparison depends on, and,
// when nginx is installed, that nginx accepts the file.
func TestNginxConfig(t *testing.T) {
	tests := []struct {
		name, user string
		want       []string
		wantNot    []string
	}{
		{"as root", "root", []string{"user root;"}, nil},
		{"as anyone else", "", nil, []string{"user "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := nginxConfig("/srv/www", "127.0.0.1:8099", tt.user, brotliStaticModule)
			for _, want := range append([]string{
				"worker_processes 1;", "daemon off;", "sendfile on;", "gzip_static on;", "brotli_static on;",
				"load_module " + brotliStaticModule + ";", "access_log off;",
				"open_file_cache max=", "keepalive_requests 10000000;", "listen 127.0.0.1:8099;", "root /srv/www;",
				"application/rss+xml  xml;", "charset utf-8;",
			}, tt.want...) {
				if !strings.Contains(conf, want) {
					t.Errorf("config lacks %q", want)
				}
			}
			for _, not := range tt.wantNot {
				if strings.Contains(conf, not) {
					t.Errorf("config has %q", not)
				}
			}
			if _, err := exec.LookPath("nginx"); err != nil {
				return
			}
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "tmp"), 0o755)
			os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
			if out, err := exec.Command("nginx", "-t", "-e", "stderr", "-p", dir, "-c", "nginx.conf").CombinedOutput(); err != nil {
				t.Errorf("nginx -t: %v\n%s", err, out)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	nginx := []wrkResult{
		{RequestsPerSec: 100, P99: 4 * ms, CPUPerRequest: 10},
		{RequestsPerSec: 80, P99: 2 * ms, CPUPerRequest: 10},
		{RequestsPerSec: 200, P99: 1 * ms, CPUPerRequest: 10},
	}
	syndicate := []wrkResult{
		{RequestsPerSec: 50, P99: 8 * ms, CPUPerRequest: 20},
		{RequestsPerSec: 80, P99: 3 * ms, CPUPerRequest: 10},
		{RequestsPerSec: 100, P99: 1 * ms, CPUPerRequest: 5},
	}
	tests := []struct {
		name string
		runs []wrkResult
		want summary
	}{
		// The ratio is the median of 0.5, 1 and 0.5: not 80/100.
		{"syndicate", syndicate, summary{Rate: 80, Ratio: 0.5, P99: 3 * ms, CPU: 10, CPURatio: 1}},
		{"nginx against itself", nginx, summary{Rate: 100, Ratio: 1, P99: 2 * ms, CPU: 10, CPURatio: 1}},
	}
	for _, tt := range tests {
		if got := summarize(nginx, tt.runs); got != tt.want {
			t.Errorf("%s: got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of an even count = %v, want 2.5", m)
	}
}

// TestWriteSite loads the generated site as syndicate would: the config
// is valid, every article loads, the synthetic section is full and the
// latest section keeps the sample's articles only.
func TestWriteSite(t *testing.T) {
	dir := t.TempDir()
	path, err := writeSite("../..", dir, 50)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	items, problems := content.Load(content.Options{
		Dir:          cfg.Content.Dir,
		BaseURL:      cfg.Site.BaseURL,
		TagAuthority: cfg.Site.TagAuthority,
		TagDate:      cfg.Site.TagDate,
		Sections:     cfg.SectionSlugs(),
	})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	synthetic, sizes := 0, 0
	for i, it := range items {
		if slices.Contains(it.Sections, syntheticSection) {
			synthetic++
			sizes += len(it.ContentHTML)
			if i < sampleArticles {
				t.Errorf("synthetic article %q among the newest %d", it.Title, sampleArticles)
			}
		}
	}
	if synthetic != 50 || len(items) != 50+sampleArticles {
		t.Errorf("%d synthetic articles of %d, want 50 of %d", synthetic, len(items), 50+sampleArticles)
	}
	if avg := sizes / max(synthetic, 1); avg < 1500 || avg > 3000 {
		t.Errorf("synthetic bodies average %d bytes, want about 2 KB", avg)
	}
	for _, s := range cfg.Sections {
		if s.Slug == config.LatestSlug && s.Limit != sampleArticles {
			t.Errorf("latest limit %d, want %d", s.Limit, sampleArticles)
		}
	}
}
