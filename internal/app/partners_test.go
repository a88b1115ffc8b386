package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"syndicate/internal/audience"
	"syndicate/internal/config"
	"syndicate/internal/redistest"
)

// Tokens of the test's partners; only their hashes are in the config.
const (
	tokFull    = "full-token-4f1c9a"
	tokDigest  = "digest-token-77b2"
	tokSlow    = "slow-token-0d3e"
	tokRevoked = "revoked-token-aa90"
	tokLater   = "later-token-5c21"
)

func partnerTables() string {
	return fmt.Sprintf(`
[[partner]]
id = "wire"
name = "Wire Co"
token_sha256 = %q
sections = ["middle-east"]

[[partner]]
id = "digest"
token_sha256 = %q
sections = ["middle-east"]
tags = ["ports"]
content = "summary"

[[partner]]
id = "slow"
token_sha256 = %q
sections = ["middle-east"]
rate = 2

[[partner]]
id = "gone"
token_sha256 = %q
sections = ["middle-east"]
revoked = true
`, config.TokenHash(tokFull), config.TokenHash(tokDigest), config.TokenHash(tokSlow), config.TokenHash(tokRevoked))
}

const partnerSite = `
[site]
title = "Test Review"
base_url = "%s"
tag_authority = "news.example"
public_content = "summary"

[content]
dir = "feeds"
poll_interval = "100ms"

[log]
level = "debug"

[[section]]
slug = "middle-east"
title = "Middle East"
`

// partnerApp serves an instance from a config file on disk, watched for
// changes, logging at debug level into the returned buffer.
type partnerApp struct {
	app     *App
	url     string
	cfgPath string
	logs    *syncBuffer
	hup     chan os.Signal
}

func startPartnerApp(t *testing.T) *partnerApp { return startWatched(t, 50*time.Millisecond) }

