package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"syndicate/internal/benchrun"
	"syndicate/internal/procstat"
)

// The "miniflux" store runs the same fixture and scenarios against
// Miniflux on a PostgreSQL cluster of its own, for a comparison taken on
// the same machine in the same run. Its row's store columns are the
// cluster's: the CPU of the postmaster and every backend, and the peak
// of their summed Pss (see treePss).
//
// Miniflux's refresh-all (PUT /v1/feeds/refresh) only queues the feeds
// whose next check is due, and a refresh puts the next check an hour
// ahead at least (SCHEDULER_ROUND_ROBIN_MIN_INTERVAL), so after the fill
// it would refresh nothing. A cycle is therefore asked for in one of two
// ways (-miniflux-refresh):
//
//   - all (the default): every feed is made due with one UPDATE of
//     next_check_at before the measurement starts, then one PUT
//     /v1/feeds/refresh queues them all to the worker pool, as the
//     scheduler does: Miniflux refreshing as it does on its own, with
//     the 64 workers it was tuned with.
//   - each: PUT /v1/feeds/{id}/refresh for every feed, minifluxWorkers at
//     a time. The handler refreshes the feed before it answers, outside
//     the worker pool; each request also costs Miniflux an API-key
//     lookup and two writes (last login, key last used).
//
// Either way the cycle is over when every feed's checked_at has moved
// past the cycle's start (Miniflux writes it last, after the entries)
// and every request was answered.

// minifluxWorkers is Miniflux's WORKER_POOL_SIZE, and how many refresh
// requests are in flight at once in "each" mode: the fetch concurrency
// syndicate runs with (64 workers), and the tuning of the comparison
// figures the benchmark reproduces.
const minifluxWorkers = 64

// minifluxOptions are the -miniflux* flags.
type minifluxOptions struct {
	Bin     string // a binary to use; installed into the cache when empty
	Version string // the module version to install
	Refresh string // "each" or "all"
}

// minifluxBinary is opts.Bin, or miniflux.app/v2@opts.Version installed
// once into the user's cache directory and reused from there.
func minifluxBinary(ctx context.Context, opts minifluxOptions, out io.Writer) (string, error) {
	bin := opts.Bin
	if bin == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("cyclebench: miniflux: %w", err)
		}
		dir := filepath.Join(cache, "syndicate-bench", "miniflux-"+opts.Version)
		// go install names the binary after the module path's last
		// element that is not a major version: miniflux.app.
		bin = filepath.Join(dir, "miniflux.app")
		if _, err := os.Stat(bin); err == nil {
			fmt.Fprintf(out, "miniflux: reusing %s\n", bin)
		} else {
			fmt.Fprintf(out, "miniflux: go install miniflux.app/v2@%s into %s…\n", opts.Version, dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", fmt.Errorf("cyclebench: miniflux: %w", err)
			}
			cmd := exec.CommandContext(ctx, "go", "install", "miniflux.app/v2@"+opts.Version)
			cmd.Dir = dir // outside any module, whose go.mod would not matter but whose go.work might
			cmd.Env = append(os.Environ(), "GOBIN="+dir)
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Run(); err != nil {
				return "", fmt.Errorf("cyclebench: miniflux: go install miniflux.app/v2@%s: %w", opts.Version, err)
			}
		}
	} else {
		fmt.Fprintf(out, "miniflux: using %s\n", bin)
	}
	// Built by go install, Miniflux's own -version says only "2.3.x-dev"
	// (its release builds set it with -ldflags); the module version is
	// in the binary's build information.
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("cyclebench: miniflux: %s: %w", bin, err)
	}
	fmt.Fprintf(out, "miniflux: %s %s, built with %s\n", info.Main.Path, info.Main.Version, info.GoVersion)
	return bin, nil
}

// minifluxSettings are what the benchmark sets of Miniflux's
// configuration; everything else is Miniflux's default.
type minifluxSettings struct {
	DatabaseURL string
	Listen      string // host:port
	LogFile     string
	User, Pass  string // the admin user it creates
	Feeds       int    // how many feeds the scheduler's batch must hold
}

