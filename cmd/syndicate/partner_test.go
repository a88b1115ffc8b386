package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"syndicate/internal/config"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPartnerCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	data, err := os.ReadFile("../../config.toml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, data, 0o640)

	code, out, errOut := runCmd(t, "partner", "add", "wire-co", "--name", "Wire Co", "--sections", "latest", "--content", "summary", "--rate", "30", "--config", path)
	if code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	token := regexp.MustCompile(`(?m)^    ([A-Za-z0-9_-]{43})$`).FindStringSubmatch(out)
	if token == nil {
		t.Fatalf("add printed no token:\n%s", out)
	}
	lines := out[strings.Index(out, "[[partner]]"):]
	if !strings.Contains(lines, `token_sha256 = "`+config.TokenHash(token[1])+`"`) || strings.Contains(lines, token[1]) {
		t.Errorf("lines to paste must hold the token's hash, not the token:\n%s", lines)
	}
	if !strings.Contains(out, "/p/"+token[1]+"/latest/rss.xml") {
		t.Errorf("add printed no partner URL:\n%s", out)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
		t.Error("add wrote to the config file")
	}
	os.WriteFile(path, append(append(data, '\n'), lines...), 0o640)

	if code, out, _ := runCmd(t, "partner", "list", "--config", path); code != 0 || !regexp.MustCompile(`wire-co\s+Wire Co\s+active\s+summary\s+30/min\s+latest`).MatchString(out) {
		t.Errorf("list: %d\n%s", code, out)
	}
	if code, out, errOut := runCmd(t, "partner", "revoke", "wire-co", "--config", path); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %s %s", code, out, errOut)
	}
	cfg, err := config.Load(path)
	if err != nil || !cfg.Partner("wire-co").Revoked {
		t.Fatalf("after revoke: %v, %+v", err, cfg)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("revoke changed the file's mode to %v", info.Mode().Perm())
	}
	if after, _ := os.ReadFile(path); string(after) != strings.Replace(string(data)+"\n"+lines, "id = \"wire-co\"\n", "id = \"wire-co\"\nrevoked = true\n", 1) {
		t.Errorf("revoke changed more than one line:\n%s", after)
	}
	if _, out, _ := runCmd(t, "partner", "list", "--config", path); !strings.Contains(out, "revoked") {
		t.Errorf("list after revoke:\n%s", out)
	}
	if code, out, _ := runCmd(t, "partner", "revoke", "wire-co", "--config", path); code != 0 || !strings.Contains(out, "already revoked") {
		t.Errorf("second revoke: %d %s", code, out)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"partner", "add", "x", "--sections", "nowhere", "--config", path}, `unknown section "nowhere"`},
		{[]string{"partner", "add", "wire-co", "--sections", "latest", "--config", path}, `duplicate partner "wire-co"`},
		{[]string{"partner", "add", "--sections", "latest", "--config", path}, "an ID is required"},
		{[]string{"partner", "revoke", "nobody", "--config", path}, `no partner "nobody"`},
		{[]string{"partner", "rename"}, `unknown command "rename"`},
	} {
		code, out, errOut := runCmd(t, tt.args...)
		if code == 0 || !strings.Contains(errOut, tt.want) || strings.Contains(out, "token_sha256") {
			t.Errorf("%v: %d, stderr %q, want it to say %q", tt.args, code, errOut, tt.want)
		}
	}
}

// serve takes a partner added with `partner add`, and its revocation, from
// the file, and takes SIGHUP as a reload, not as the end it is by default
// (internal/app's TestPartnerReloadOnSIGHUP shows the signal alone
// reloads).
func TestServeReloadsPartners(t *testing.T) {
	addr := freeAddr(t)
	dir := sampleCopy(t, addr)
	path := filepath.Join(dir, "config.toml")
	stop := startServe(t, dir, addr)
	defer stop()

	_, out, errOut := runCmd(t, "partner", "add", "wire-co", "--sections", "latest", "--config", path)
	token := regexp.MustCompile(`(?m)^    ([A-Za-z0-9_-]{43})$`).FindStringSubmatch(out)
	if token == nil {
		t.Fatalf("add: %s %s", out, errOut)
	}
	feed := "http://" + addr + "/p/" + token[1] + "/latest/rss.xml"
	if code, _ := get(t, feed); code != 404 {
		t.Fatalf("before the lines are pasted: %d", code)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\n" + out[strings.Index(out, "[[partner]]"):])
	f.Close()
	waitCode(t, feed, 200)
	runCmd(t, "partner", "revoke", "wire-co", "--config", path)
	waitCode(t, feed, 404)

	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte("revoked = true\n"), nil, 1), 0o644)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitCode(t, feed, 200)
}

func waitCode(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := get(t, url)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %d, want %d", strings.Split(url, "/p/")[0], code, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
