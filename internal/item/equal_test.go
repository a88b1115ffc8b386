package item

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// counted lists every field of Item, and of the types it holds, that tells
// two versions of an item apart; ignored lists those that do not (none so
// far). A field in neither list fails TestIdentityCoversEveryField, so
// whoever adds one to Item decides, and Equal and FingerprintOf follow.
var (
	counted = []string{
		"ID", "URL", "Title", "Summary", "ContentHTML",
		"Authors", "Authors[].Name", "Authors[].Email", "Authors[].URL",
		"Sections", "Tags", "Categories",
		"Image", "Image.URL", "Image.Caption", "Image.Credit", "Image.Type", "Image.Length",
		"Enclosures", "Enclosures[].URL", "Enclosures[].Type", "Enclosures[].Length", "Enclosures[].Medium",
		"Enclosures[].Title", "Enclosures[].Duration",
		"Podcast", "Podcast.Duration", "Podcast.Image", "Podcast.Episode", "Podcast.Explicit",
		"Published", "Updated",
		"Origin", "Origin.SourceID", "Origin.FeedID", "Origin.Title", "Origin.FeedURL", "Origin.HomeURL",
		"Origin.FirstParty",
	}
	ignored []string
)

// fullItem sets every field, with a list's first element and every
// pointer's target filled, so that any field can be changed.
func fullItem() Item {
	published := time.Date(2026, 10, 14, 9, 30, 1, 123456789, time.FixedZone("IRST", 3*3600+1800))
	return Item{
		ID: "tag:news.example,2026-01-01:article/gulf", URL: "https://news.example/articles/gulf/",
		Title: "Insurers price in the Strait", Summary: "Premiums rose.", ContentHTML: "<p>Underwriters quote the clause.</p>",
		Authors:    []Person{{Name: "Leïla Haddad", Email: "leila@news.example", URL: "https://news.example/authors/leila/"}},
		Sections:   []string{"middle-east"},
		Tags:       []string{"shipping"},
		Categories: []string{"Middle East", "Shipping"},
		Image:      &Image{URL: "https://news.example/media/t.jpg", Caption: "A tanker", Credit: "Photo: Desk", Type: "image/jpeg", Length: 1843},
		Enclosures: []Enclosure{{URL: "https://news.example/media/ep1.mp3", Type: "audio/mpeg", Length: 55000000,
			Medium: "audio", Title: "Episode 1", Duration: 3723}},
		Podcast:   &Podcast{Duration: 3723, Image: "https://news.example/media/ep1.jpg", Episode: 1, Explicit: "false"},
		Published: published,
		Updated:   published.Add(time.Hour),
		Origin:    &Origin{SourceID: "wire", FeedID: "urn:wire", Title: "Wire", FeedURL: "https://wire.example/feed", HomeURL: "https://wire.example/"},
	}
}

// fieldPaths names the fields under t: "Image" for the pointer itself,
// "Image.URL" for a field of its target, "Authors[].Name" for a field of
// a list's elements.
func fieldPaths(t reflect.Type, prefix string) []string {
	var paths []string
	for i := range t.NumField() {
		f := t.Field(i)
		p := prefix + f.Name
		paths = append(paths, p)
		switch ft := f.Type; {
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
			paths = append(paths, fieldPaths(ft.Elem(), p+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			paths = append(paths, fieldPaths(ft.Elem(), p+"[].")...)
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]():
			paths = append(paths, fieldPaths(ft, p+".")...)
		}
	}
	return paths
}

// change alters the field at path in the item v points to.
func change(t *testing.T, v reflect.Value, path string) {
	v = v.Elem()
	segments := strings.Split(path, ".")
	for i, seg := range segments {
		name, inList := strings.CutSuffix(seg, "[]")
		v = v.FieldByName(name)
		if i == len(segments)-1 {
			break
		}
		switch {
		case inList:
			v = v.Index(0)
		case v.Kind() == reflect.Pointer:
			v = v.Elem()
		}
	}
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Nanosecond)))
	case v.Kind() == reflect.String:
		v.SetString(v.String() + "x")
	case v.Kind() == reflect.Int64:
		v.SetInt(v.Int() + 1)
	case v.Kind() == reflect.Bool:
		v.SetBool(!v.Bool())
	case v.Kind() == reflect.Slice:
		v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
	case v.Kind() == reflect.Pointer:
		v.SetZero()
	default:
		t.Fatalf("%s: no way to change a %s; teach change", path, v.Type())
	}
}

