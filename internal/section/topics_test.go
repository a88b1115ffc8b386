package section

import (
	"reflect"
	"testing"

	"syndicate/internal/item"
)

func TestTopics(t *testing.T) {
	person := func(name, url string) item.Person { return item.Person{Name: name, URL: url} }
	items := []item.Item{
		{ID: "1", Published: at(5), Tags: []string{"Iran", "Shipping"}, Authors: []item.Person{person("Leila Haddad", "https://example.org/leila")}},
		{ID: "2", Published: at(4), Tags: []string{"iran"}, Authors: []item.Person{person("Leila Haddad", "")}},
		{ID: "3", Published: at(3), Tags: []string{"Iran", "iran"}, Authors: []item.Person{person("Rania Khoury (رانيا خوري)", ""), person("رانيا خوري", "")}},
		{ID: "4", Published: at(6), Tags: []string{"Iran"}, Authors: []item.Person{person("Leila Haddad", "https://example.org/leila"), person("Lee Jae-myung", "")}},
		{ID: "5", Published: at(2), Tags: []string{"C++"}, Authors: []item.Person{person("Lee Jae Myung", "")}},
		{ID: "6", Published: at(1), Tags: []string{"C#", "💥"}, Authors: []item.Person{person("Lee Jae-myung", "")}},
		{ID: "w", Published: at(7), Tags: []string{"Iran", "Wire only"}, Authors: []item.Person{person("Wire Desk", "")}, Origin: &item.Origin{SourceID: "wire"}},
	}
	topics := NewTopics(items, 50)

	type feed struct {
		slug, name, url string
		items           []string
	}
	got := func(list []*Feed) []feed {
		var out []feed
		for _, f := range list {
			out = append(out, feed{f.Slug, f.Name, f.URL, ids(f.Items)})
		}
		return out
	}
	wantTags := []feed{
		{"c", "C#", "", []string{"5", "6"}}, // "C#" and "C++" tie; byte order picks
		{"iran", "Iran", "", []string{"4", "1", "2", "3"}},
		{"shipping", "Shipping", "", []string{"1"}},
		{"u1f4a5", "💥", "", []string{"6"}},
	}
	if g := got(topics.Tags); !reflect.DeepEqual(g, wantTags) {
		t.Errorf("tags =\n%v\nwant\n%v", g, wantTags)
	}
	wantAuthors := []feed{
		{"lee-jae-myung", "Lee Jae-myung", "", []string{"4", "5", "6"}},
		{"leila-haddad", "Leila Haddad", "https://example.org/leila", []string{"4", "1", "2"}},
		{"rania-khoury", "Rania Khoury (رانيا خوري)", "", []string{"3"}},
		{"رانيا-خوري", "رانيا خوري", "", []string{"3"}},
	}
	if g := got(topics.Authors); !reflect.DeepEqual(g, wantAuthors) {
		t.Errorf("authors =\n%v\nwant\n%v", g, wantAuthors)
	}

	var collisions [][4]string
	for _, c := range topics.Collisions {
		collisions = append(collisions, [4]string{c.Kind.String() + " " + c.Slug, c.Names[0] + " / " + c.Names[1], c.Items[0].ID, c.Items[1].ID})
	}
	wantCollisions := [][4]string{
		{"tag c", "C# / C++", "6", "5"},
		{"author lee-jae-myung", "Lee Jae-myung / Lee Jae Myung", "4", "5"},
	}
	if !reflect.DeepEqual(collisions, wantCollisions) {
		t.Errorf("collisions = %v, want %v (Iran and iran differ in case only: one tag)", collisions, wantCollisions)
	}
}

func TestDisplayNameIsMostCommon(t *testing.T) {
	items := []item.Item{
		{ID: "1", Published: at(3), Tags: []string{"iran"}},
		{ID: "2", Published: at(2), Tags: []string{"IRAN"}},
		{ID: "3", Published: at(1), Tags: []string{"iran"}},
	}
	if name := NewTopics(items, 50).Tags[0].Name; name != "iran" {
		t.Errorf("name = %q, want the most common spelling iran", name)
	}
	items[2].Tags = []string{"IRAN"}
	if name := NewTopics(items, 50).Tags[0].Name; name != "IRAN" {
		t.Errorf("name = %q, want IRAN once it is the most common", name)
	}
}
