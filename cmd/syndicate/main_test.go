package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address nothing listens on yet.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// sampleCopy copies the repository's config and articles into a temp dir
// the test may edit, with the listen address and base URL given.
func sampleCopy(t *testing.T, addr string) string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := os.ReadFile("../../config.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(cfg), `listen = "127.0.0.1:8080"`, fmt.Sprintf("listen = %q", addr), 1)
	text = strings.Replace(text, `base_url = "http://127.0.0.1:8080"`, fmt.Sprintf("base_url = %q", "http://"+addr), 1)
	text = strings.Replace(text, `poll_interval = "1s"`, `poll_interval = "200ms"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "feeds"), os.DirFS("../../feeds")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// getEncoded fetches url with the given Accept-Encoding and returns the
// body as sent, still encoded.
func getEncoded(t *testing.T, url, acceptEncoding string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Encoding"); got != acceptEncoding {
		t.Errorf("%s: Content-Encoding %q, want %q", url, got, acceptEncoding)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startServe runs `syndicate serve` in-process and waits until it answers.
func startServe(t *testing.T, dir, addr string) (stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--config", filepath.Join(dir, "config.toml")}, io.Discard, &lockedWriter{w: &logs})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
}

func TestServeEditAndBuild(t *testing.T) {
	addr := freeAddr(t)
	dir := sampleCopy(t, addr)
	stop := startServe(t, dir, addr)
	base := "http://" + addr

	for _, path := range []string{"/", "/opml.xml", "/latest/rss.xml", "/asia/atom.xml", "/middle-east/feed.json", "/washington/", "/analysis/rss.xml"} {
		if code, _ := get(t, base+path); code != 200 {
			t.Errorf("GET %s = %d", path, code)
		}
	}

	// An edit on disk reaches the feed within 5 seconds, without a restart.
	files, _ := filepath.Glob(filepath.Join(dir, "feeds", "*.md"))
	var asiaFile string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), `"asia"`) {
			asiaFile = f
			break
		}
	}
	if asiaFile == "" {
		t.Fatal("no asia article in the sample")
	}
	text, _ := os.ReadFile(asiaFile)
	edited := strings.Replace(string(text), "\ntitle = \"", "\ntitle = \"Revised: ", 1)
	if err := os.WriteFile(asiaFile, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := get(t, base+"/asia/atom.xml")
		if bytes.Contains(body, []byte("Revised: ")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("edit not served within 5s")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// build writes byte-identical copies of what serve answers.
	out := t.TempDir()
	var buildOut bytes.Buffer
	if code := run(context.Background(), []string{"build", "--config", filepath.Join(dir, "config.toml"), "--out", out}, &buildOut, io.Discard); code != 0 {
		t.Fatalf("build exit %d: %s", code, buildOut.String())
	}
	for path, file := range map[string]string{
		"/":                      "index.html",
		"/asia/atom.xml":         "asia/atom.xml",
		"/latest/rss.xml":        "latest/rss.xml",
		"/middle-east/feed.json": "middle-east/feed.json",
		"/analysis/":             "analysis/index.html",
		"/opml.xml":              "opml.xml",
	} {
		for _, coding := range []struct{ accept, suffix string }{{"", ""}, {"gzip", ".gz"}, {"br", ".br"}} {
			served := getEncoded(t, base+path, coding.accept)
			built, err := os.ReadFile(filepath.Join(out, file+coding.suffix))
			if err != nil {
				t.Errorf("build did not write %s: %v", file+coding.suffix, err)
				continue
			}
			if !bytes.Equal(served, built) {
				t.Errorf("%s (Accept-Encoding: %s): built file differs from the served bytes", path, coding.accept)
			}
		}
	}
	for _, suffix := range []string{".gz", ".br"} {
		if _, err := os.Stat(filepath.Join(out, "media", "gulf-tanker.jpg"+suffix)); err == nil {
			t.Errorf("build wrote a %s copy of an image", suffix)
		}
	}

	if code := stop(); code != 0 {
		t.Errorf("serve exited %d after SIGTERM-equivalent cancel", code)
	}
}

func TestCheck(t *testing.T) {
	dir := sampleCopy(t, "127.0.0.1:8080")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"check", "--config", filepath.Join(dir, "config.toml")}, &out, io.Discard); code != 0 {
		t.Fatalf("check of the sample exited %d: %s", code, out.String())
	}
	if !strings.HasPrefix(out.String(), "ok: ") {
		t.Errorf("check output = %q", out.String())
	}

	bad := filepath.Join(dir, "feeds", "zz-bad.md")
	os.WriteFile(bad, []byte("+++\nid = \"zz-bad\"\ntitle = \"Bad\"\nstandfirst = \"x\"\npublished = 2026-10-01T00:00:00Z\nsections = [\"middle-eats\"]\n[[authors]]\nname = \"A\"\n+++\nbody\n"), 0o644)
	out.Reset()
	if code := run(context.Background(), []string{"check", "--config", filepath.Join(dir, "config.toml")}, &out, io.Discard); code != 1 {
		t.Errorf("check with a bad article exited %d, want 1", code)
	}
	if want := bad + `:6: unknown section "middle-eats"`; !strings.Contains(out.String(), want) {
		t.Errorf("check output %q lacks %q", out.String(), want)
	}

	cfg := filepath.Join(dir, "config.toml")
	text, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(text, []byte("\n[[section]]\nslug = \"asia\"\ntitle = \"Again\"\n")...), 0o644)
	out.Reset()
	if code := run(context.Background(), []string{"check", "--config", cfg}, &out, io.Discard); code != 1 {
		t.Errorf("check with a duplicate section exited %d", code)
	}
	if !strings.HasPrefix(out.String(), cfg+":") || !strings.Contains(out.String(), `: duplicate section "asia"`) {
		t.Errorf("config problem %q is not file:line: message", out.String())
	}
	// serve refuses the same config.
	if code := run(context.Background(), []string{"serve", "--config", cfg}, io.Discard, io.Discard); code != 1 {
		t.Errorf("serve with a bad config exited %d, want 1", code)
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, io.Discard); code != 0 || !strings.HasPrefix(out.String(), "syndicate ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("unknown command exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"build"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("build without --out exit %d, want 2", code)
	}
}
