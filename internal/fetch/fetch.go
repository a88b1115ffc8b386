package source

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
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

// fetcher does the HTTP side of a poll with every bound from config.Fetch.
// gofeed's ParseURL is not used: it neither sends validators nor bounds
// what it reads.
type fetcher struct {
	client    *http.Client
	timeout   time.Duration
	connect   time.Duration
	maxBody   int64
	maxRedir  int
	userAgent string
}

// response is what one GET brought back.
type response struct {
	status      int
	body        []byte // decompressed; set for 2xx only
	hash        string // hex sha256 of body
	contentType string
	finalURL    string // after redirects
	movedTo     string // where permanent redirects from the configured URL led, if any

	etag, lastModified string
	maxAge             time.Duration // Cache-Control max-age
	retryAfter         time.Duration
}

func newFetcher(f config.Fetch, userAgent string) *fetcher {
	fe := &fetcher{
		timeout:   f.Timeout.Duration,
		connect:   f.ConnectTimeout.Duration,
		maxBody:   f.MaxBodyBytes,
		maxRedir:  f.MaxRedirects,
		userAgent: userAgent,
	}
	dialer := &net.Dialer{Timeout: f.ConnectTimeout.Duration, KeepAlive: 30 * time.Second}
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
		// We ask for gzip ourselves so that the body limit applies to the
		// decompressed bytes, where a compression bomb would do its harm.
		DisableCompression: handGzip,
	}
	fe.client = &http.Client{Transport: transport, CheckRedirect: fe.checkRedirect}
	return fe
}

type traceKey struct{}

// redirectTrace follows one request's redirect chain: a chain that starts
// with permanent redirects means the feed has moved.
type redirectTrace struct {
	temporary bool
	movedTo   string
}

func (f *fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.maxRedir {
		return failf("redirects", "more than %d redirects", f.maxRedir)
	}
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return failf("redirects", "redirect loop at %s", req.URL)
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

// get fetches rawURL, conditionally when validators are given. A 2xx
// response comes back with its body; 304 and 410 come back without; any
// other status, and every transport failure, is a *pollError.
func (f *fetcher) get(ctx context.Context, rawURL, etag, lastModified string, now time.Time) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
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
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", acceptFeeds)
	if handGzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}

	resp, err := f.client.Do(req)
	if err != nil {
		return nil, classify(err, f.timeout, f.connect)
	}
	defer func() {
		// Draining a little lets the connection be reused; a body we did not
		// want is not worth more than that.
		io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()

	r := &response{
		status:       resp.StatusCode,
		contentType:  resp.Header.Get("Content-Type"),
		finalURL:     resp.Request.URL.String(),
		movedTo:      trace.movedTo,
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
		maxAge:       maxAge(resp.Header.Get("Cache-Control")),
		retryAfter:   retryAfter(resp.Header.Get("Retry-After"), now),
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
		e.status = resp.StatusCode
		e.retryAfter = r.retryAfter
		return nil, e
	}
	if resp.ContentLength > f.maxBody && resp.Header.Get("Content-Encoding") == "" {
		return nil, failf("too_large", "body exceeds %d bytes", f.maxBody)
	}
	body, err := f.readBody(resp)
	if err != nil {
		var pe *pollError
		if errors.As(err, &pe) {
			return nil, pe
		}
		if ctx.Err() != nil {
			return nil, failf("timeout", "no response within %v", f.timeout)
		}
		return nil, classify(err, f.timeout, f.connect)
	}
	sum := sha256.Sum256(body)
	r.body = body
	r.hash = hex.EncodeToString(sum[:])
	return r, nil
}

// readBody decompresses and reads at most maxBody bytes, failing rather
// than truncating: half a feed parses into a misleading subset.
func (f *fetcher) readBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, failf("encoding", "bad gzip body: %v", err)
		}
		defer zr.Close()
		r = zr
	case "deflate":
		// "deflate" is meant to be zlib, but some servers send raw deflate.
		br := bufio.NewReader(resp.Body)
		if h, err := br.Peek(2); err == nil && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 && h[0]&0x0f == 8 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, failf("encoding", "bad deflate body: %v", err)
			}
			defer zr.Close()
			r = zr
		} else {
			fr := flate.NewReader(br)
			defer fr.Close()
			r = fr
		}
	default:
		return nil, failf("encoding", "unsupported Content-Encoding %q", ce)
	}
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= f.maxBody && r == io.Reader(resp.Body) {
		buf.Grow(int(n) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(r, f.maxBody+1))
	if n > f.maxBody {
		return nil, failf("too_large", "body exceeds %d bytes", f.maxBody)
	}
	if err != nil {
		var corrupt flate.CorruptInputError
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt) {
			return nil, failf("encoding", "bad compressed body: %v", err)
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

// handGzip switches between our own gzip reading and the transport's.
var handGzip = true

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
