// Command loadtest measures how fast `syndicate serve` answers feed
// requests against nginx serving the same bytes as static files, side by
// side on this machine: `make loadtest`. Each server is pinned to one core
// (Syndicate with GOMAXPROCS=1) and wrk to the other; rounds alternate
// between the two servers so that a busy machine slows both alike.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"syndicate/internal/benchrun"
)

type options struct {
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	connections int
	articles    int
	serverCPU   int
	clientCPU   int
	keep        bool
	only        string   // run only the cases whose name contains this
	compare     []string // --fast-path modes of further syndicate instances measured alongside
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each wrk run (whole seconds)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured run against each server before the rounds (0 for none)")
	flag.IntVar(&o.rounds, "rounds", 3, "alternating rounds per case; medians are reported")
	flag.IntVar(&o.connections, "connections", 64, "concurrent connections wrk keeps open")
	flag.IntVar(&o.articles, "articles", 50, "synthetic articles in the measured section")
	flag.IntVar(&o.serverCPU, "server-cpu", 0, "core both servers are pinned to")
	flag.IntVar(&o.clientCPU, "client-cpu", 1, "core wrk is pinned to")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (site, export, nginx config)")
	flag.StringVar(&o.only, "only", "", `measure only the cases whose name contains this, e.g. "latest" or "304"`)
	flag.Func("compare", "further syndicate instances to measure alongside, by --fast-path mode (see syndicate help), comma-separated: e.g. off,no-sendfile", func(v string) error {
		o.compare = append(o.compare, strings.Split(v, ",")...)
		return nil
	})
	flag.Parse()
	if o.duration < time.Second || o.rounds < 1 || o.connections < 1 || o.articles < 1 {
		fmt.Fprintln(os.Stderr, "loadtest: -duration must be at least 1s, -rounds, -connections and -articles at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// server is one side of the comparison.
type server struct {
	name string
	pid  int               // the process that answers: nginx's worker, syndicate
	base string            // http://127.0.0.1:port
	etag map[string]string // path -> ETag of the identity representation
}

// testCase is a path requested one way.
type testCase struct {
	path, variant string
}

func (c testCase) String() string { return strings.TrimPrefix(c.path, "/") + " " + c.variant }

// header is the request header wrk sends for the case; a 304 needs the
// server's own ETag, since nginx makes its tags from file size and time.
func (c testCase) header(s *server) string {
	switch c.variant {
	case "gzip":
		return "Accept-Encoding: gzip"
	case "br":
		// As browsers send it: brotli is preferred when both are taken.
		return "Accept-Encoding: gzip, deflate, br"
	case "304":
		return "If-None-Match: " + s.etag[c.path]
	}
	return ""
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if err := ensureTools(ctx, stderr); err != nil {
		return err
	}
	repo, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if _, err := os.Stat(filepath.Join(repo, "cmd", "syndicate")); err != nil {
		return fmt.Errorf("loadtest: run me from the repository root (make loadtest): %w", err)
	}
	dir, cleanup, err := benchrun.WorkDir("syndicate-loadtest-", o.keep, stderr)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	defer cleanup()
	// nginx's worker may run as another user; it must reach the export.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}

	bin, err := benchrun.BuildSyndicate(ctx, dir, stderr)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	config, err := writeSite(repo, filepath.Join(dir, "site"), o.articles)
	if err != nil {
		return err
	}
	// Every server publishes under one base URL, so that their bytes match.
	baseEnv := "SYNDICATE_BASE_URL=http://loadtest.example"
	export := filepath.Join(dir, "www")
	if err := command(ctx, stderr, []string{baseEnv}, bin, "build", "--config", config, "--out", export); err != nil {
		return err
	}

	var ps procs
	defer ps.stopAll()
	logs, err := os.Create(filepath.Join(dir, "servers.log"))
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	defer logs.Close()
	cpu := strconv.Itoa(o.serverCPU)
	nginx, err := startNginx(ctx, &ps, dir, export, cpu, logs)
	if err != nil {
		return errors.Join(err, fmt.Errorf("loadtest: server logs in %s", logs.Name()))
	}
	servers := []*server{nginx}
	for _, mode := range append([]string{"on"}, o.compare...) {
		s, err := startSyndicate(ctx, &ps, bin, config, mode, []string{baseEnv}, cpu, logs)
		if err != nil {
			return errors.Join(err, fmt.Errorf("loadtest: server logs in %s", logs.Name()))
		}
		servers = append(servers, s)
	}

	var cases []testCase
	for _, p := range []string{"/latest/rss.xml", "/" + syntheticSection + "/rss.xml"} {
		for _, v := range []string{"plain", "gzip", "br", "304"} {
			cases = append(cases, testCase{p, v})
		}
	}
	if err := verify(ctx, servers, cases, stderr); err != nil {
		return err
	}
	cases = slices.DeleteFunc(cases, func(c testCase) bool { return !strings.Contains(c.String(), o.only) })
	if len(cases) == 0 {
		return fmt.Errorf("loadtest: no case matches -only %q", o.only)
	}

	runWrk := func(s *server, c testCase, d time.Duration) (wrkResult, error) {
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, "taskset", wrkArgs(o.clientCPU, o.connections, d, c.header(s), s.base+c.path)...)
		cmd.Stdout, cmd.Stderr = &out, &out
		cpu0, err := cpuTime(s.pid)
		if err != nil {
			return wrkResult{}, err
		}
		if err := cmd.Run(); err != nil {
			return wrkResult{}, fmt.Errorf("loadtest: wrk %s %s: %w\n%s", s.name, c, err, out.String())
		}
		cpu1, err := cpuTime(s.pid)
		if err != nil {
			return wrkResult{}, err
		}
		r, err := parseWrk(out.String())
		if r.Requests > 0 {
			r.CPUPerRequest = (cpu1 - cpu0) / time.Duration(r.Requests)
		}
		if err == nil && r.Bad > 0 {
			err = fmt.Errorf("loadtest: wrk %s %s: %d responses were neither 2xx nor 3xx", s.name, c, r.Bad)
		}
		if dead := ps.anyExited(); dead != "" {
			err = errors.Join(err, fmt.Errorf("loadtest: %s exited during the run; server logs in %s", dead, logs.Name()))
		}
		return r, err
	}
	if o.warmup > 0 {
		fmt.Fprintln(stderr, "loadtest: warming up")
		for _, s := range servers {
			if _, err := runWrk(s, cases[0], max(o.warmup, time.Second)); err != nil {
				return err
			}
		}
	}
	// results[case][server] holds one run per round.
	results := make([][][]wrkResult, len(cases))
	for i := range results {
		results[i] = make([][]wrkResult, len(servers))
	}
	for r := range o.rounds {
		for i, c := range cases {
			// Rotate which server goes first, so that none is always
			// measured right after another warmed the caches.
			for k := range servers {
				j := (k + r) % len(servers)
				s := servers[j]
				res, err := runWrk(s, c, o.duration)
				if err != nil {
					return err
				}
				if res.SocketErrors > 0 {
					fmt.Fprintf(stderr, "loadtest: %s %s: %d socket errors\n", s.name, c, res.SocketErrors)
				}
				fmt.Fprintf(stderr, "round %d %-20s %-32s %7.0f req/s  p99 %-9s %5.1f µs CPU/req\n",
					r+1, c, s.name, res.RequestsPerSec, roundLatency(res.P99), micros(res.CPUPerRequest))
				results[i][j] = append(results[i][j], res)
			}
		}
	}

	fmt.Fprintf(stdout, "\n%s; %d rounds of %s, %d connections, medians; servers on core %d, wrk on core %d\n",
		cpuModel(), o.rounds, o.duration, o.connections, o.serverCPU, o.clientCPU)
	var rows []row
	for i, c := range cases {
		for j, s := range servers {
			rows = append(rows, row{c.String(), s.name, summarize(results[i][0], results[i][j])})
		}
	}
	printSummary(stdout, rows)
	return nil
}

// startNginx writes the configuration and starts nginx serving export.
func startNginx(ctx context.Context, ps *procs, dir, export, cpu string, logs io.Writer) (*server, error) {
	addr, err := benchrun.FreeAddr()
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	nginxDir := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(filepath.Join(nginxDir, "tmp"), 0o755); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "root"
	}
	if err := os.WriteFile(filepath.Join(nginxDir, "nginx.conf"), []byte(nginxConfig(export, addr, user, brotliStaticModule)), 0o644); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	cmd, err := ps.start("taskset", nil, logs, "-c", cpu, "nginx", "-e", "stderr", "-p", nginxDir, "-c", "nginx.conf")
	if err != nil {
		return nil, err
	}
	if err := benchrun.WaitReady(ctx, cmd, "http://"+addr+"/", 30*time.Second); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	worker, err := onlyChild(cmd.Pid())
	if err != nil {
		return nil, err
	}
	return &server{name: "nginx", pid: worker, base: "http://" + addr, etag: map[string]string{}}, nil
}

// startSyndicate starts syndicate serve with the given --fast-path mode.
func startSyndicate(ctx context.Context, ps *procs, bin, config, mode string, env []string, cpu string, logs io.Writer) (*server, error) {
	addr, err := benchrun.FreeAddr()
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	env = append([]string{"GOMAXPROCS=1", "SYNDICATE_LISTEN=" + addr}, env...)
	cmd, err := ps.start("taskset", env, logs, "-c", cpu, bin, "serve", "--config", config, "--fast-path="+mode)
	if err != nil {
		return nil, err
	}
	if err := benchrun.WaitReady(ctx, cmd, "http://"+addr+"/readyz", 30*time.Second); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	name := "syndicate"
	if mode != "on" {
		name += " --fast-path=" + mode
	}
	return &server{name: name, pid: cmd.Pid(), base: "http://" + addr, etag: map[string]string{}}, nil
}

// verify checks that all servers answer every case with the same status
// and byte-identical bodies before anything is measured, and records each
// server's ETags for the 304 case.
func verify(ctx context.Context, servers []*server, cases []testCase, stderr io.Writer) error {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(s *server, c testCase) (int, string, []byte, http.Header, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.base+c.path, nil)
		if h := c.header(s); h != "" {
			k, v, _ := strings.Cut(h, ": ")
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", nil, nil, fmt.Errorf("loadtest: verify %s %s: %w", s.name, c, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Encoding"), b, resp.Header, err
	}
	for _, c := range cases {
		var first []byte
		for i, s := range servers {
			code, enc, b, h, err := get(s, c)
			if err != nil {
				return err
			}
			want, wantEnc := http.StatusOK, ""
			switch c.variant {
			case "304":
				want = http.StatusNotModified
			case "gzip", "br":
				wantEnc = c.variant
			}
			if code != want || enc != wantEnc {
				return fmt.Errorf("loadtest: verify %s %s: status %d encoding %q, want %d %q", s.name, c, code, enc, want, wantEnc)
			}
			if c.variant == "plain" {
				s.etag[c.path] = h.Get("Etag")
			}
			if i == 0 {
				first = b
			} else if !bytes.Equal(first, b) {
				return fmt.Errorf("loadtest: verify %s: %s sent %d bytes, %s %d bytes that differ", c, servers[0].name, len(first), s.name, len(b))
			}
		}
		fmt.Fprintf(stderr, "loadtest: %-24s identical (%d bytes)\n", c, len(first))
	}
	return nil
}

