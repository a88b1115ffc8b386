// Command cyclebench measures one polling cycle of a real `syndicate
// serve` process: 1,000 sources on a loopback fixture that adds 20 ms to
// every response, spread over 100 loopback addresses, with the memory
// store and with Redis (a throwaway redis-server), in two scenarios:
// every source answering 304, and every source answering 200 with all
// its 20 items new. It prints, as medians of the rounds, the time from
// the start of the cycle until every section shows its final items, the
// CPU seconds and peak RSS (VmHWM) of the syndicate process and of
// redis-server over that time, the peaks of syndicate's in-memory files
// and of its RSS and those files together (sampled), and how many times
// each section was rendered.
//
// The instance starts with no state, so every source is due at once and
// its first cycle fills the store (the benchmark asks for cycles until
// one has no failed poll); it is not due again for an hour. Each
// measured cycle is then asked for with POST /api/v1/poll on the
// operator listener, which answers when every poll is done. A cycle is
// over when that answer has come and every section's feed.json lists
// exactly the newest items the fixture serves (polled every 50 ms with
// If-None-Match). Run it with `make cyclebench`.
//
// With -stores ...,miniflux it also measures Miniflux (miniflux.go) on
// the same fixture in the same run, and prints each syndicate store's
// figures as ratios to Miniflux's. The store columns (store_cpu,
// store_MiB) are the store process's: redis-server's CPU and VmHWM, and
// for Miniflux PostgreSQL's, the CPU of its postmaster and every backend
// and the peak of their summed Pss, sampled every 50 ms (shared buffers
// would count once per backend in a sum of VmHWM). Miniflux renders no
// sections, so its renders columns are 0.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"syndicate/internal/benchrun"
	"syndicate/internal/procstat"
)

