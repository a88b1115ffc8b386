package config

import (
	"slices"
	"strings"

	"syndicate/internal/item"
)

// Podcast is what the RSS of a section carrying podcast episodes says of
// itself to podcast apps, in the channel's iTunes tags. Sections without
// episodes carry none of it.
type Podcast struct {
	// Email is the owner's address (itunes:owner). Podcast directories
	// and the W3C validator's iTunes rules want one; without it the
	// channel has no owner.
	Email    string `toml:"email"`
	Category string `toml:"category"` // one of PodcastCategories
	Explicit bool   `toml:"explicit"`
	// Image is the show's artwork: absolute, or a path under base_url.
	Image string `toml:"image"`
}

// PodcastCategories are Apple's top-level podcast categories, the values
// itunes:category may take.
var PodcastCategories = []string{
	"Arts", "Business", "Comedy", "Education", "Fiction", "Government", "Health & Fitness",
	"History", "Kids & Family", "Leisure", "Music", "News", "Religion & Spirituality",
	"Science", "Society & Culture", "Sports", "TV & Film", "Technology", "True Crime",
}

func (c *Config) validatePodcast(fail failFunc) error {
	p := &c.Podcast
	if p.Email != "" && !item.EmailAddress(p.Email) {
		return fail("podcast", 0, "email", "podcast.email %q is not an email address", p.Email)
	}
	if !slices.Contains(PodcastCategories, p.Category) {
		return fail("podcast", 0, "category", "podcast.category %q is not one of Apple's: %s", p.Category, strings.Join(PodcastCategories, ", "))
	}
	if strings.HasPrefix(p.Image, "/") && !strings.HasPrefix(p.Image, "//") {
		p.Image = c.Site.BaseURL + p.Image
	}
	if p.Image != "" && !item.AbsoluteHTTP(p.Image) {
		return fail("podcast", 0, "image", "podcast.image %q: want an absolute http(s) URL or a path under base_url", p.Image)
	}
	return nil
}
