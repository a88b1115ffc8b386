package config

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
)

// Content settings of feeds: the whole article, or its summary
// (standfirst) alone.
const (
	ContentFull    = "full"
	ContentSummary = "summary"
)

// Partner is one [[partner]] table: a syndication partner that fetches
// feeds behind a token of its own. The token itself is never written
// down: only its SHA-256, in hex.
type Partner struct {
	ID          string   `toml:"id"`
	Name        string   `toml:"name"`
	TokenSHA256 string   `toml:"token_sha256"`
	Sections    []string `toml:"sections"`
	// Tags are tag feeds (by slug) the partner may fetch besides its
	// sections' documents.
	Tags []string `toml:"tags"`
	// Content is what the partner's feeds carry of each item: "full" or
	// "summary". Empty means full.
	Content string `toml:"content"`
	// Rate bounds the partner's requests per minute; 0 for no bound.
	Rate int `toml:"rate"`
	// Revoked turns the token down, as if it did not exist, while the
	// partner's usage history keeps its name.
	Revoked bool `toml:"revoked"`
}

// Summary reports whether the partner's feeds carry summaries only.
func (p Partner) Summary() bool { return p.Content == ContentSummary }

var tokenHashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func validContent(s string) bool { return s == ContentFull || s == ContentSummary }

func (c *Config) validatePartners(fail failFunc) error {
	if !validContent(c.Site.PublicContent) {
		return fail("site", 0, "public_content", "site.public_content %q: want %q or %q", c.Site.PublicContent, ContentFull, ContentSummary)
	}
	sections := c.SectionSlugs()
	ids := map[string]int{}
	hashes := map[string]int{}
	for i := range c.Partners {
		p := &c.Partners[i]
		if !slugPattern.MatchString(p.ID) {
			return fail("partner", i, "id", "partner id %q: use lower-case letters, digits and dashes", p.ID)
		}
		if first, dup := ids[p.ID]; dup {
			return fail("partner", i, "id", "duplicate partner %q (first defined in partner %d)", p.ID, first+1)
		}
		ids[p.ID] = i
		if p.Name == "" {
			p.Name = p.ID
		}
		if !tokenHashPattern.MatchString(p.TokenSHA256) {
			// The value is never echoed: were it a token pasted by
			// mistake, it would end up in a log.
			return fail("partner", i, "token_sha256", "partner %q: token_sha256 must be 64 lower-case hex digits, the SHA-256 of the token (syndicate partner add prints it)", p.ID)
		}
		if first, dup := hashes[p.TokenSHA256]; dup {
			return fail("partner", i, "token_sha256", "partner %q has the token of partner %q", p.ID, c.Partners[first].ID)
		}
		hashes[p.TokenSHA256] = i
		if len(p.Sections) == 0 && len(p.Tags) == 0 {
			return fail("partner", i, "sections", "partner %q: sections lists none (and no tags): it could fetch nothing", p.ID)
		}
		for _, s := range p.Sections {
			if !sections[s] {
				return fail("partner", i, "sections", "partner %q: unknown section %q", p.ID, s)
			}
		}
		for _, t := range p.Tags {
			if t == "" {
				return fail("partner", i, "tags", "partner %q: empty tag", p.ID)
			}
		}
		if p.Content == "" {
			p.Content = ContentFull
		}
		if !validContent(p.Content) {
			return fail("partner", i, "content", "partner %q: content %q: want %q or %q", p.ID, p.Content, ContentFull, ContentSummary)
		}
		if p.Rate < 0 {
			return fail("partner", i, "rate", "partner %q: rate must be 0 (no bound) or a number of requests per minute", p.ID)
		}
	}
	return nil
}

// TokenHash is the token_sha256 of token.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Partner returns the partner of id, or nil.
func (c *Config) Partner(id string) *Partner {
	for i := range c.Partners {
		if c.Partners[i].ID == id {
			return &c.Partners[i]
		}
	}
	return nil
}