// minifluxEnv is the environment Miniflux runs with: base (the
// benchmark's own) without GOMEMLIMIT, which -gomemlimit sets for
// syndicate alone, and with the settings below in place of any the
// environment has.
func minifluxEnv(base []string, s minifluxSettings) []string {
	set := map[string]string{
		"DATABASE_URL":   s.DatabaseURL,
		"RUN_MIGRATIONS": "1",
		"CREATE_ADMIN":   "1",
		"ADMIN_USERNAME": s.User,
		"ADMIN_PASSWORD": s.Pass,
		"LISTEN_ADDR":    s.Listen,
		"BASE_URL":       "http://" + s.Listen,
		// Each worker refreshes one feed at a time.
		"WORKER_POOL_SIZE": strconv.Itoa(minifluxWorkers),
		// The scheduler's ticker first fires one period after start: a
		// day, so that it never polls on its own during a run and only
		// the cycles the benchmark asks for are measured, as syndicate's
		// sources are not due again for an hour.
		"POLLING_FREQUENCY": "1440",
		// A scheduled batch would then hold every feed (default 100).
		"BATCH_SIZE": strconv.Itoa(max(s.Feeds, 1000)),
		// The fixture is on loopback addresses, which the fetcher
		// refuses by default.
		"FETCHER_ALLOW_PRIVATE_NETWORKS": "1",
		"LOG_FILE":                       s.LogFile,
		"LOG_LEVEL":                      "info",
	}
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ours := set[k]; ours || k == "GOMEMLIMIT" {
			continue
		}
		env = append(env, kv)
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		env = append(env, k+"="+set[k])
	}
	return env
}

// mfInstance is Miniflux under test, its database and the session the
// benchmark watches the database through.
type mfInstance struct {
	pg    *pgCluster
	proc  *benchrun.Proc
	sql   *psqlSession
	base  string // http://host:port
	token string // API key
	feeds []int64
	// client bounds each request: a refresh of a feed whose fetch times
	// out takes Miniflux's HTTP_CLIENT_TIMEOUT (20 s) at most.
	client *http.Client
}

// stop ends Miniflux before its database, and the database last, each
// by its pid. Safe on a partly started instance.
func (m *mfInstance) stop() {
	if m.proc != nil {
		m.proc.Stop()
	}
	m.sql.close()
	m.pg.stop()
}

