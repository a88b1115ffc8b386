package item

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// An external source's item is known slim wherever the whole of it is not
// needed: to decide which feeds and documents it goes in, and whether it
// changed. A slim item keeps its identity, links, sections, dates and
// source; in place of everything else (its text, title, authors, media:
// nearly all of its bytes) ContentHTML carries a digest of the whole item.
// Two slim items are Equal exactly when the whole items encode alike, so
// change detection on slim items misses no edit. Stores hand out slim
// items (store.Store's ItemHeads) so that an instance reads the text of
// what it shows only.

// slimMark begins the content of a slim item: sanitized HTML never holds
// a NUL, so no whole item is taken for a slim one.
const slimMark = "\x00"

// Slim is it without what placing it does not need, a digest standing for
// the whole. A site article, from the article folder or a first-party
// source, is returned as it is: its tags and authors make topic feeds
// over every article, not only those shown. So is an item already slim.
func Slim(it *Item) Item {
	if !it.Aggregated() || IsSlim(it) {
		return *it
	}
	b, err := json.Marshal(it)
	if err != nil {
		// An Item always encodes; were it not to, the digest of its text
		// would still tell edits apart.
		b = []byte(it.Title + "\x00" + it.Summary + "\x00" + it.ContentHTML)
	}
	return SlimEncoded(it, b)
}

// SlimEncoded is Slim for a whole item whose JSON encoding (json.Marshal)
// the caller has made already, as a store writing it has: the digest is
// of those bytes, and the item is not encoded twice.
func SlimEncoded(it *Item, encoded []byte) Item {
	if !it.Aggregated() || IsSlim(it) {
		return *it
	}
	sum := sha256.Sum256(encoded)
	return Item{
		ID:          it.ID,
		URL:         it.URL,
		ContentHTML: slimMark + hex.EncodeToString(sum[:16]),
		Sections:    it.Sections,
		Published:   it.Published,
		Updated:     it.Updated,
		Origin:      &Origin{SourceID: it.Origin.SourceID},
	}
}

// IsSlim reports whether it is a slim item (see Slim).
func IsSlim(it *Item) bool { return strings.HasPrefix(it.ContentHTML, slimMark) }

// SlimKey names one version of a source's item: its source, its id and
// its digest, as its slim version carries them.
func SlimKey(slim *Item) string {
	return slim.Origin.SourceID + "\x00" + slim.ID + "\x00" + slim.ContentHTML
}
