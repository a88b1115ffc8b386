package server

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// readRequest parses a request head as net/http does.
func readRequest(head string) (*http.Request, error) {
	return http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
}

func TestHeadEnd(t *testing.T) {
	tests := []struct {
		in     string
		end    int
		lfOnly bool
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27, false},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next", 27, false},
		{"GET / HTTP/1.1\r\nHost: a\r\n", -1, false},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r", -1, false},
		{"GET / HTTP/1.1\nHost: a\n\n", 24, true},
		{"\r\n", 2, false},
		{"", -1, false},
	}
	for _, tt := range tests {
		end, lfOnly := headEnd([]byte(tt.in))
		if end != tt.end || lfOnly != tt.lfOnly {
			t.Errorf("headEnd(%q) = %d, %v; want %d, %v", tt.in, end, lfOnly, tt.end, tt.lfOnly)
		}
	}
}

const host = "Host: feeds.example\r\n"

var parseHeadTests = []struct {
	name, head string
	ok         bool
	want       fastRequest // compared when ok
}{
	{"plain GET", "GET /asia/rss.xml HTTP/1.1\r\n" + host + "\r\n", true,
		fastRequest{path: []byte("/asia/rss.xml")}},
	{"HEAD", "HEAD /asia/rss.xml HTTP/1.1\r\n" + host + "\r\n", true,
		fastRequest{head: true, path: []byte("/asia/rss.xml")}},
	{"query is not part of the path", "GET /asia/rss.xml?utm=x&y=%20 HTTP/1.1\r\n" + host + "\r\n", true,
		fastRequest{path: []byte("/asia/rss.xml")}},
	{"negotiation headers in any case, values trimmed",
		"GET / HTTP/1.1\r\n" + host + "accept-encoding:  gzip, br \r\nIF-NONE-MATCH: \"x\"\r\nIf-Modified-Since:\tMon, 02 Nov 2026 08:30:00 GMT\r\nUser-Agent: reader/1.0\r\nConnection: Keep-Alive\r\n\r\n", true,
		fastRequest{path: []byte("/"), acceptEncoding: []byte("gzip, br"), ifNoneMatch: []byte(`"x"`), ifModifiedSince: []byte("Mon, 02 Nov 2026 08:30:00 GMT")}},
	{"host with port and IPv6", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", true, fastRequest{path: []byte("/")}},

	{"POST", "POST /asia/rss.xml HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"credentials: a partner's request", "GET /asia/rss.xml HTTP/1.1\r\n" + host + "Authorization: Bearer s3cret\r\n\r\n", false, fastRequest{}},
	{"credentials in any case", "GET /asia/rss.xml HTTP/1.1\r\n" + host + "authorization: Basic eDp5\r\n\r\n", false, fastRequest{}},
	{"a partner's path", "GET /p/tok3n/asia/rss.xml HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"a partner's path, HEAD", "HEAD /p/tok3n/ HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"lower-case method", "get / HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"HTTP/1.0", "GET / HTTP/1.0\r\n" + host + "\r\n", false, fastRequest{}},
	{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false, fastRequest{}},
	{"absolute form", "GET http://feeds.example/ HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"asterisk", "GET * HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"percent escape", "GET /asia%2Frss.xml HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"space in target", "GET /a b HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"non-ASCII target", "GET /\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
	{"no Host", "GET / HTTP/1.1\r\n\r\n", false, fastRequest{}},
	{"two Hosts", "GET / HTTP/1.1\r\n" + host + host + "\r\n", false, fastRequest{}},
	{"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", false, fastRequest{}},
	{"odd Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", false, fastRequest{}},
	{"Connection: close", "GET / HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", false, fastRequest{}},
	{"Content-Length", "GET / HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", false, fastRequest{}},
	{"Transfer-Encoding", "GET / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n", false, fastRequest{}},
	{"Expect", "GET / HTTP/1.1\r\n" + host + "Expect: 100-continue\r\n\r\n", false, fastRequest{}},
	{"Upgrade", "GET / HTTP/1.1\r\n" + host + "Upgrade: h2c\r\n\r\n", false, fastRequest{}},
	{"repeated Accept-Encoding", "GET / HTTP/1.1\r\n" + host + "Accept-Encoding: br\r\nAccept-Encoding: gzip\r\n\r\n", false, fastRequest{}},
	{"repeated If-None-Match", "GET / HTTP/1.1\r\n" + host + "If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n", false, fastRequest{}},
	{"space before colon", "GET / HTTP/1.1\r\n" + host + "Accept-Encoding : gzip\r\n\r\n", false, fastRequest{}},
	{"folded line", "GET / HTTP/1.1\r\n" + host + "X-A: 1\r\n 2\r\n\r\n", false, fastRequest{}},
	{"no colon", "GET / HTTP/1.1\r\n" + host + "nonsense\r\n\r\n", false, fastRequest{}},
	{"control character", "GET / HTTP/1.1\r\n" + host + "X-A: a\x00b\r\n\r\n", false, fastRequest{}},
	{"bare LF", "GET / HTTP/1.1\n" + "Host: a\n\n", false, fastRequest{}},
	{"blank line first", "\r\nGET / HTTP/1.1\r\n" + host + "\r\n", false, fastRequest{}},
}

func TestParseHead(t *testing.T) {
	for _, tt := range parseHeadTests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseHead([]byte(tt.head))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if got.head != tt.want.head || string(got.path) != string(tt.want.path) ||
				string(got.acceptEncoding) != string(tt.want.acceptEncoding) ||
				string(got.ifNoneMatch) != string(tt.want.ifNoneMatch) ||
				string(got.ifModifiedSince) != string(tt.want.ifModifiedSince) {
				t.Errorf("got head=%v path=%q ae=%q inm=%q ims=%q", got.head, got.path, got.acceptEncoding, got.ifNoneMatch, got.ifModifiedSince)
			}
		})
	}
}

// FuzzParseHead checks that whatever parseHead accepts is a request
// net/http would read the same way: a GET or HEAD of the same path with
// the same negotiation headers.
func FuzzParseHead(f *testing.F) {
	for _, tt := range parseHeadTests {
		f.Add(tt.head)
	}
	f.Fuzz(func(t *testing.T, head string) {
		end, _ := headEnd([]byte(head))
		if end < 0 {
			return
		}
		got, ok := parseHead([]byte(head[:end]))
		if !ok {
			return
		}
		req, err := readRequest(head[:end])
		if err != nil {
			t.Fatalf("fast path accepted %q, net/http rejects it: %v", head[:end], err)
		}
		if (req.Method == "HEAD") != got.head || req.URL.Path != string(got.path) ||
			req.Header.Get("Accept-Encoding") != string(got.acceptEncoding) ||
			req.Header.Get("If-None-Match") != string(got.ifNoneMatch) ||
			req.Header.Get("If-Modified-Since") != string(got.ifModifiedSince) ||
			req.Close || req.ContentLength > 0 ||
			req.Header.Get("Authorization") != "" || strings.HasPrefix(req.URL.Path, partnerPrefix) {
			t.Fatalf("%q: fast path read %+v, net/http %s %s %v close=%v", head[:end], got, req.Method, req.URL.Path, req.Header, req.Close)
		}
	})
}
