// Package fetch does the HTTP side of polling an upstream feed: one GET,
// conditional when validators are known, bounded in time, in size after
// decompression and in redirects, and refusing redirects from the public
// internet into private networks.
package fetch

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"syndicate/internal/config"
)

// acceptFeeds is sent so that content-negotiating servers pick a feed over
// an HTML page.
const acceptFeeds = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// Client fetches feeds with every bound from config.Fetch. gofeed's
// ParseURL is not used: it neither sends validators nor bounds what it
// reads. A Client is safe for concurrent use.
type Client struct {
	client    *http.Client
	timeout   time.Duration
	connect   time.Duration
	maxBody   int64
	maxRedir  int
	userAgent string
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
func New(f config.Fetch, userAgent string) *Client {
	c := &Client{
		timeout:   f.Timeout.Duration,
		connect:   f.ConnectTimeout.Duration,
		maxBody:   f.MaxBodyBytes,
		maxRedir:  f.MaxRedirects,
		userAgent: userAgent,
	}
	dialer := &net.Dialer{Timeout: f.ConnectTimeout.Duration, KeepAlive: 30 * time.Second}
	// The transport asks for gzip and decompresses by itself; the body
	// limit applies to what it decompresses (see readBody), which is where
	// a compression bomb would do its harm.
	transport := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    f.ConnectTimeout.Duration,
		ResponseHeaderTimeout:  f.Timeout.Duration,
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           max(100, f.Workers),
		MaxIdleConnsPerHost:    f.PerHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.client = &http.Client{Transport: transport, CheckRedirect: c.checkRedirect}
	return c
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
			return failf("redirects", "redirect loop at %s", req.URL.Redacted())
		}
	}
	if !originPrivate(req.Context()) && privateHost(req.Context(), req.URL.Hostname()) {
		return failf("redirects", "refused a redirect from a public feed to the private address %s", req.URL.Host)
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

// Get fetches rawURL, conditionally when validators are given; now is the
// clock that dated Retry-After values are read against. A 2xx response
// comes back with its body; 304 and 410 come back without; any other
// status, and every transport failure, is an *Error.
func (c *Client) Get(ctx context.Context, rawURL, etag, lastModified string, now time.Time) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	trace := &redirectTrace{}
	ctx = context.WithValue(ctx, traceKey{}, trace)
	if u, err := url.Parse(rawURL); err == nil {
		ctx = withOrigin(ctx, u.Hostname())
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, failf("network", "bad URL: %v", unwrapURL(err))
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", acceptFeeds)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}

	resp, err := c.client.Do(req)
	if err != nil {
		return nil, c.classify(err)
	}
	defer func() {
		// Draining a little lets the connection be reused; a body we did not
		// want is not worth more than that.
		io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()

	r := &Response{
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
		return r, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		text := http.StatusText(resp.StatusCode)
		if text == "" {
			text = strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
		}
		e := failf("http", "%d %s", resp.StatusCode, text)
		e.Status = resp.StatusCode
		e.RetryAfter = r.RetryAfter
		return nil, e
	}
	body, err := c.readBody(resp)
	if err != nil {
		if ctx.Err() != nil {
			return nil, failf("timeout", "no response within %v", c.timeout)
		}
		return nil, c.classify(err)
	}
	sum := sha256.Sum256(body)
	r.Body = body
	r.Hash = hex.EncodeToString(sum[:])
	return r, nil
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
