package server

import (
	"net/http"
	"time"

	"syndicate/internal/partner"
)

// serveLogged is ServeHTTP at debug level: one log line per request.
func (s *Server) serveLogged(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.route(rec, r)
	// Neither a partner's token nor the client's address is ever
	// logged.
	s.opts.Logger.Debug("request", "method", r.Method, "path", partner.RedactPath(r.URL.Path), "status", rec.status,
		"bytes", rec.bytes, "encoding", rec.Header().Get("Content-Encoding"),
		"duration", time.Since(start))
}

// recorder notes the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}
