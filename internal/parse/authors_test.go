package parse

import (
	"reflect"
	"strings"
	"testing"

	"syndicate/internal/item"
)

func TestAuthors(t *testing.T) {
	long := "Anna Novak, Peter Horvath, Jana Kovacova, Martin Szabo, Lucia Tothova, Tomas Varga, " +
		"Zuzana Balazova, Michal Nagy, Katarina Molnarova, Juraj Farkas, Simona Hudakova, Eva Benkova"
	var longWant []item.Person
	for _, n := range strings.Split(long, ", ") {
		longWant = append(longWant, item.Person{Name: n})
	}
	tests := []struct {
		name, element string // the RSS item's author element(s)
		want          []item.Person
	}{
		{"parenthesised list", `<dc:creator>Nick Ames (now), Ed Aarons and Ben Fisher (earlier)</dc:creator>`,
			[]item.Person{{Name: "Nick Ames (now)"}, {Name: "Ed Aarons"}, {Name: "Ben Fisher (earlier)"}}},
		{"list longer than 200 characters", `<dc:creator>` + long + `</dc:creator>`, longWant},
		{"semicolons and a serial and", `<dc:creator>Ola Berg; Mara Quist, and Ines de la Cruz</dc:creator>`,
			[]item.Person{{Name: "Ola Berg"}, {Name: "Mara Quist"}, {Name: "Ines de la Cruz"}}},
		{"one name", `<dc:creator>Amira Haddad</dc:creator>`, []item.Person{{Name: "Amira Haddad"}}},
		{"name with a note", `<dc:creator>Amira Haddad (in Doha)</dc:creator>`, []item.Person{{Name: "Amira Haddad (in Doha)"}}},
		{"surname first", `<dc:creator>Haddad, Amira</dc:creator>`, []item.Person{{Name: "Haddad, Amira"}}},
		{"an institution", `<dc:creator>Department of Health and Social Care</dc:creator>`, []item.Person{{Name: "Department of Health and Social Care"}}},
		{"two agencies", `<dc:creator>Reuters and AFP</dc:creator>`, []item.Person{{Name: "Reuters and AFP"}}},
		{"name and address", `<dc:creator>Jane Doe &lt;jane@w.example&gt;</dc:creator>`, []item.Person{{Name: "Jane Doe", Email: "jane@w.example"}}},
		{"RSS author", `<author>desk@w.example (Night Desk)</author>`, []item.Person{{Name: "Night Desk", Email: "desk@w.example"}}},
		{"bare address", `<author>desk@w.example</author>`, []item.Person{{Email: "desk@w.example"}}},
		{"several creators", `<dc:creator>Ola Berg</dc:creator><dc:creator>Mara Quist</dc:creator><dc:creator>Ola Berg</dc:creator>`,
			[]item.Person{{Name: "Ola Berg"}, {Name: "Mara Quist"}}},
		{"markup in the name", `<dc:creator>&lt;b&gt;Ola&lt;/b&gt; Berg</dc:creator>`, []item.Person{{Name: "Ola Berg"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title><item><guid>1</guid><title>x</title>` +
				tt.element + `</item></channel></rss>`
			f, err := Parse([]byte(doc), Options{SourceID: "w", URL: "https://w.example/feed", Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Entries[0].Item.Authors; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("authors\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAtomAndJSONAuthors(t *testing.T) {
	atomDoc := `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x:f</id><updated>2026-10-01T00:00:00Z</updated>
<author><name>Feed Desk</name><uri>/desk</uri></author>
<entry><id>urn:x:1</id><title>a</title><updated>2026-10-01T00:00:00Z</updated>
  <author><name>Ola Berg and Mara Quist</name></author><author><name>Ines Cruz</name><email>ines@a.example</email><uri>https://a.example/ines</uri></author></entry>
<entry><id>urn:x:2</id><title>b</title><updated>2026-10-01T00:00:00Z</updated></entry>
</feed>`
	f, err := Parse([]byte(atomDoc), Options{SourceID: "a", URL: "https://a.example/atom", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]item.Person{
		{{Name: "Ola Berg"}, {Name: "Mara Quist"}, {Name: "Ines Cruz", Email: "ines@a.example", URL: "https://a.example/ines"}},
		{{Name: "Feed Desk", URL: "https://a.example/desk"}},
	}
	for i, w := range want {
		if got := f.Entries[i].Item.Authors; !reflect.DeepEqual(got, w) {
			t.Errorf("atom entry %d: %+v, want %+v", i, got, w)
		}
	}
	jsonDoc := `{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
{"id": "1", "content_text": "x", "authors": [{"name": "Nick Ames (now), Ed Aarons and Ben Fisher (earlier)"}]}]}`
	f, err = Parse([]byte(jsonDoc), Options{SourceID: "j", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if got, w := f.Entries[0].Item.Authors, []item.Person{{Name: "Nick Ames (now)"}, {Name: "Ed Aarons"}, {Name: "Ben Fisher (earlier)"}}; !reflect.DeepEqual(got, w) {
		t.Errorf("json: %+v, want %+v", got, w)
	}
}
