// Package fetch does the HTTP side of polling an upstream feed: one GET,
// conditional when validators are known, bounded in time, in size after
// decompression and in redirects, and connecting only where the source's
// network policy allows (see package netguard), redirects included.
package fetch

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"syndicate/internal/config"
	"syndicate/internal/netguard"
	"syndicate/internal/redact"
)

// acceptFeeds is sent so that content-negotiating servers pick a feed over
// an HTML page.
const acceptFeeds = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// Client fetches feeds with every bound from config.Fetch. gofeed's
// ParseURL is not used: it neither sends validators nor bounds what it
// reads. A Client is safe for concurrent use.
type Client struct {
	f         config.Fetch
	timeout   time.Duration
	connect   time.Duration
	maxBody   int64
	maxRedir  int
	userAgent string
	dialer    *net.Dialer

	mu sync.Mutex
	// clients holds one connection pool per network policy: a connection
	// dialled for a source that may reach a private address must never
	// serve a request that may not, which the dialer, not being asked
	// again, could not stop.
	clients map[string]*http.Client
}

// Request is one GET of a source's feed.
type Request struct {
	URL string
	// ETag and LastModified are the validators of the last response, for
	// a conditional GET.
	ETag, LastModified string
	// AllowPrivate lets this request reach non-public addresses, as the
	// source's allow_private does; [fetch] allow_private allows them for
	// every request.
	AllowPrivate bool
	// BeforeBody, when set, is called once a 2xx answer's headers are in,
	// before its body is read; an error ends the fetch. Until the body is
	// read it waits in the connection, not in memory.
	BeforeBody func(ctx context.Context) error
}

// Response is what one GET brought back.
type Response struct {
	Status      int
	Body        []byte // decompressed; set for 2xx only
	Hash        string // hex sha256 of Body
	ContentType string
	FinalURL    string // after redirects
	MovedTo     string // where permanent redirects from the requested URL led, if anywhere

	ETag, LastModified string
	MaxAge             time.Duration // Cache-Control max-age
	RetryAfter         time.Duration
}

// New returns a Client for f's bounds, sending userAgent.
func New(f config.Fetch, userAgent string) *Client { return newClient(f, userAgent, nil) }

// newClient is New with the resolver its dialer uses, which tests set.
func newClient(f config.Fetch, userAgent string, resolver *net.Resolver) *Client {
	return &Client{
		f:         f,
		timeout:   f.Timeout.Duration,
		connect:   f.ConnectTimeout.Duration,
		maxBody:   f.MaxBodyBytes,
		maxRedir:  f.MaxRedirects,
		userAgent: userAgent,
		// The guard checks every address the dialer connects to, after
		// name resolution: neither a redirect nor a DNS answer that
		// changed since the config was written can lead anywhere the
		// request's policy forbids.
		dialer:  netguard.Dialer(net.Dialer{Timeout: f.ConnectTimeout.Duration, KeepAlive: 30 * time.Second, Resolver: resolver}),
		clients: map[string]*http.Client{},
	}
}

// client returns the HTTP client whose connections were all dialled under
// policy p.
func (c *Client) client(p netguard.Policy) *http.Client {
	key := fmt.Sprint(p.AllowPrivate, p.Pinned)
	c.mu.Lock()
	defer c.mu.Unlock()
	if hc, ok := c.clients[key]; ok {
		return hc
	}
	// The transport asks for gzip and decompresses by itself; the body
	// limit applies to what it decompresses (see readBody), which is where
	// a compression bomb would do its harm. No proxy is used: the guard
	// would see the proxy's address, not the upstream's.
	transport := &http.Transport{
		DialContext:            c.dialer.DialContext,
		TLSHandshakeTimeout:    c.f.ConnectTimeout.Duration,
		ResponseHeaderTimeout:  c.f.Timeout.Duration,
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           max(100, c.f.Workers),
		MaxIdleConnsPerHost:    c.f.PerHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	hc := &http.Client{Transport: transport, CheckRedirect: c.checkRedirect}
	c.clients[key] = hc
	return hc
}

type traceKey struct{}

// redirectTrace follows one request's redirect chain: a chain that starts
// with permanent redirects means the feed has moved.
type redirectTrace struct {
	temporary bool
	movedTo   string
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.maxRedir {
		return failf("redirects", "more than %d redirects", c.maxRedir)
	}
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return failf("redirects", "redirect loop at %s", redact.URL(req.URL.String()))
		}
	}
	if tr, _ := req.Context().Value(traceKey{}).(*redirectTrace); tr != nil && !tr.temporary && req.Response != nil {
		switch req.Response.StatusCode {
		case http.StatusMovedPermanently, http.StatusPermanentRedirect:
			tr.movedTo = req.URL.String()
		default:
			tr.temporary = true
		}
	}
	return nil
}

