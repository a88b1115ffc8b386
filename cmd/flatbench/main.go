// Command flatbench measures what a `syndicate serve` process costs to
// start on a Redis that already holds a grown archive: 1,000, 10,000 and
// 100,000 items of 100 sources over 50 sections (internal/archivefixture).
// For each size it fills a throwaway redis-server once, then starts the
// instance -rounds times and reports the medians of: the time from
// process start until GET /readyz answers 200, its peak resident memory
// over the start (VmHWM), and its resident memory (VmRSS) once every
// section's current page and feeds have been asked for once, each size's
// figure against the smallest size's as a ratio; beside them, the
// in-memory files its documents are in, which neither counts, and the
// peak of its VmRSS and files together, sampled from start until then. Run it with
// `make flatbench`; the per-operation costs (render, request, edit, and
// start-up on the memory store) are BenchmarkFlat and BenchmarkFlatRender
// in `make bench`.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"syndicate/internal/archivefixture"
	"syndicate/internal/benchrun"
	"syndicate/internal/procstat"
	"syndicate/internal/render"
)

func main() {
	rounds := flag.Int("rounds", 3, "starts measured per size")
	sizes := flag.String("items", "1000,10000,100000", "archive sizes to measure, comma-separated")
	flag.StringVar(&profiles, "pprof", "", "directory to write, for each size, the heap profile of its last start once every section was served")
	var setup benchrun.Setup
	setup.Flags(flag.CommandLine)
	flag.Parse()
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "flatbench: -items: %q is not a positive count\n", s)
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	if err := run(ns, *rounds, setup); err != nil {
		fmt.Fprintln(os.Stderr, "flatbench:", err)
		os.Exit(1)
	}
}

// profiles is where -pprof writes heap profiles; empty: none.
var profiles string

// result is one measured start.
type result struct {
	Ready    time.Duration // process start until /readyz answers 200
	HWM      int64         // peak resident bytes until then
	RSS      int64         // resident bytes once every section was served
	Files    int64         // bytes of its documents' in-memory files then, which RSS does not count
	Total    int64         // peak of its VmRSS and those files together, sampled from start until then
	RedisMem int64         // redis-server's resident bytes, holding the archive
}

