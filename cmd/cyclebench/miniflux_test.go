package main

import (
	"bytes"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMinifluxEnv(t *testing.T) {
	s := minifluxSettings{
		DatabaseURL: "host=/tmp/x port=5999 user=postgres dbname=miniflux sslmode=disable",
		Listen:      "127.0.0.1:18090", LogFile: "/tmp/x/miniflux.log",
		User: "bench", Pass: "secret-pass", Feeds: 1000,
	}
	for _, tc := range []struct {
		name string
		base []string
		s    minifluxSettings
		want []string // KEY=VALUE that must be present
		gone []string // KEY= prefixes that must be absent
	}{
		{
			name: "the settings of the comparison",
			s:    s,
			want: []string{
				"DATABASE_URL=" + s.DatabaseURL, "RUN_MIGRATIONS=1", "CREATE_ADMIN=1",
				"ADMIN_USERNAME=bench", "ADMIN_PASSWORD=secret-pass", "LISTEN_ADDR=127.0.0.1:18090",
				"WORKER_POOL_SIZE=64", "POLLING_FREQUENCY=1440", "BATCH_SIZE=1000",
				"FETCHER_ALLOW_PRIVATE_NETWORKS=1", "LOG_FILE=/tmp/x/miniflux.log",
			},
		},
		{
			name: "the environment's own settings give way",
			base: []string{"PATH=/usr/bin", "WORKER_POOL_SIZE=4", "DATABASE_URL=postgres://elsewhere", "HOME=/root"},
			s:    s,
			want: []string{"PATH=/usr/bin", "HOME=/root", "WORKER_POOL_SIZE=64", "DATABASE_URL=" + s.DatabaseURL},
			gone: []string{"DATABASE_URL=postgres://elsewhere", "WORKER_POOL_SIZE=4"},
		},
		{
			name: "-gomemlimit is syndicate's alone",
			base: []string{"GOMEMLIMIT=120MiB", "GOGC=100"},
			s:    s,
			want: []string{"GOGC=100"},
			gone: []string{"GOMEMLIMIT="},
		},
		{
			name: "a batch holds every feed of a larger plan",
			s:    minifluxSettings{Feeds: 5000},
			want: []string{"BATCH_SIZE=5000"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := minifluxEnv(tc.base, tc.s)
			for _, w := range tc.want {
				if !slices.Contains(env, w) {
					t.Errorf("no %s in %v", w, env)
				}
			}
			for _, g := range tc.gone {
				for _, kv := range env {
					if strings.HasPrefix(kv, g) {
						t.Errorf("%s still in the environment", kv)
					}
				}
			}
			seen := map[string]bool{}
			for _, kv := range env {
				k, _, _ := strings.Cut(kv, "=")
				if seen[k] {
					t.Errorf("%s set twice", k)
				}
				seen[k] = true
			}
		})
	}
}

func TestRatiosTo(t *testing.T) {
	mf := medians{Cycle: 40, CPU: 15, StoreCPU: 45, Mem: 60, StoreHWM: 300}
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		a, b medians
		want ratios
	}{
		{"memory store: no store figures", medians{Cycle: 4, CPU: 3, Mem: 90}, mf, ratios{Cycle: 0.1, CPU: 0.05, Mem: 1.5, MemStore: 0.25}},
		{"redis: the store's figures added", medians{Cycle: 8, CPU: 4, StoreCPU: 2, Mem: 30, StoreHWM: 30}, mf, ratios{Cycle: 0.2, CPU: 0.1, Mem: 0.5, MemStore: 0.1666666667}},
		{"nothing to divide by", medians{Cycle: 1, CPU: 1, Mem: 1}, medians{}, ratios{nan, nan, nan, nan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ratiosTo(tc.a, tc.b)
			for _, f := range []struct {
				name      string
				got, want float64
			}{{"cycle", got.Cycle, tc.want.Cycle}, {"cpu", got.CPU, tc.want.CPU}, {"mem", got.Mem, tc.want.Mem}, {"mem+store", got.MemStore, tc.want.MemStore}} {
				if math.IsNaN(f.want) != math.IsNaN(f.got) || math.Abs(f.got-f.want) > 1e-6 {
					t.Errorf("%s: got %v, want %v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestMedianOf(t *testing.T) {
	rs := []result{
		{Cycle: 3 * time.Second, CPU: 1, StoreCPU: 5, HWM: 10 << 20, Total: 30 << 20, StoreHWM: 100 << 20},
		{Cycle: 1 * time.Second, CPU: 2, StoreCPU: 4, HWM: 50 << 20, Total: 20 << 20, StoreHWM: 300 << 20},
		{Cycle: 2 * time.Second, CPU: 3, StoreCPU: 6, HWM: 40 << 20, Total: 45 << 20, StoreHWM: 200 << 20},
	}
	m := medianOf(rs)
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"cycle", m.Cycle, 2}, {"cpu", m.CPU, 2}, {"store cpu", m.StoreCPU, 5},
		{"store MiB", m.StoreHWM, 200},
		// The larger of VmHWM and the sampled total in each round
		// (30, 50, 45), then their median.
		{"mem", m.Mem, 45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

// Only feed requests count as served, as Syndicate's cycles are checked
// against; what else an aggregator asks for is counted apart, and every
// site has an icon to find.
func TestFixtureCountsFeedsApart(t *testing.T) {
	f := &fixture{plan: plan{Sources: 3, Hosts: 1, Sections: 1, PerFeed: 2, Limit: 2, BodySize: 50}, ports: []int{9}}
	f.setGen(0)
	for _, tc := range []struct {
		path          string
		status        int
		served, other int64
	}{
		{"/s/1/feed.xml", http.StatusOK, 1, 0},
		{"/favicon.ico", http.StatusOK, 0, 1},
		{"/s/1/", http.StatusNotFound, 0, 1},
		{"/", http.StatusNotFound, 0, 1},
		{"/s/7/feed.xml", http.StatusNotFound, 0, 1},
	} {
		t.Run(tc.path, func(t *testing.T) {
			f.reset()
			w := httptest.NewRecorder()
			f.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.2"+tc.path, nil))
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			if f.served.Load() != tc.served || f.other.Load() != tc.other {
				t.Errorf("served %d other %d, want %d %d", f.served.Load(), f.other.Load(), tc.served, tc.other)
			}
			if tc.path == "/favicon.ico" {
				if _, err := png.Decode(bytes.NewReader(w.Body.Bytes())); err != nil {
					t.Errorf("icon: %v", err)
				}
			}
		})
	}
}
