// Package partner resolves the tokens of syndication partners and holds
// what each may fetch and how often. A partner's token comes in the path
// (/p/{token}/...) or as "Authorization: Bearer <token>"; only its SHA-256
// is ever kept, in config and in memory.
package partner

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"syndicate/internal/config"
	"syndicate/internal/section"
)

// PathPrefix starts the path form of a partner's URLs: /p/{token}/{path}.
const PathPrefix = "/p/"

// Partner is one configured partner, as requests see it.
type Partner struct {
	ID      string
	Name    string
	Summary bool // feeds carry summaries only
	Rate    int  // requests per minute; 0 for no bound
	Revoked bool

	Sections, Tags []string
	sections, tags map[string]bool
	hash           [sha256.Size]byte
	limit          *limiter // nil without a rate
}

// Set is every configured partner. It is replaced, never changed, when
// the configuration is reloaded.
type Set struct {
	list []*Partner
}

// NewSet builds the partners of cfg. The rate limits of partners of prev
// whose rate did not change carry over, so that a reload does not refill
// a partner's allowance.
func NewSet(cfg []config.Partner, prev *Set) *Set {
	s := &Set{}
	for _, c := range cfg {
		p := &Partner{
			ID: c.ID, Name: c.Name, Summary: c.Summary(), Rate: c.Rate, Revoked: c.Revoked,
			Sections: c.Sections, Tags: c.Tags,
			sections: set(c.Sections), tags: set(c.Tags),
		}
		// config checked the hash is 64 hex digits.
		hex.Decode(p.hash[:], []byte(c.TokenSHA256))
		if c.Rate > 0 {
			if old := prev.byID(c.ID); old != nil && old.Rate == c.Rate && old.limit != nil {
				p.limit = old.limit
			} else {
				p.limit = newLimiter(c.Rate)
			}
		}
		s.list = append(s.list, p)
	}
	return s
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, v := range list {
		m[v] = true
	}
	return m
}

func (s *Set) byID(id string) *Partner {
	if s == nil {
		return nil
	}
	for _, p := range s.list {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Len is the number of partners, revoked ones included.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.list)
}

// All lists the partners in config order.
func (s *Set) All() []*Partner {
	if s == nil {
		return nil
	}
	return s.list
}

// Lookup returns the partner whose token is token, or nil for an empty,
// unknown or revoked one. Every partner's hash is compared, in constant
// time, whatever matches: how long a lookup takes tells nothing of which
// partner, if any, a guess came close to.
func (s *Set) Lookup(token string) *Partner {
	if s == nil || token == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	var found *Partner
	for _, p := range s.list {
		if subtle.ConstantTimeCompare(sum[:], p.hash[:]) == 1 {
			found = p
		}
	}
	if found == nil || found.Revoked {
		return nil
	}
	return found
}

// Allows reports whether p may fetch the document at path: a document
// (page, feed or archive) of one of its sections or tags.
func (p *Partner) Allows(path string) bool {
	d, _, ok := section.Parse(path)
	if !ok {
		return false
	}
	switch d.Kind {
	case section.KindSection:
		return p.sections[d.Slug]
	case section.KindTag:
		return p.tags[d.Slug]
	}
	return false
}

// Section is the name usage is counted under for the document at path:
// a section's slug, "tag/{slug}" or "author/{slug}"; "" for a path of no
// feed.
func Section(path string) string {
	d, _, ok := section.Parse(path)
	if !ok {
		return ""
	}
	if d.Kind == section.KindSection {
		return d.Slug
	}
	return d.Kind.String() + "/" + d.Slug
}

// FromPath splits the path form /p/{token}/{path}: the token, and the
// public path it stands before ("/asia/rss.xml"). ok is false for a path
// without the prefix or without a token.
func FromPath(path string) (token, rest string, ok bool) {
	after, found := strings.CutPrefix(path, PathPrefix)
	if !found {
		return "", "", false
	}
	token, rest, found = strings.Cut(after, "/")
	if !found || token == "" {
		return "", "", false
	}
	return token, "/" + rest, true
}

// Bearer is the token of an Authorization header of the Bearer scheme,
// whose name is case-insensitive; "" for any other.
func Bearer(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// NewToken makes a token: 32 random bytes, URL-safe, so that it can stand
// in a path.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// RedactPath hides the token of a path of the /p/{token}/ form, for logs.
func RedactPath(path string) string {
	if _, rest, ok := FromPath(path); ok {
		return PathPrefix + "***" + rest
	}
	if strings.HasPrefix(path, PathPrefix) {
		return PathPrefix + "***"
	}
	return path
}