func TestIdentityCoversEveryField(t *testing.T) {
	decided := map[string]bool{}
	for _, p := range counted {
		decided[p] = true
	}
	for _, p := range ignored {
		decided[p] = false
	}
	for _, path := range fieldPaths(reflect.TypeFor[Item](), "") {
		counts, ok := decided[path]
		if !ok {
			t.Errorf("item.%s is in neither counted nor ignored: decide whether it tells versions apart, then update Equal and FingerprintOf", path)
			continue
		}
		delete(decided, path)
		t.Run(path, func(t *testing.T) {
			a, b := fullItem(), fullItem()
			change(t, reflect.ValueOf(&b), path)
			if reflect.DeepEqual(a, b) {
				t.Fatal("change left the item as it was")
			}
			if got := Equal(&a, &b); got == counts {
				t.Errorf("Equal = %v after changing %s", got, path)
			}
			if same := FingerprintOf(&a) == FingerprintOf(&b); same == counts {
				t.Errorf("fingerprints equal = %v after changing %s", same, path)
			}
		})
	}
	for path := range decided {
		t.Errorf("%s is listed but Item has no such field", path)
	}
}

// TestFingerprintKeepsFieldsApart moves text across the border between two
// fields, or between list elements: the fingerprint must tell them apart.
func TestFingerprintKeepsFieldsApart(t *testing.T) {
	pairs := []struct {
		name string
		a, b Item
	}{
		{"ID and URL", Item{ID: "ab", URL: "c"}, Item{ID: "a", URL: "bc"}},
		{"summary and content", Item{Summary: "x", ContentHTML: ""}, Item{Summary: "", ContentHTML: "x"}},
		{"tags", Item{Tags: []string{"a", "b"}}, Item{Tags: []string{"ab"}}},
		{"sections and tags", Item{Sections: []string{"a"}}, Item{Tags: []string{"a"}}},
		{"author fields", Item{Authors: []Person{{Name: "a", Email: "b"}}}, Item{Authors: []Person{{Name: "ab"}}}},
		{"image and origin", Item{Image: &Image{}}, Item{Origin: &Origin{}}},
		{"enclosures", Item{Enclosures: []Enclosure{{URL: "a"}, {URL: "b"}}}, Item{Enclosures: []Enclosure{{URL: "ab"}}}},
		{"image and podcast", Item{Image: &Image{}}, Item{Podcast: &Podcast{}}},
	}
	for _, p := range pairs {
		if FingerprintOf(&p.a) == FingerprintOf(&p.b) {
			t.Errorf("%s: same fingerprint for %+v and %+v", p.name, p.a, p.b)
		}
	}
}

// TestIdentitySurvivesRoundTrip covers what a store does to an item: JSON
// (the store's encoding) drops the monotonic reading, turns empty lists
// into nil and may hand times back in another location.
func TestIdentitySurvivesRoundTrip(t *testing.T) {
	now := time.Now() // carries a monotonic reading
	base := fullItem()
	base.Published, base.Updated = now, now.Add(time.Minute)
	base.Tags = []string{}

	var decoded Item
	b, err := json.Marshal(&base)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	inUTC := base
	inUTC.Published, inUTC.Updated = now.UTC(), now.Add(time.Minute).UTC()
	nilTags := base
	nilTags.Tags = nil

	for name, other := range map[string]Item{"json": decoded, "utc": inUTC, "nil list": nilTags} {
		t.Run(name, func(t *testing.T) {
			if !Equal(&base, &other) || !Equal(&other, &base) {
				t.Error("Equal = false")
			}
			if FingerprintOf(&base) != FingerprintOf(&other) {
				t.Error("fingerprints differ")
			}
		})
	}
	if reflect.DeepEqual(base, decoded) {
		t.Error("round trip changed nothing: the test no longer covers the cases reflect.DeepEqual gets wrong")
	}
}

// BenchmarkEqual compares an item with a separately decoded copy, as
// publishing compares stored items with new ones, against the
// reflect.DeepEqual it replaced. "shared" is the common case where both
// versions hold the same strings.
func BenchmarkEqual(b *testing.B) {
	a := fullItem()
	a.Published, a.Updated = a.Published.UTC(), a.Updated.UTC() // so that DeepEqual agrees
	a.ContentHTML = strings.Repeat("<p>Underwriters in London quote the clause verbatim, said one broker.</p>\n", 60)
	a.Tags = []string{"shipping", "iran", "insurance", "oil"}
	var copied Item
	js, _ := json.Marshal(&a)
	if err := json.Unmarshal(js, &copied); err != nil {
		b.Fatal(err)
	}
	shared := a
	for _, pair := range []struct {
		name string
		b    *Item
	}{{"copy", &copied}, {"shared", &shared}} {
		b.Run(pair.name+"/Equal", func(b *testing.B) {
			for b.Loop() {
				if !Equal(&a, pair.b) {
					b.Fatal("not equal")
				}
			}
		})
		b.Run(pair.name+"/DeepEqual", func(b *testing.B) {
			for b.Loop() {
				if !reflect.DeepEqual(&a, pair.b) {
					b.Fatal("not equal")
				}
			}
		})
	}
	b.Run("FingerprintOf", func(b *testing.B) {
		for b.Loop() {
			FingerprintOf(&a)
		}
	})
}
