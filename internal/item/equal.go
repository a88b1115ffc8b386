package item

import (
	"hash/maphash"
	"slices"
	"time"
)

// An item's identity as a version: which fields tell two versions apart,
// decided here once. Every field counts. Times count as instants, because
// a store round trip drops the monotonic reading and may change the
// location; a nil slice counts as an empty one, because JSON's omitempty
// turns one into the other. TestIdentityCoversEveryField makes whoever
// adds a field decide whether it counts.

// Equal reports whether a and b are the same version of an item. It is on
// the publishing hot path, where comparing every stored item with its new
// copy by reflect.DeepEqual took a fifth of the CPU; Equal is 7x faster on
// separately decoded copies and 15x on copies sharing their strings
// (BenchmarkEqual, median of -count 5).
func Equal(a, b *Item) bool {
	if a == b {
		return true
	}
	return a.ID == b.ID && a.URL == b.URL && a.Title == b.Title && a.Summary == b.Summary &&
		a.ContentHTML == b.ContentHTML &&
		slices.Equal(a.Authors, b.Authors) && slices.Equal(a.Sections, b.Sections) &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Categories, b.Categories) && equalPtr(a.Image, b.Image) &&
		slices.Equal(a.Enclosures, b.Enclosures) && equalPtr(a.Podcast, b.Podcast) &&
		a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated) &&
		equalPtr(a.Origin, b.Origin)
}

func equalPtr[T comparable](a, b *T) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}

// Fingerprint identifies a version of an item within this process: Equal
// items have equal fingerprints, and two that differ collide with
// negligible probability. 128 bits from two independently seeded hashes;
// the seeds are random per process, so no feed can be crafted to collide,
// and fingerprints must never be stored or compared across processes.
type Fingerprint [2]uint64

var fingerprintSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// FingerprintOf hashes the fields Equal compares. WriteComparable hashes
// each string with its length, so that text moved across the border of two
// fields changes the fingerprint (TestFingerprintKeepsFieldsApart).
func FingerprintOf(it *Item) Fingerprint {
	var sum Fingerprint
	var h maphash.Hash
	for i, seed := range fingerprintSeeds {
		h.SetSeed(seed)
		maphash.WriteComparable(&h, [...]string{it.ID, it.URL, it.Title, it.Summary, it.ContentHTML})
		list(&h, it.Authors)
		list(&h, it.Sections)
		list(&h, it.Tags)
		list(&h, it.Categories)
		pointer(&h, it.Image)
		list(&h, it.Enclosures)
		pointer(&h, it.Podcast)
		instant(&h, it.Published)
		instant(&h, it.Updated)
		pointer(&h, it.Origin)
		sum[i] = h.Sum64()
	}
	return sum
}

func list[T comparable](h *maphash.Hash, xs []T) {
	maphash.WriteComparable(h, len(xs))
	for _, x := range xs {
		maphash.WriteComparable(h, x)
	}
}

func pointer[T comparable](h *maphash.Hash, p *T) {
	maphash.WriteComparable(h, p != nil)
	if p != nil {
		maphash.WriteComparable(h, *p)
	}
}

// instant hashes the moment alone, as Time.Equal compares it.
func instant(h *maphash.Hash, t time.Time) {
	maphash.WriteComparable(h, [2]int64{t.Unix(), int64(t.Nanosecond())})
}