// startMiniflux starts a cluster in dir/pg, Miniflux on it, and makes an
// API key for the rest of the run (basic auth costs a bcrypt comparison
// on every request, which no client of many requests would pay).
func startMiniflux(bin, dir, work string, feeds int) (*mfInstance, error) {
	m := &mfInstance{client: &http.Client{Timeout: time.Minute}}
	var err error
	if m.pg, err = startPostgres(filepath.Join(dir, "pg"), work); err != nil {
		return nil, err
	}
	if err := m.pg.exec("postgres", "CREATE DATABASE miniflux"); err != nil {
		m.stop()
		return nil, err
	}
	if m.sql, err = m.pg.session("miniflux"); err != nil {
		m.stop()
		return nil, err
	}
	listen, err := benchrun.FreeAddr()
	if err != nil {
		m.stop()
		return nil, err
	}
	const user, pass = "bench", "cyclebench-admin"
	logName := filepath.Join(dir, "miniflux.log")
	logf, err := os.Create(logName)
	if err != nil {
		m.stop()
		return nil, fmt.Errorf("cyclebench: miniflux: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(bin)
	cmd.Env = minifluxEnv(os.Environ(), minifluxSettings{
		DatabaseURL: m.pg.url("miniflux"), Listen: listen, LogFile: logName,
		User: user, Pass: pass, Feeds: feeds,
	})
	cmd.Stdout, cmd.Stderr = logf, logf
	if m.proc, err = benchrun.Start(cmd); err != nil {
		m.stop()
		return nil, err
	}
	m.base = "http://" + listen
	if err := benchrun.WaitReady(context.Background(), m.proc, m.base+"/healthcheck", time.Minute); err != nil {
		m.stop()
		return nil, fmt.Errorf("cyclebench: miniflux: did not start (see %s): %w", logName, err)
	}
	var key struct {
		Token string `json:"token"`
	}
	req, _ := http.NewRequest("POST", m.base+"/v1/api-keys", strings.NewReader(`{"description":"cyclebench"}`))
	req.SetBasicAuth(user, pass)
	if err := m.send(req, http.StatusCreated, &key); err != nil || key.Token == "" {
		m.stop()
		return nil, fmt.Errorf("cyclebench: miniflux: create an API key: %v", err)
	}
	m.token = key.Token
	return m, nil
}

// send runs req and decodes its answer into out (when not nil), which
// must have status want.
func (m *mfInstance) send(req *http.Request, want int, out any) error {
	req.Header.Set("Content-Type", "application/json")
	if m.token != "" {
		req.Header.Set("X-Auth-Token", m.token)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (m *mfInstance) api(method, path string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.base+path, r)
	if err != nil {
		return err
	}
	return m.send(req, want, out)
}

// parallel runs f(i) for i in [0, n), k at a time, and returns the
// first error.
func parallel(n, k int, f func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(k, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	}
	wg.Wait()
	return first
}

// fill subscribes to every source, minifluxWorkers at a time. Each
// creation fetches the feed and stores its entries before it answers
// (and looks for the site's icon, once).
func (m *mfInstance) fill(p plan, fx *fixture) error {
	var cat struct {
		ID int64 `json:"id"`
	}
	if err := m.api("POST", "/v1/categories", map[string]string{"title": "Cycle bench"}, http.StatusCreated, &cat); err != nil {
		return fmt.Errorf("cyclebench: miniflux: %w", err)
	}
	m.feeds = make([]int64, p.Sources)
	err := parallel(p.Sources, minifluxWorkers, func(s int) error {
		var created struct {
			FeedID int64 `json:"feed_id"`
		}
		body := map[string]any{"feed_url": fx.url(s), "category_id": cat.ID}
		if err := m.api("POST", "/v1/feeds", body, http.StatusCreated, &created); err != nil {
			return err
		}
		m.feeds[s] = created.FeedID
		return nil
	})
	if err != nil {
		return fmt.Errorf("cyclebench: miniflux: subscribe: %w", err)
	}
	return m.checkEntries(p, 0)
}

// checkEntries verifies that every feed stored generation gen's items.
func (m *mfInstance) checkEntries(p plan, gen int) error {
	rows, err := m.sql.query(fmt.Sprintf(
		`SELECT count(*), count(DISTINCT feed_id) FROM entries WHERE url LIKE '%%/g%d/i%%'`, gen))
	if err != nil {
		return err
	}
	want := fmt.Sprintf("%d|%d", p.Sources*p.PerFeed, p.Sources)
	if len(rows) != 1 || rows[0] != want {
		return fmt.Errorf("cyclebench: miniflux: generation %d: entries|feeds %v, want %s", gen, rows, want)
	}
	return nil
}

// checkedSince is how many feeds were checked at or after t.
func (m *mfInstance) checkedSince(t time.Time) (int64, error) {
	return m.sql.count(fmt.Sprintf(`SELECT count(*) FROM feeds WHERE checked_at >= '%s'`,
		t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)))
}

// waitAutovacuum waits until no autovacuum worker runs, or limit passes
// (then it goes on: a worker still running is counted in the cycle), and
// says how long it waited.
func (m *mfInstance) waitAutovacuum(limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for tries := 0; ; tries++ {
		n, err := m.sql.count(`SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`)
		if err != nil {
			return 0, err
		}
		if n == 0 && tries == 0 {
			return 0, nil
		}
		if n == 0 || time.Since(start) > limit {
			return time.Since(start), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// refresh asks for a refresh of every feed the way mode says.
func (m *mfInstance) refresh(mode string) error {
	if mode == "all" {
		return m.api("PUT", "/v1/feeds/refresh", nil, http.StatusNoContent, nil)
	}
	return parallel(len(m.feeds), minifluxWorkers, func(i int) error {
		return m.api("PUT", fmt.Sprintf("/v1/feeds/%d/refresh", m.feeds[i]), nil, http.StatusNoContent, nil)
	})
}

// measureMiniflux is measureStore for Miniflux: a fill, then rounds of
// an all-304 and an all-200 cycle.
func measureMiniflux(p plan, fx *fixture, bin, dir, work string, rounds int, mode string) (map[string][]result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cyclebench: miniflux: %w", err)
	}
	fx.setGen(0)
	t0 := time.Now()
	m, err := startMiniflux(bin, dir, work, p.Sources)
	if err != nil {
		return nil, err
	}
	defer m.stop()
	fmt.Printf("miniflux: started with its database: %.2f s\n", time.Since(t0).Seconds())
	t0 = time.Now()
	fx.reset()
	if err := m.fill(p, fx); err != nil {
		return nil, err
	}
	hwm, _ := procstat.PeakRSS(m.proc.Pid())
	fmt.Printf("miniflux: store filled (%d feeds subscribed through the API, %d at a time): %.2f s, %d feed and %d other requests, peak RSS %d MiB\n",
		p.Sources, minifluxWorkers, time.Since(t0).Seconds(), fx.served.Load(), fx.other.Load(), hwm>>20)
	out := map[string][]result{}
	gen := 0
	for r := range rounds {
		for _, sc := range []string{"all-304", "all-200"} {
			if sc == "all-200" {
				gen++
				fx.setGen(gen)
			}
			res, err := m.cycle(p, fx, gen, sc, mode)
			if err != nil {
				return nil, fmt.Errorf("%w (round %d %s)", err, r+1, sc)
			}
			fmt.Printf("miniflux round %d %s: cycle %.2f s (requests answered %.2f s), cpu %.2f s + postgres %.2f s, rss %d MiB (sampled %d MiB), postgres Pss %d MiB; fixture: %d feed, %d other requests\n",
				r+1, sc, res.Cycle.Seconds(), res.Polled.Seconds(), res.CPU, res.StoreCPU, res.HWM>>20, res.Total>>20, res.StoreHWM>>20,
				fx.served.Load(), fx.other.Load())
			out[sc] = append(out[sc], res)
		}
	}
	return out, nil
}

// cycle asks for a refresh of every feed and measures it until every
// feed has been checked since it began.
func (m *mfInstance) cycle(p plan, fx *fixture, gen int, scenario, mode string) (result, error) {
	var res result
	if mode == "all" {
		// Made due before the measurement: this write is the benchmark's,
		// standing in for an hour passing.
		if _, err := m.sql.query(`UPDATE feeds SET next_check_at = now() - interval '1 minute'`); err != nil {
			return res, err
		}
	}
	// The last cycle's stragglers are not this one's: its GC (the 1 s
	// syndicate's cycles wait too) and the autovacuum its writes set
	// off, which can run for tens of seconds after a fill or an all-200
	// cycle. Autovacuum that this cycle's own writes set off while it
	// runs is counted; that which starts after it ends is not counted
	// anywhere, which leaves Miniflux's figures the lower.
	if waited, err := m.waitAutovacuum(2 * time.Minute); err != nil {
		return res, err
	} else if waited > 0 {
		fmt.Printf("miniflux: waited %.1f s for autovacuum to finish before the cycle\n", waited.Seconds())
	}
	time.Sleep(time.Second)
	pid, pgpid := m.proc.Pid(), m.pg.pid()
	cpu0, _ := procstat.CPU(pid)
	pgcpu0, err := treeCPU(pgpid)
	if err != nil {
		return res, err
	}
	if err := procstat.ResetPeak(pid); err != nil {
		return res, fmt.Errorf("cyclebench: miniflux: reset VmHWM: %w", err)
	}
	peaks, pss := procstat.Sample(pid, 50*time.Millisecond), sampleTreePss(pgpid, 50*time.Millisecond)
	// Sampling ends once, whichever way the cycle ends.
	stopSampling := sync.OnceValues(func() (procstat.Peaks, int64) { return peaks(), pss() })
	defer stopSampling()
	fx.reset()
	start := time.Now()
	asked := make(chan error, 1)
	go func() {
		err := m.refresh(mode)
		res.Polled = time.Since(start)
		asked <- err
	}()
	deadline := start.Add(cycleTimeout)
	var askErr error
	done := false
	for asked != nil || !done {
		select {
		case askErr = <-asked:
			asked = nil
			if askErr != nil {
				return res, fmt.Errorf("cyclebench: miniflux: refresh: %w", askErr)
			}
		case <-time.After(50 * time.Millisecond):
		}
		if !done {
			n, err := m.checkedSince(start)
			if err != nil {
				return res, err
			}
			if done = n == int64(p.Sources); done {
				res.Cycle = time.Since(start)
			}
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("cyclebench: miniflux: feeds not all checked after %v", cycleTimeout)
		}
	}
	res.Cycle = max(res.Cycle, res.Polled)
	cpu1, _ := procstat.CPU(pid)
	pgcpu1, err := treeCPU(pgpid)
	if err != nil {
		return res, err
	}
	res.CPU, res.StoreCPU = cpu1-cpu0, pgcpu1-pgcpu0
	res.HWM, _ = procstat.PeakRSS(pid)
	pk, pssPeak := stopSampling()
	res.Files, res.Total, res.StoreHWM = pk.Files, pk.Total, pssPeak
	if n := fx.served.Load(); n != int64(p.Sources) {
		return res, fmt.Errorf("cyclebench: miniflux: the fixture answered %d feed requests, want %d", n, p.Sources)
	}
	failed, err := m.sql.count(`SELECT count(*) FROM feeds WHERE parsing_error_count > 0`)
	if err != nil {
		return res, err
	}
	if failed > 0 {
		return res, fmt.Errorf("cyclebench: miniflux: %d feeds failed their refresh (see miniflux.log)", failed)
	}
	if scenario == "all-200" {
		if err := m.checkEntries(p, gen); err != nil {
			return res, err
		}
	}
	return res, nil
}
