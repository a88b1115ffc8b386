package item

import (
	"encoding/binary"
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
		slices.Equal(a.Tags, b.Tags) && equalPtr(a.Image, b.Image) &&
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

// FingerprintOf hashes the fields Equal compares. Every string and list is
// length-prefixed, so that no two items write the same byte stream.
func FingerprintOf(it *Item) Fingerprint {
	var sum Fingerprint
	var h maphash.Hash
	for i, seed := range fingerprintSeeds {
		h.SetSeed(seed)
		str(&h, it.ID)
		str(&h, it.URL)
		str(&h, it.Title)
		str(&h, it.Summary)
		str(&h, it.ContentHTML)
		num(&h, uint64(len(it.Authors)))
		for _, p := range it.Authors {
			str(&h, p.Name)
			str(&h, p.Email)
			str(&h, p.URL)
		}
		strs(&h, it.Sections)
		strs(&h, it.Tags)
		if im := it.Image; present(&h, im != nil) {
			str(&h, im.URL)
			str(&h, im.Caption)
			str(&h, im.Credit)
			str(&h, im.Type)
			num(&h, uint64(im.Length))
		}
		instant(&h, it.Published)
		instant(&h, it.Updated)
		if o := it.Origin; present(&h, o != nil) {
			str(&h, o.SourceID)
			str(&h, o.FeedID)
			str(&h, o.Title)
			str(&h, o.FeedURL)
			str(&h, o.HomeURL)
		}
		sum[i] = h.Sum64()
	}
	return sum
}

func str(h *maphash.Hash, s string) {
	num(h, uint64(len(s)))
	h.WriteString(s)
}

func strs(h *maphash.Hash, ss []string) {
	num(h, uint64(len(ss)))
	for _, s := range ss {
		str(h, s)
	}
}

func present(h *maphash.Hash, ok bool) bool {
	if ok {
		h.WriteByte(1)
	} else {
		h.WriteByte(0)
	}
	return ok
}

func num(h *maphash.Hash, n uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	h.Write(b[:])
}

// instant hashes the moment alone, as Time.Equal compares it.
func instant(h *maphash.Hash, t time.Time) {
	num(h, uint64(t.Unix()))
	num(h, uint64(t.Nanosecond()))
}
