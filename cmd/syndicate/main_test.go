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
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"syndicate/internal/slug"
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
	// Waiting is not timing: under the race detector, beside other
	// packages' tests, the first render can take many seconds.
	deadline := time.Now().Add(60 * time.Second)
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

	for _, path := range []string{"/", "/opml.xml", "/latest/rss.xml", "/asia/atom.xml", "/middle-east/feed.json", "/washington/", "/analysis/rss.xml",
		"/tag/iran/rss.xml", "/tag/strait-of-hormuz/", "/author/leila-haddad/feed.json", "/tags/", "/authors/", "/tags/opml.xml"} {
		if code, _ := get(t, base+path); code != 200 {
			t.Errorf("GET %s = %d", path, code)
		}
	}

	// An edit on disk reaches the feed without a restart, within 5 seconds
	// (the watcher looks every 200ms; the rest is a render). A busy
	// machine can stall one render, so an edit that takes longer is made
	// again and timed anew, and only two slow edits fail the test.
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
	original, _ := os.ReadFile(asiaFile)
	// Its first tag's feed is rendered on demand: requested now, it is
	// kept, and the edit must make the server render it again.
	tag := regexp.MustCompile(`(?m)^tags = \["([^"]+)"`).FindSubmatch(original)
	if tag == nil {
		t.Fatal("the asia article has no tags")
	}
	tagFeed := base + "/tag/" + slug.Make(string(tag[1])) + "/atom.xml"
	if code, _ := get(t, tagFeed); code != 200 {
		t.Fatalf("GET %s = %d", tagFeed, code)
	}
	edit := func(round int) time.Duration {
		marker := fmt.Sprintf("Revised %d: ", round)
		edited := strings.Replace(string(original), "\ntitle = \"", "\ntitle = \""+marker, 1)
		start := time.Now()
		if err := os.WriteFile(asiaFile, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		for {
			_, body := get(t, base+"/asia/atom.xml")
			if _, tagged := get(t, tagFeed); bytes.Contains(body, []byte(marker)) && bytes.Contains(tagged, []byte(marker)) {
				return time.Since(start)
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("edit %d not served within 30s", round)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	const limit = 5 * time.Second
	if first := edit(1); first > limit {
		if second := edit(2); second > limit {
			t.Errorf("edits served %v and %v after the write, want within %v", first, second, limit)
		}
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
		"/tag/iran/atom.xml":     "tag/iran/atom.xml",
		"/tag/iran/":             "tag/iran/index.html",
		"/author/leila-haddad/":  "author/leila-haddad/index.html",
		"/tags/":                 "tags/index.html",
		"/authors/opml.xml":      "authors/opml.xml",
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

// TestCheckSlugCollisions: two tags, or two authors, whose names share a
// slug are reported at both articles' lines.
func TestCheckSlugCollisions(t *testing.T) {
	dir := sampleCopy(t, "127.0.0.1:8080")
	article := func(name, id, tags, author string) string {
		file := filepath.Join(dir, "feeds", name)
		text := "+++\nid = \"" + id + "\"\ntitle = \"T\"\nstandfirst = \"S\"\npublished = 2026-10-01T00:00:00Z\nsections = [\"asia\"]\n" +
			"tags = [" + tags + "]\n\n[[authors]]\nname = \"Leila Haddad\"\n\n[[authors]]\nname = \"" + author + "\"\n+++\nbody\n"
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
	first := article("zz-1.md", "zz-1", `"C++", "Shipping"`, "Lee Jae-myung")
	second := article("zz-2.md", "zz-2", `"shipping", "C#"`, "Lee Jae Myung")
	article("zz-3.md", "zz-3", `"C#"`, "Lee Jae-myung")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"check", "--config", filepath.Join(dir, "config.toml")}, &out, io.Discard); code != 1 {
		t.Fatalf("check with colliding names exited %d, want 1: %s", code, out.String())
	}
	for _, want := range []string{
		// C# (two articles) is the tag's name; C++ is reported where it
		// is written, with the first article, newest first, to spell C#.
		first + `:7: tag "C++" and tag "C#" (` + second + `:7) share the slug "c"`,
		second + `:13: author "Lee Jae Myung" and author "Lee Jae-myung" (` + first + `:13) share the slug "lee-jae-myung"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(strings.ToLower(out.String()), "shipping") {
		t.Errorf("Shipping and shipping differ in case only, yet were reported:\n%s", out.String())
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

// With ops_listen, serve answers the operator routes there, behind the
// token from the environment, and 404 on the public listener.
func TestServeOpsListener(t *testing.T) {
	addr, opsAddr := freeAddr(t), freeAddr(t)
	for opsAddr == addr {
		opsAddr = freeAddr(t)
	}
	dir := sampleCopy(t, addr)
	cfg := filepath.Join(dir, "config.toml")
	text, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(text), "[server]\n", fmt.Sprintf("[server]\nops_listen = %q\n", opsAddr), 1)), 0o644)
	t.Setenv("SYNDICATE_OPS_TOKEN", "s3rve-t0ken")
	stop := startServe(t, dir, addr)
	defer stop()

	authed := func(url string) int {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer s3rve-t0ken")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, path := range []string{"/readyz", "/status", "/api/v1/sources", "/metrics", "/debug/pprof/"} {
		if code, _ := get(t, "http://"+addr+path); code != 404 {
			t.Errorf("public %s: %d, want 404", path, code)
		}
		if code, _ := get(t, "http://"+opsAddr+path); code != 401 {
			t.Errorf("operator %s without the token: %d, want 401", path, code)
		}
		if code := authed("http://" + opsAddr + path); code != 200 {
			t.Errorf("operator %s: %d, want 200", path, code)
		}
	}
	if code, _ := get(t, "http://"+opsAddr+"/healthz"); code != 200 {
		t.Errorf("operator /healthz: %d", code)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || resp.Header.Get("Referrer-Policy") == "" {
		t.Errorf("index page: Content-Security-Policy %q, Referrer-Policy %q", csp, resp.Header.Get("Referrer-Policy"))
	}
	// Headers beyond 64 KiB are refused.
	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("x", 80<<10))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("an 80 KiB header: %v %v, want 431", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestApplyGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	t.Setenv("GOGC", "")
	if !applyGCPercent(40) || debug.SetGCPercent(100) != 40 {
		t.Fatal("gc_percent 40 not applied")
	}
	t.Setenv("GOGC", "200")
	if applyGCPercent(40) || debug.SetGCPercent(100) != 100 {
		t.Fatal("with GOGC set, gc_percent changed the collector's percent")
	}
}

func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	t.Setenv("GOMEMLIMIT", "")

	if applyMemoryLimit(0) || debug.SetMemoryLimit(-1) != before {
		t.Fatalf("memory_limit 0 changed the limit to %d", debug.SetMemoryLimit(-1))
	}
	if set := applyMemoryLimit(96 << 20); !set || debug.SetMemoryLimit(-1) != 96<<20 {
		t.Fatalf("memory_limit 96 MiB: set %v, limit now %d", set, debug.SetMemoryLimit(-1))
	}
	t.Setenv("GOMEMLIMIT", "200MiB")
	if applyMemoryLimit(64<<20) || debug.SetMemoryLimit(-1) != 96<<20 {
		t.Fatalf("with GOMEMLIMIT set, memory_limit changed the limit to %d", debug.SetMemoryLimit(-1))
	}
}
