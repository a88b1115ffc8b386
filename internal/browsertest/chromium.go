// Package browsertest loads pages in a real headless Chromium for tests,
// and parses what the browser built, so that tests see the DOM a reader's
// browser sees rather than the bytes the server sent.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Timeout bounds one Chromium run. A page served from httptest loads in
// well under a second; the rest is Chromium starting on a busy machine.
const Timeout = 30 * time.Second

// Chromium returns the path of the Chromium binary. When there is none it
// skips the test, or fails it under CI=true, where skipping would hide
// that the browser tests never ran. Under -short it skips the test: a
// browser start costs seconds.
func Chromium(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browsertest: browser tests are skipped under -short")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if path, err := exec.LookPath("chromium"); err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("browsertest: chromium not installed, and CI=true forbids skipping: apt-get install -y chromium")
	}
	t.Skipf("browsertest: chromium not installed; apt-get install -y chromium")
	return ""
}

// DumpDOM loads url in headless Chromium and returns the document as the
// browser serialized it after loading.
func DumpDOM(t testing.TB, url string) string {
	t.Helper()
	out := run(t, "--dump-dom", url)
	if len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("browsertest: chromium dumped an empty DOM for %s", url)
	}
	return string(out)
}

// Screenshot loads url in a width×height window and saves a PNG at path.
func Screenshot(t testing.TB, url, path string, width, height int) {
	t.Helper()
	run(t, "--screenshot="+path, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), "--hide-scrollbars", url)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("browsertest: chromium wrote no screenshot of %s: %v", url, err)
	}
	if fi.Size() == 0 {
		t.Fatalf("browsertest: screenshot %s of %s is empty", path, url)
	}
}

// run starts Chromium with a profile of its own, so that runs share no
// state, and returns its standard output.
func run(t testing.TB, args ...string) []byte {
	t.Helper()
	bin := Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(),
	}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Chromium forks renderer and utility processes; a process group of
	// its own lets a timeout end them all, not only the parent.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		// Children that outlive the parent would keep writing into the
		// profile directory while the test removes it. The group is ours:
		// its id is the pid of the Chromium started above.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if ctx.Err() != nil {
		t.Fatalf("browsertest: chromium %v: no result within %v\n%s", args, Timeout, tail(stderr.Bytes()))
	}
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("browsertest: start chromium: %v", err)
		}
		t.Fatalf("browsertest: chromium %v: %v\n%s", args, err, tail(stderr.Bytes()))
	}
	return stdout.Bytes()
}

// tail keeps the end of Chromium's log, where the cause usually is.
func tail(b []byte) string {
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return fmt.Sprintf("--- chromium stderr (tail) ---\n%s", b)
}