// Get fetches r.URL, conditionally when validators are given; now is the
// clock that dated Retry-After values are read against. A 2xx response
// comes back with its body; 304 and 410 come back without; any other
// status, and every transport failure, is an *Error.
func (c *Client) Get(ctx context.Context, r Request, now time.Time) (*Response, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, failf("network", "bad URL: %v", unwrapURL(err))
	}
	policy := netguard.For(u.Hostname(), c.f.AllowPrivate || r.AllowPrivate)
	ctx, cancel := context.WithTimeout(netguard.WithPolicy(ctx, policy), c.timeout)
	defer cancel()
	trace := &redirectTrace{}
	ctx = context.WithValue(ctx, traceKey{}, trace)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, failf("network", "bad URL: %v", unwrapURL(err))
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", acceptFeeds)
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}

	resp, err := c.client(policy).Do(req)
	if err != nil {
		return nil, c.classify(err)
	}
	defer func() {
		// Draining a little lets the connection be reused; a body we did not
		// want is not worth more than that.
		io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()

	res := &Response{
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		FinalURL:     resp.Request.URL.String(),
		MovedTo:      trace.movedTo,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		MaxAge:       maxAge(resp.Header.Get("Cache-Control")),
		RetryAfter:   retryAfter(resp.Header.Get("Retry-After"), now),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified, resp.StatusCode == http.StatusGone:
		return res, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		text := http.StatusText(resp.StatusCode)
		if text == "" {
			text = strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
		}
		e := failf("http", "%d %s", resp.StatusCode, text)
		e.Status = resp.StatusCode
		e.RetryAfter = res.RetryAfter
		return nil, e
	}
	if r.BeforeBody != nil {
		err = r.BeforeBody(ctx)
	}
	var body []byte
	if err == nil {
		body, err = c.readBody(resp)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, failf("timeout", "no response within %v", c.timeout)
		}
		return nil, c.classify(err)
	}
	sum := sha256.Sum256(body)
	res.Body = body
	res.Hash = hex.EncodeToString(sum[:])
	return res, nil
}

// readBody reads at most maxBody bytes, failing rather than truncating:
// half a feed parses into a misleading subset. A gzipped body arrives
// decompressed by the transport, so the bound is on decompressed bytes.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		// Not asked for: the transport asked for gzip only, and took it off.
		return nil, failf("encoding", "unsupported Content-Encoding %q", ce)
	}
	if resp.ContentLength > c.maxBody {
		return nil, failf("too_large", "body exceeds %d bytes", c.maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if int64(len(body)) > c.maxBody {
		return nil, failf("too_large", "body exceeds %d bytes", c.maxBody)
	}
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt) {
		return nil, failf("encoding", "bad gzip body: %v", err)
	}
	return body, err
}

// maxAge is Cache-Control's max-age, zero when absent or when the server
// says not to cache at all.
func maxAge(cc string) time.Duration {
	for part := range strings.SplitSeq(cc, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if strings.EqualFold(k, "max-age") {
			secs, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
			if err != nil || secs <= 0 {
				return 0
			}
			return time.Duration(min(secs, 1<<31)) * time.Second
		}
	}
	return 0
}

// retryAfter reads Retry-After in either form: delay seconds or an HTTP
// date, relative to now.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 1<<31)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
