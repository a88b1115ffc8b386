package benchrun

import (
	"context"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syndicate/internal/redistest"
)

func TestStartRedis(t *testing.T) {
	redistest.Require(t) // skips without redis-server, fails under CI=true
	p, addr, err := StartRedis(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := redistest.WaitReady(addr, 0); err != nil {
		t.Fatalf("a started redis-server does not answer: %v", err)
	}
	p.Stop()
	if !p.Exited() {
		t.Fatal("Stop returned with redis-server still running")
	}
	if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		c.Close()
		t.Error("a stopped redis-server still accepts connections")
	}
	p.Stop() // twice is harmless
}

func TestStop(t *testing.T) {
	defer func(g time.Duration) { stopGrace = g }(stopGrace)
	stopGrace = 300 * time.Millisecond
	for _, tc := range []struct {
		name   string
		script string
		atMost time.Duration // how long Stop may take
	}{
		{"ends on SIGTERM", "exec sleep 30", 250 * time.Millisecond},
		// SIGTERM ignored: killed once the grace has passed.
		{"killed after the grace", "trap '' TERM; echo up; while :; do sleep 0.05; done", 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("sh", "-c", tc.script)
			out, _ := cmd.StdoutPipe()
			p, err := Start(cmd)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tc.script, "echo up") {
				buf := make([]byte, 3)
				out.Read(buf) // the trap is set once the shell says so
			}
			if p.Exited() {
				t.Fatal("exited at once")
			}
			start := time.Now()
			p.Stop()
			if !p.Exited() {
				t.Fatal("Stop returned with the process running")
			}
			if d := time.Since(start); d > tc.atMost {
				t.Errorf("Stop took %v, want at most %v", d, tc.atMost)
			}
			if tc.atMost > stopGrace && time.Since(start) < stopGrace {
				t.Errorf("a process ignoring SIGTERM was killed before the grace of %v", stopGrace)
			}
		})
	}
	var nilProc *Proc
	nilProc.Stop() // nothing started: nothing to do
}

func TestWaitReady(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	closed, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		wait    func(p *Proc) error
		process string // script of a process to watch, if any
		wantErr string
	}{
		{"200 after two 503s", func(p *Proc) error { return WaitReady(ctx, p, srv.URL+"/readyz", 5*time.Second) }, "", ""},
		{"listener", func(p *Proc) error { return WaitDial(ctx, p, srv.Listener.Addr().String(), time.Second) }, "", ""},
		{"nothing listens", func(p *Proc) error { return WaitReady(ctx, p, "http://"+closed+"/", 200*time.Millisecond) }, "", "waited 200ms for a 200 from"},
		{"process exited", func(p *Proc) error { return WaitDial(ctx, p, closed, 10*time.Second) }, "exit 3", "sh -c exit 3 exited before a listener on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p *Proc
			if tc.process != "" {
				var err error
				if p, err = Start(exec.Command("sh", "-c", tc.process)); err != nil {
					t.Fatal(err)
				}
				defer p.Stop()
			}
			start := time.Now()
			err := tc.wait(p)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	if n := calls.Load(); n < 3 {
		t.Errorf("the server was asked %d times, want until its first 200 (3)", n)
	}
}

func TestBuildSyndicate(t *testing.T) {
	if testing.Short() {
		t.Skip("benchrun: builds the syndicate binary; skipped under -short")
	}
	var log strings.Builder
	bin, err := BuildSyndicate(context.Background(), t.TempDir(), &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("%s version: %v, %q", bin, err, out)
	}
}

func TestWorkDir(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(map[bool]string{false: "removed", true: "kept"}[keep], func(t *testing.T) {
			var out strings.Builder
			dir, cleanup, err := WorkDir("benchrun-test-", keep, &out)
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			if err := os.WriteFile(filepath.Join(dir, "log"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			cleanup()
			_, err = os.Stat(dir)
			if exists := err == nil; exists != keep {
				t.Errorf("after cleanup the directory exists: %v, want %v", exists, keep)
			}
			if printed := strings.Contains(out.String(), dir); printed != keep {
				t.Errorf("path printed: %v, want %v (%q)", printed, keep, out.String())
			}
		})
	}
}

// TestSetup: -bin names the binary to measure, so nothing is built, and
// -keep keeps the work directory.
func TestSetup(t *testing.T) {
	var s Setup
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	s.Flags(fs)
	if err := fs.Parse([]string{"-bin", "/opt/old/syndicate", "-keep"}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	work, bin, cleanup, err := s.Prepare(context.Background(), "benchrun-setup-", &out)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	cleanup()
	if bin != "/opt/old/syndicate" || strings.Contains(out.String(), "building") {
		t.Errorf("bin %q, output %q: want -bin's binary and no build", bin, out.String())
	}
	if _, err := os.Stat(work); err != nil {
		t.Errorf("-keep: the work directory is gone: %v", err)
	}
}