func run(sizes []int, rounds int, setup benchrun.Setup) error {
	work, bin, cleanup, err := setup.Prepare(context.Background(), "flatbench-", os.Stdout)
	if err != nil {
		return err
	}
	defer cleanup()
	var medians []result
	for _, n := range sizes {
		rs, err := measureSize(n, rounds, bin, filepath.Join(work, strconv.Itoa(n)))
		if err != nil {
			return fmt.Errorf("%d items: %w", n, err)
		}
		medians = append(medians, median(rs))
	}
	limit := ""
	if setup.GoMemLimit != "" {
		limit = ", GOMEMLIMIT=" + setup.GoMemLimit
	}
	fmt.Printf("\nsyndicate serve on Redis holding N items of 100 sources over 50 sections%s; medians of %d starts\n", limit, rounds)
	fmt.Printf("%8s %9s %8s %9s %8s %9s %8s %10s %10s %10s\n", "items", "ready_s", "x_first", "hwm_MiB", "x_first", "rss_MiB", "x_first", "files_MiB", "total_MiB", "redis_MiB")
	for i, m := range medians {
		first := medians[0]
		fmt.Printf("%8d %9.2f %8.2f %9.0f %8.2f %9.0f %8.2f %10.0f %10.0f %10.0f\n", sizes[i],
			m.Ready.Seconds(), m.Ready.Seconds()/first.Ready.Seconds(),
			mib(m.HWM), float64(m.HWM)/float64(first.HWM),
			mib(m.RSS), float64(m.RSS)/float64(first.RSS), mib(m.Files), mib(m.Total), mib(m.RedisMem))
	}
	return nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// measureSize fills a redis-server of its own with n items and starts
// syndicate on it rounds times.
func measureSize(n, rounds int, bin, dir string) ([]result, error) {
	feeds := filepath.Join(dir, "feeds")
	if err := os.MkdirAll(feeds, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(feeds, "harbour-notes.md"), []byte(archivefixture.Article(0)), 0o644); err != nil {
		return nil, err
	}
	redis, redisAddr, err := benchrun.StartRedis(context.Background(), dir)
	if err != nil {
		return nil, err
	}
	defer redis.Stop()
	plan := archivefixture.New(n)
	listen, err := benchrun.FreeAddr()
	if err != nil {
		return nil, err
	}
	e := archivefixture.Endpoints{BaseURL: "http://" + listen, Listen: listen, RedisURL: "redis://" + redisAddr + "/0", ContentDir: feeds}
	if profiles != "" {
		if e.OpsListen, err = benchrun.FreeAddr(); err != nil {
			return nil, err
		}
	}
	cfgPath := filepath.Join(dir, "config.toml")
	t0 := time.Now()
	_, st, err := plan.Open(context.Background(), e, cfgPath)
	if err != nil {
		return nil, err
	}
	st.Close()
	redisRSS, _, _ := procstat.Memory(redis.Pid())
	fmt.Printf("%d items: Redis filled in %.1f s, %.0f MiB resident\n", n, time.Since(t0).Seconds(), mib(redisRSS))
	var out []result
	for r := range rounds {
		heap := ""
		if profiles != "" && r == rounds-1 {
			heap = filepath.Join(profiles, fmt.Sprintf("%d.heap.pprof", n))
		}
		ops := ""
		if e.OpsListen != "" {
			ops = "http://" + e.OpsListen
		}
		res, err := startOnce(bin, cfgPath, filepath.Join(dir, fmt.Sprintf("syndicate-%d.log", r+1)), "http://"+listen, ops, heap, plan)
		if err != nil {
			return nil, fmt.Errorf("start %d: %w", r+1, err)
		}
		res.RedisMem = redisRSS
		fmt.Printf("%d items, start %d: ready in %.2f s, peak %.0f MiB, %.0f MiB + %.0f MiB of files once every section was served, %.0f MiB with files at the most\n",
			n, r+1, res.Ready.Seconds(), mib(res.HWM), mib(res.RSS), mib(res.Files), mib(res.Total))
		out = append(out, res)
	}
	return out, nil
}

// startOnce starts syndicate, times it to /readyz 200, asks for every
// section's documents once and reads its memory, then stops it. ops is
// the operator listener's URL, if one is configured; when heap is given,
// the live heap is written there from ops, after the reading.
func startOnce(bin, cfgPath, logPath, base, ops, heap string, plan archivefixture.Plan) (result, error) {
	var res result
	logf, err := os.Create(logPath)
	if err != nil {
		return res, err
	}
	defer logf.Close()
	syn := exec.Command(bin, "serve", "--config", cfgPath)
	syn.Stdout, syn.Stderr = logf, logf
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	p, err := benchrun.Start(syn)
	if err != nil {
		return res, err
	}
	defer p.Stop()
	peaks := procstat.Sample(p.Pid(), 20*time.Millisecond)
	// With an operator listener, /readyz is served there only.
	ready := base + "/readyz"
	if ops != "" {
		ready = ops + "/readyz"
	}
	if err := benchrun.WaitReady(context.Background(), p, ready, 5*time.Minute); err != nil {
		return res, fmt.Errorf("%w (see %s)", err, logPath)
	}
	res.Ready = time.Since(start)
	pid := p.Pid()
	if _, res.HWM, err = procstat.Memory(pid); err != nil {
		return res, err
	}
	slugs := []string{"latest"}
	for k := range plan.Sections {
		slugs = append(slugs, plan.Section(k))
	}
	for _, slug := range slugs {
		for _, file := range append([]string{""}, render.FeedFormats...) {
			if url := base + "/" + slug + "/" + file; !benchrun.OK(context.Background(), client, url) {
				return res, fmt.Errorf("GET %s did not answer 200", url)
			}
		}
	}
	res.Files, _ = procstat.MemFileBytes(pid)
	res.Total = peaks().Total
	if res.RSS, _, err = procstat.Memory(pid); err != nil || heap == "" {
		return res, err
	}
	return res, benchrun.SaveProfile(client, ops+"/debug/pprof/heap?gc=1", heap)
}

// median is the median of each figure over rs, taken separately.
func median(rs []result) result {
	pick := func(f func(result) int64) int64 {
		xs := make([]int64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	return result{
		Ready:    time.Duration(pick(func(r result) int64 { return int64(r.Ready) })),
		HWM:      pick(func(r result) int64 { return r.HWM }),
		RSS:      pick(func(r result) int64 { return r.RSS }),
		Files:    pick(func(r result) int64 { return r.Files }),
		Total:    pick(func(r result) int64 { return r.Total }),
		RedisMem: pick(func(r result) int64 { return r.RedisMem }),
	}
}
