package ops

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Protect requires "Authorization: Bearer <token>" on h; an empty token
// protects nothing. Both sides are hashed before they are compared, so
// that the comparison takes the same time whatever the length or content
// of a guess.
func Protect(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(bearer(r.Header.Get("Authorization"))))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="syndicate operator routes"`)
			writeError(w, http.StatusUnauthorized, "ops: this route needs Authorization: Bearer <ops_token>")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// bearer is the token of an Authorization header of the Bearer scheme,
// whose name is case-insensitive; "" for any other.
func bearer(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