func main() {
	rounds := flag.Int("rounds", 3, "measured rounds of each scenario per store")
	stores := flag.String("stores", "memory,redis", "stores to measure, comma-separated: memory, redis, miniflux (Miniflux on a PostgreSQL of its own, for comparison; needs initdb and the Go module proxy unless -miniflux)")
	var mf minifluxOptions
	flag.StringVar(&mf.Bin, "miniflux", "", "Miniflux binary to compare with; installed with go install into the user cache directory when empty")
	flag.StringVar(&mf.Version, "miniflux-version", "v2.3.3", "version of miniflux.app/v2 to install when -miniflux is empty")
	flag.StringVar(&mf.Refresh, "miniflux-refresh", "all", "how a Miniflux cycle is asked for: each (PUT /v1/feeds/{id}/refresh per feed, 64 at a time) or all (every feed made due, then PUT /v1/feeds/refresh to its worker pool)")
	profiles := flag.String("pprof", "", "directory to write profiles of each store's last all-200 cycle to: CPU over its first 15 s, heap 4 s in and after it")
	var setup benchrun.Setup
	setup.Flags(flag.CommandLine)
	flag.DurationVar(&cycleTimeout, "timeout", cycleTimeout, "longest a cycle may take before the run fails")
	flag.Parse()
	if mf.Refresh != "each" && mf.Refresh != "all" {
		fmt.Fprintf(os.Stderr, "cyclebench: -miniflux-refresh %q: want each or all\n", mf.Refresh)
		os.Exit(2)
	}
	if err := run(*rounds, strings.Split(*stores, ","), setup, *profiles, mf); err != nil {
		// The Miniflux runner's errors name the command already.
		msg := err.Error()
		if !strings.HasPrefix(msg, "cyclebench: ") {
			msg = "cyclebench: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}

// cycleTimeout bounds each cycle, the first included.
var cycleTimeout = 10 * time.Minute

// result is one measured cycle.
type result struct {
	Cycle         time.Duration // start until every section is final and every poll done
	Polled        time.Duration // start until every poll is done
	CPU, StoreCPU float64       // seconds, of the process and of its store's
	HWM, StoreHWM int64         // bytes, of the process and of its store's
	// Files is the peak size of the in-memory files syndicate holds its
	// documents in, which VmHWM does not count, and Total the peak of its
	// VmRSS and those files together, both sampled every 50 ms.
	Files, Total int64
	RendersMax   int // renders of the most rendered section
	Renders      int // renders of all sections
}

func run(rounds int, stores []string, setup benchrun.Setup, profiles string, mf minifluxOptions) error {
	work, bin, cleanup, err := setup.Prepare(context.Background(), "cyclebench-", os.Stdout)
	if err != nil {
		return err
	}
	defer cleanup()
	mfBin := ""
	if slices.Contains(stores, "miniflux") {
		if mfBin, err = minifluxBinary(context.Background(), mf, os.Stdout); err != nil {
			return err
		}
	}
	p := defaultPlan()
	fx, err := startFixture(p)
	if err != nil {
		return err
	}
	defer fx.close()
	all := map[string]map[string]medians{}
	for _, st := range stores {
		var res map[string][]result
		var err error
		if st == "miniflux" {
			if res, err = measureMiniflux(p, fx, mfBin, filepath.Join(work, st), work, rounds, mf.Refresh); err != nil {
				return err
			}
		} else if res, err = measureStore(p, fx, st, bin, filepath.Join(work, st), rounds, profiles); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		all[st] = map[string]medians{"all-304": medianOf(res["all-304"]), "all-200": medianOf(res["all-200"])}
	}
	fmt.Printf("\n%d sources on %d loopback addresses, +%v per response, %d sections; medians of %d rounds\n",
		p.Sources, p.Hosts, delay, p.Sections, rounds)
	fmt.Printf("%-8s %-8s %9s %9s %8s %9s %9s %9s %9s %9s %11s %13s\n",
		"store", "scenario", "cycle_s", "polled_s", "cpu_s", "store_cpu", "rss_MiB", "files_MiB", "total_MiB", "store_MiB", "renders_max", "renders_total")
	for _, st := range stores {
		for _, sc := range []string{"all-304", "all-200"} {
			m := all[st][sc]
			fmt.Printf("%-8s %-8s %9.2f %9.2f %8.2f %9.2f %9.0f %9.0f %9.0f %9.0f %11.0f %13.0f\n", st, sc,
				m.Cycle, m.Polled, m.CPU, m.StoreCPU, m.HWM, m.Files, m.Total, m.StoreHWM, m.RendersMax, m.Renders)
		}
	}
	if slices.Contains(stores, "miniflux") {
		printRatios(os.Stdout, stores, all, mf.Refresh)
	}
	return nil
}

// instance is the syndicate process under test and its redis-server.
type instance struct {
	syn, redis *benchrun.Proc
	public     string // base URL of the feeds
	ops        string // base URL of the operator routes
	client     *http.Client
}

func measureStore(p plan, fx *fixture, store, bin, dir string, rounds int, profiles string) (map[string][]result, error) {
	if err := os.MkdirAll(filepath.Join(dir, "feeds"), 0o755); err != nil {
		return nil, err
	}
	// A store starts from the first generation: an older one served after
	// a newer would be older items, which retention leaves out.
	fx.setGen(0)
	in, err := start(p, fx, store, bin, dir)
	if err != nil {
		return nil, err
	}
	defer in.stop()
	t0 := time.Now()
	// Every source is due at start. A poll of that first cycle that fails
	// (a store call timed out on a busy machine) would not be retried for
	// an hour: asking for cycles until one has no failure fills the store
	// all the same (a source polled by both answers the second 304).
	for try := 1; ; try++ {
		err := in.poll()
		if err == nil {
			break
		}
		if try == 5 {
			return nil, fmt.Errorf("first cycle: %w", err)
		}
		fmt.Printf("%s: first cycle: %v; polling again\n", store, err)
	}
	if err := in.waitFinal(p, 0, cycleTimeout, nil); err != nil {
		return nil, fmt.Errorf("first cycle: %w", err)
	}
	hwm, _ := procstat.PeakRSS(in.syn.Pid())
	fmt.Printf("%s: store filled (every source due at start, from process start): %.2f s, peak RSS %d MiB\n",
		store, time.Since(t0).Seconds(), hwm>>20)
	out := map[string][]result{}
	gen := 0
	for r := range rounds {
		for _, sc := range []string{"all-304", "all-200"} {
			var cpuProfile chan error
			if sc == "all-200" {
				gen++
				fx.setGen(gen)
				if profiles != "" && r == rounds-1 {
					cpuProfile = make(chan error, 1)
					go func() {
						time.Sleep(time.Second) // cycle sleeps this long before it starts
						// The heap as of the latest GC 4 s into the cycle:
						// what a cycle keeps live while it runs.
						go func() {
							time.Sleep(4 * time.Second)
							in.saveProfile("/debug/pprof/heap", filepath.Join(profiles, store+".midcycle.heap.pprof"))
						}()
						cpuProfile <- in.saveProfile("/debug/pprof/profile?seconds=15", filepath.Join(profiles, store+".cpu.pprof"))
					}()
				}
			}
			res, err := in.cycle(p, fx, gen)
			if cpuProfile != nil {
				if err := <-cpuProfile; err != nil {
					return nil, err
				}
			}
			if err != nil {
				return nil, fmt.Errorf("round %d %s: %w", r+1, sc, err)
			}
			fmt.Printf("%s round %d %s: cycle %.2f s (polls done %.2f s), cpu %.2f s + redis %.2f s, rss %d MiB + files %d MiB (together %d MiB), redis %d MiB, renders max %d total %d\n",
				store, r+1, sc, res.Cycle.Seconds(), res.Polled.Seconds(), res.CPU, res.StoreCPU, res.HWM>>20, res.Files>>20, res.Total>>20, res.StoreHWM>>20, res.RendersMax, res.Renders)
			out[sc] = append(out[sc], res)
		}
	}
	if profiles != "" {
		if err := in.saveProfile("/debug/pprof/heap?gc=1", filepath.Join(profiles, store+".heap.pprof")); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func start(p plan, fx *fixture, store, bin, dir string) (*instance, error) {
	in := &instance{client: &http.Client{Timeout: 10 * time.Minute}}
	e := endpoints{ContentDir: filepath.Join(dir, "feeds"), URL: fx.url}
	var err error
	if e.Listen, err = benchrun.FreeAddr(); err != nil {
		return nil, err
	}
	if e.OpsListen, err = benchrun.FreeAddr(); err != nil {
		return nil, err
	}
	if store == "redis" {
		var addr string
		if in.redis, addr, err = benchrun.StartRedis(context.Background(), dir); err != nil {
			return nil, err
		}
		e.RedisURL = "redis://" + addr + "/0"
	} else if store != "memory" {
		return nil, fmt.Errorf("unknown store %q (memory, redis, miniflux)", store)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(p.config(e)), 0o644); err != nil {
		in.stop()
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "syndicate.log"))
	if err != nil {
		in.stop()
		return nil, err
	}
	defer logf.Close()
	syn := exec.Command(bin, "serve", "--config", cfg)
	syn.Stdout, syn.Stderr = logf, logf
	if in.syn, err = benchrun.Start(syn); err != nil {
		in.stop()
		return nil, err
	}
	in.public, in.ops = "http://"+e.Listen, "http://"+e.OpsListen
	if err := benchrun.WaitDial(context.Background(), in.syn, e.OpsListen, 30*time.Second); err != nil {
		in.stop()
		return nil, fmt.Errorf("syndicate did not start (see %s): %w", logf.Name(), err)
	}
	return in, nil
}

// stop ends the processes this instance started, by their pids.
func (in *instance) stop() {
	in.syn.Stop()
	in.redis.Stop()
}

// cycle asks for one polling cycle of every source and measures it until
// every section shows generation gen's newest items.
func (in *instance) cycle(p plan, fx *fixture, gen int) (result, error) {
	var res result
	time.Sleep(time.Second) // let the last cycle's stragglers (GC, store writes) pass
	renders0, err := in.renders()
	if err != nil {
		return res, err
	}
	pid, rpid := in.syn.Pid(), in.redisPid()
	cpu0, _ := procstat.CPU(pid)
	rcpu0 := 0.0
	if rpid > 0 {
		rcpu0, _ = procstat.CPU(rpid)
		procstat.ResetPeak(rpid)
	}
	if err := procstat.ResetPeak(pid); err != nil {
		return res, fmt.Errorf("reset VmHWM: %w", err)
	}
	peaks := procstat.Sample(pid, 50*time.Millisecond)
	fx.reset()
	start := time.Now()
	polled := make(chan error, 1)
	go func() {
		err := in.poll()
		res.Polled = time.Since(start)
		polled <- err
	}()
	// A failed poll leaves its section short of the final items for good:
	// the run stops at once rather than waiting out the timeout.
	stop := make(chan struct{})
	finalErr := make(chan error, 1)
	go func() { finalErr <- in.waitFinal(p, gen, cycleTimeout, stop) }()
	var final time.Duration
	for pending := 2; pending > 0; pending-- {
		select {
		case err := <-polled:
			if err != nil {
				close(stop)
				<-finalErr
				return res, err
			}
		case err := <-finalErr:
			if err != nil {
				return res, err
			}
			final = time.Since(start)
		}
	}
	res.Cycle = max(final, res.Polled)
	cpu1, _ := procstat.CPU(pid)
	res.CPU = cpu1 - cpu0
	if rpid > 0 {
		rcpu1, _ := procstat.CPU(rpid)
		res.StoreCPU = rcpu1 - rcpu0
		res.StoreHWM, _ = procstat.PeakRSS(rpid)
	}
	if n := fx.served.Load(); n != int64(p.Sources) {
		return res, fmt.Errorf("the fixture answered %d requests, want %d", n, p.Sources)
	}
	time.Sleep(time.Second) // renders after the final state would count too
	res.HWM, _ = procstat.PeakRSS(pid)
	pk := peaks()
	res.Files, res.Total = pk.Files, pk.Total
	renders1, err := in.renders()
	if err != nil {
		return res, err
	}
	for _, slug := range p.slugs() {
		n := int(renders1[slug] - renders0[slug])
		res.Renders += n
		res.RendersMax = max(res.RendersMax, n)
	}
	return res, nil
}

func (in *instance) redisPid() int {
	if in.redis == nil {
		return 0
	}
	return in.redis.Pid()
}

// poll runs POST /api/v1/poll, which answers when every poll is done.
func (in *instance) poll() error {
	resp, err := in.client.Post(in.ops+"/api/v1/poll", "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct{ Sources, Failed int }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return fmt.Errorf("POST /api/v1/poll: %s: %v", resp.Status, err)
	}
	if out.Failed > 0 {
		return fmt.Errorf("POST /api/v1/poll: %d of %d polls failed", out.Failed, out.Sources)
	}
	return nil
}

// waitFinal polls every section's feed.json until each lists exactly the
// newest items of generation gen.
func (in *instance) waitFinal(p plan, gen int, timeout time.Duration, stop <-chan struct{}) error {
	etags := map[string]string{}
	left := map[string][]string{}
	for _, slug := range p.slugs() {
		left[slug] = p.expected(slug, gen)
	}
	deadline := time.Now().Add(timeout)
	for len(left) > 0 {
		for slug, want := range left {
			got, etag, err := in.feedItems(slug, etags[slug])
			if err != nil {
				continue // not served yet
			}
			if got != nil {
				etags[slug] = etag
				if slices.Equal(got, want) {
					delete(left, slug)
				}
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sections not final after %v: %v", timeout, slices.Sorted(maps.Keys(left)))
		}
		select {
		case <-stop:
			return fmt.Errorf("stopped")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// feedItems is the paths of the items section slug's JSON Feed lists, or
// nil when it still has ETag etag.
func (in *instance) feedItems(slug, etag string) ([]string, string, error) {
	req, _ := http.NewRequest("GET", in.public+"/"+slug+"/feed.json", nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil, etag, nil
	case http.StatusOK:
	default:
		return nil, "", fmt.Errorf("%s", resp.Status)
	}
	var doc struct {
		Items []struct {
			URL string `json:"url"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, "", err
	}
	paths := make([]string, 0, len(doc.Items))
	for _, it := range doc.Items {
		u, err := url.Parse(it.URL)
		if err != nil {
			return nil, "", err
		}
		paths = append(paths, u.Path)
	}
	return paths, resp.Header.Get("ETag"), nil
}

// renders reads how many times each section was rendered from /metrics.
func (in *instance) renders() (map[string]float64, error) {
	resp, err := in.client.Get(in.ops + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return parseRenderCounts(string(b)), nil
}

// parseRenderCounts picks the render histogram's per-section counts out of
// the Prometheus text format.
func parseRenderCounts(text string) map[string]float64 {
	out := map[string]float64{}
	const prefix = `syndicate_render_duration_seconds_count{section="`
	for line := range strings.Lines(text) {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		slug, val, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		if n, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[slug] = n
		}
	}
	return out
}

// saveProfile writes what the pprof route at path answers to file.
func (in *instance) saveProfile(path, file string) error {
	return benchrun.SaveProfile(in.client, in.ops+path, file)
}