// ensureTools installs nginx, its brotli_static module and wrk with
// apt-get when they are missing.
func ensureTools(ctx context.Context, stderr io.Writer) error {
	packages := map[string]string{"nginx": "nginx", "wrk": "wrk", "taskset": "util-linux"}
	var missing []string
	for _, tool := range []string{"nginx", "wrk", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, packages[tool])
		}
	}
	if _, err := os.Stat(brotliStaticModule); err != nil {
		missing = append(missing, "libnginx-mod-http-brotli-static")
	}
	if len(missing) == 0 {
		return nil
	}
	fmt.Fprintln(stderr, "loadtest: installing", strings.Join(missing, " "))
	if err := command(ctx, stderr, nil, "apt-get", "update"); err != nil {
		return err
	}
	return command(ctx, stderr, []string{"DEBIAN_FRONTEND=noninteractive"}, "apt-get", append([]string{"install", "-y"}, missing...)...)
}

// command runs a short command to completion, its output to stderr.
func command(ctx context.Context, stderr io.Writer, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("loadtest: %s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// cpuModel names the machine for the report.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	model, n := "unknown CPU", 0
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			model = strings.TrimSpace(v)
		case "processor":
			n++
		}
	}
	return fmt.Sprintf("%s, %d cores", model, n)
}