// startWatched is startPartnerApp with the config file checked every
// interval.
func startWatched(t *testing.T, interval time.Duration) *partnerApp {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "feeds"), 0o755)
	os.WriteFile(filepath.Join(dir, "feeds", "gulf-ports.md"), []byte(testArticle), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	path := filepath.Join(dir, "config.toml")
	os.WriteFile(path, []byte(fmt.Sprintf(partnerSite, base)+partnerTables()), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a, ctx, cancel := startApp(t, cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(cancel)
	p := &partnerApp{app: a, url: base, cfgPath: path, logs: logs, hup: make(chan os.Signal, 1)}
	go a.WatchConfig(ctx, p.hup, interval)
	srv := &http.Server{Handler: a.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return p
}

// response is what one request got.
type response struct {
	status int
	header http.Header
	body   string
	local  string // the client's address, as the server saw it
}

// get requests path on a connection of its own, so that the test knows
// the client address the server saw.
func (p *partnerApp) get(t *testing.T, path string, header map[string]string) response {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req, _ := http.NewRequest("GET", p.url+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if err := req.Write(c); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b), c.LocalAddr().String()}
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func TestPartnerContentInEveryFormat(t *testing.T) {
	p := startPartnerApp(t)
	const standfirst, body = "Three ports, one bet.", "Body text."
	for _, format := range []string{"rss.xml", "atom.xml", "feed.json"} {
		t.Run(format, func(t *testing.T) {
			public := p.get(t, "/middle-east/"+format, nil)
			full := p.get(t, "/p/"+tokFull+"/middle-east/"+format, nil)
			fullBearer := p.get(t, "/middle-east/"+format, bearer(tokFull))
			digest := p.get(t, "/p/"+tokDigest+"/middle-east/"+format, nil)
			if public.status != 200 || full.status != 200 || digest.status != 200 || fullBearer.status != 200 {
				t.Fatalf("statuses %d %d %d %d", public.status, full.status, digest.status, fullBearer.status)
			}
			if !strings.Contains(public.body, standfirst) || strings.Contains(public.body, body) {
				t.Errorf("public feed (public_content = summary) has no standfirst or has the body:\n%s", public.body)
			}
			if !strings.Contains(full.body, body) || !strings.Contains(full.body, standfirst) {
				t.Errorf("full partner's feed lacks the body:\n%s", full.body)
			}
			if full.body != fullBearer.body || full.header.Get("Etag") != fullBearer.header.Get("Etag") {
				t.Error("path and Bearer forms differ")
			}
			// A partner whose setting is the public one gets the public
			// bytes, privately.
			if digest.body != public.body || digest.header.Get("Etag") != public.header.Get("Etag") {
				t.Error("summary partner's feed differs from the public summary feed")
			}
			if full.header.Get("Etag") == public.header.Get("Etag") {
				t.Error("full and summary variants share an ETag")
			}
			for _, r := range []response{full, fullBearer, digest} {
				if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
					t.Errorf("partner response Cache-Control %q", cc)
				}
			}
			if cc := public.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
				t.Errorf("public response Cache-Control %q", cc)
			}
			// Validators work per variant.
			for _, tt := range []struct {
				path, etag string
				want       int
			}{
				{"/p/" + tokFull + "/middle-east/" + format, full.header.Get("Etag"), 304},
				{"/p/" + tokFull + "/middle-east/" + format, public.header.Get("Etag"), 200},
				{"/middle-east/" + format, public.header.Get("Etag"), 304},
				{"/middle-east/" + format, full.header.Get("Etag"), 200},
			} {
				if r := p.get(t, tt.path, map[string]string{"If-None-Match": tt.etag}); r.status != tt.want {
					t.Errorf("%s If-None-Match %s: %d, want %d", strings.Replace(tt.path, tokFull, "TOKEN", 1), tt.etag, r.status, tt.want)
				}
			}
		})
	}
	// The tag a partner is granted, and what it is not granted.
	if r := p.get(t, "/p/"+tokDigest+"/tag/ports/atom.xml", nil); r.status != 200 || !strings.Contains(r.body, standfirst) {
		t.Errorf("granted tag feed: %d", r.status)
	}
	if r := p.get(t, "/p/"+tokFull+"/tag/ports/atom.xml", nil); r.status != 404 {
		t.Errorf("tag feed not granted: %d", r.status)
	}
}

func TestPartnerTokensAndLogs(t *testing.T) {
	p := startPartnerApp(t)
	missing := p.get(t, "/nowhere/rss.xml", nil)
	var locals []string
	for _, tt := range []struct {
		name, path string
		header     map[string]string
		want       int
	}{
		{"valid path", "/p/" + tokFull + "/middle-east/rss.xml", nil, 200},
		{"valid bearer", "/middle-east/rss.xml", bearer(tokFull), 200},
		{"wrong path", "/p/not-a-token/middle-east/rss.xml", nil, 404},
		{"wrong bearer", "/middle-east/rss.xml", bearer("not-a-token"), 404},
		{"revoked path", "/p/" + tokRevoked + "/middle-east/rss.xml", nil, 404},
		{"revoked bearer", "/middle-east/rss.xml", bearer(tokRevoked), 404},
		{"rate 1", "/p/" + tokSlow + "/middle-east/rss.xml", nil, 200},
		{"rate 2", "/middle-east/atom.xml", bearer(tokSlow), 200},
		{"rate 3", "/p/" + tokSlow + "/middle-east/feed.json", nil, 429},
	} {
		r := p.get(t, tt.path, tt.header)
		locals = append(locals, r.local)
		if r.status != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, r.status, tt.want)
		}
		if tt.want == 404 && r.body != missing.body {
			t.Errorf("%s: 404 body %q differs from a missing feed's %q", tt.name, r.body, missing.body)
		}
		if tt.want == 429 && r.header.Get("Retry-After") != "30" {
			t.Errorf("%s: Retry-After %q, want 30 (2 a minute)", tt.name, r.header.Get("Retry-After"))
		}
	}
	p.app.Audience.Flush(context.Background())
	logs := p.logs.String()
	if !strings.Contains(logs, "path=/p/***/middle-east/rss.xml") {
		t.Errorf("the request log, at debug, lacks partner requests:\n%s", logs)
	}
	for _, secret := range append([]string{tokFull, tokSlow, tokRevoked, "not-a-token", config.TokenHash(tokFull), "remote="}, locals...) {
		if strings.Contains(logs, secret) {
			t.Errorf("a log line holds %q", secret)
		}
	}
}

func TestPartnerReload(t *testing.T) {
	p := startPartnerApp(t)
	path := "/p/" + tokLater + "/middle-east/rss.xml"
	if r := p.get(t, path, nil); r.status != 404 {
		t.Fatalf("a token not yet configured: %d", r.status)
	}
	// Added: the file's change is picked up.
	f, _ := os.OpenFile(p.cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "\n[[partner]]\nid = \"later\"\ntoken_sha256 = %q\nsections = [\"middle-east\"]\n", config.TokenHash(tokLater))
	f.Close()
	waitStatus(t, p, path, 200)
	// Revoked while the instance runs.
	data, _ := os.ReadFile(p.cfgPath)
	os.WriteFile(p.cfgPath, []byte(strings.Replace(string(data), "id = \"later\"\n", "id = \"later\"\nrevoked = true\n", 1)), 0o644)
	waitStatus(t, p, path, 404)
	// A broken file changes nothing.
	os.WriteFile(p.cfgPath, append(data, []byte("\n[[partner]]\nid = \"Bad Id\"\n")...), 0o644)
	time.Sleep(300 * time.Millisecond)
	if r := p.get(t, path, nil); r.status != 404 {
		t.Errorf("a broken config undid the revocation: %d", r.status)
	}
	if r := p.get(t, "/p/"+tokFull+"/middle-east/rss.xml", nil); r.status != 200 {
		t.Errorf("a broken config dropped a partner: %d", r.status)
	}
	if !strings.Contains(p.logs.String(), "config not reloaded") {
		t.Error("a broken config was not logged")
	}
}

// With the file checked only hourly, SIGHUP alone reloads it.
func TestPartnerReloadOnSIGHUP(t *testing.T) {
	p := startWatched(t, time.Hour)
	path := "/p/" + tokLater + "/middle-east/rss.xml"
	f, _ := os.OpenFile(p.cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "\n[[partner]]\nid = \"later\"\ntoken_sha256 = %q\nsections = [\"middle-east\"]\n", config.TokenHash(tokLater))
	f.Close()
	time.Sleep(200 * time.Millisecond)
	if r := p.get(t, path, nil); r.status != 404 {
		t.Fatalf("reloaded before SIGHUP: %d", r.status)
	}
	p.hup <- syscall.SIGHUP
	waitStatus(t, p, path, 200)
}

func waitStatus(t *testing.T, p *partnerApp, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := p.get(t, path, nil)
		if r.status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d, want %d", r.status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func decodeJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestPartnerUsageAndAudienceReported(t *testing.T) {
	p := startPartnerApp(t)
	ok := p.get(t, "/p/"+tokFull+"/middle-east/rss.xml", nil)
	p.get(t, "/p/"+tokFull+"/middle-east/rss.xml", map[string]string{"If-None-Match": ok.header.Get("Etag")})
	p.get(t, "/middle-east/rss.xml", map[string]string{"User-Agent": "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1,204 subscribers; )"})
	p.get(t, "/middle-east/atom.xml", map[string]string{"User-Agent": "NetNewsWire (RSS Reader)"})
	if err := p.app.Audience.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var partners struct {
		Partners []audience.PartnerReport `json:"partners"`
	}
	decodeJSON(t, p.url+"/api/v1/partners", &partners)
	var wire *audience.PartnerReport
	for i := range partners.Partners {
		if partners.Partners[i].ID == "wire" {
			wire = &partners.Partners[i]
		}
	}
	if wire == nil || wire.Name != "Wire Co" || wire.Today.Requests != 2 || wire.Today.NotModified != 1 || wire.Today.NotModifiedShare != 0.5 ||
		wire.Today.Bytes != int64(len(ok.body)) || wire.Today.LastSeen == nil || len(wire.BySection) != 1 || wire.BySection[0].Section != "middle-east" {
		t.Errorf("wire = %+v", wire)
	}
	var aud struct {
		Sections []audience.SectionAudience `json:"sections"`
	}
	decodeJSON(t, p.url+"/api/v1/audience", &aud)
	if len(aud.Sections) != 1 || aud.Sections[0].Section != "middle-east" || aud.Sections[0].Today.Subscribers != 1204 || aud.Sections[0].Today.Addresses != 1 || len(aud.Sections[0].Days) != audience.Days {
		t.Errorf("audience = %+v", aud.Sections)
	}
	status := string(fetch(t, p.url+"/status"))
	for _, want := range []string{`data-partner="wire"`, `data-requests-today="2"`, `class="audience-chart"`, `data-section="middle-east"`, `data-subscribers="1204"`, "Feedly 1204"} {
		if !strings.Contains(status, want) {
			t.Errorf("status page lacks %s", want)
		}
	}
	metrics := string(fetch(t, p.url+"/metrics"))
	if !strings.Contains(metrics, `syndicate_partner_requests_total{code="304",partner="wire"} 1`) {
		t.Error("metrics lack the partner's 304")
	}
}

// Three instances on one Redis count what each served; any of them
// reports the fleet's sums.
func TestFleetSumsPartnerUsageAndAudience(t *testing.T) {
	srv := redistest.StartServer(t)
	up := newUpstream(t)
	fleet := startFleet(t, 3, fleetSetup{store: redisURL(srv), feedURL: up.URL, extra: partnerTables()})
	readers := []string{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 40 subscribers; )", "Mozilla/5.0 (compatible; inoreader.com; 7 subscribers)", "NetNewsWire (RSS Reader)"}
	for i, in := range fleet {
		for range i + 1 {
			resp, err := http.Get(in.http.URL + "/p/" + tokFull + "/middle-east/atom.xml")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("instance %d: %v %v", i, err, resp)
			}
			resp.Body.Close()
		}
		req, _ := http.NewRequest("GET", in.http.URL+"/middle-east/rss.xml", nil)
		req.Header.Set("User-Agent", readers[i])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := in.app.Audience.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range fleet {
		var partners struct {
			Partners []audience.PartnerReport `json:"partners"`
		}
		decodeJSON(t, in.http.URL+"/api/v1/partners", &partners)
		for _, r := range partners.Partners {
			if r.ID == "wire" && r.Today.Requests != 6 {
				t.Errorf("%s: wire made %d requests, want 1+2+3", in.http.URL, r.Today.Requests)
			}
		}
		var aud struct {
			Sections []audience.SectionAudience `json:"sections"`
		}
		decodeJSON(t, in.http.URL+"/api/v1/audience", &aud)
		// One address, whichever instance it reached: the day's salt is
		// the fleet's.
		if len(aud.Sections) != 1 || aud.Sections[0].Today.Subscribers != 47 || aud.Sections[0].Today.Addresses != 1 {
			t.Errorf("%s: audience %+v, want 40+7 subscribers and one address", in.http.URL, aud.Sections)
		}
	}
}
