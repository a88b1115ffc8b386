package charset

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestToUTF8(t *testing.T) {
	tests := []struct {
		name, in, contentType, want string
	}{
		{"ascii untouched", `<?xml version="1.0"?><rss/>`, "", `<?xml version="1.0"?><rss/>`},
		{"declaration rewritten", "<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>", "", "<?xml version='1.0' encoding='UTF-8'?><a>é</a>"},
		{"utf8 kept, declaration fixed", "<?xml version=\"1.0\" encoding=\"latin1\"?><a>\xc3\xa9</a>", "", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>é</a>"},
		{"bom dropped", "\xef\xbb\xbf<a>\xc3\xa9</a>", "", "<a>é</a>"},
		{"utf16 with bom", "\xff\xfe<\x00a\x00>\x00\xe9\x00<\x00/\x00a\x00>\x00", "", "<a>é</a>"},
		{"undeclared legacy bytes", "<a>caf\xe9 \x93q\x94</a>", "", "<a>café \u201cq\u201d</a>"},
		{"mostly utf8 with a stray byte", "<a>caf\xc3\xa9 \xff</a>", "", "<a>café \uFFFD</a>"},
		{"json with http charset", "{\"title\":\"caf\xe9\"}", "application/json; charset=windows-1252", `{"title":"café"}`},
		{"doubled bom dropped", "\xef\xbb\xbf\xef\xbb\xbf<a/>", "", "<a/>"},
		{"utf16 bom then a utf8-encoded one", "\xff\xfe\xff\xfe<\x00a\x00/\x00>\x00", "", "<a/>"},
		{"noncharacters dropped", "<a>x\uFFFEy\uFFFFz</a>", "", "<a>xyz</a>"},
		{"http label beats a utf-8 declaration", "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xe9</a>", "text/xml; charset=iso-8859-1", "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>é</a>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToUTF8([]byte(tt.in), tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestToUTF8Errors(t *testing.T) {
	tests := []struct{ name, in, contentType, want string }{
		{"unknown declared charset", "<?xml version=\"1.0\" encoding=\"x-klingon\"?><a>\xe9</a>", "", `charset: unsupported charset "x-klingon"`},
		{"unknown http charset", "<a>\xe9</a>", "text/xml; charset=x-klingon", `charset: unsupported charset "x-klingon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ToUTF8([]byte(tt.in), tt.contentType)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestFixtures decodes whole feeds whose labels are right, missing or
// wrong: the text must come out the same, and the declaration must no
// longer name another encoding.
func TestFixtures(t *testing.T) {
	tests := []struct {
		name, fixture, contentType string
		want                       []string
	}{
		{"latin1 declared and real", "latin1.xml", "application/rss+xml", []string{"Réunion à Genève", "Le ministère a publié un communiqué."}},
		{"latin1 from HTTP only", "latin1.xml", "text/xml; charset=ISO-8859-1", []string{"Réunion à Genève"}},
		{"utf8 mislabelled latin1", "utf8-as-latin1.xml", "application/rss+xml", []string{"Réunion à Genève", "Le ministère a publié un communiqué."}},
		{"utf8 mislabelled by HTTP too", "utf8-as-latin1.xml", "text/xml; charset=iso-8859-1", []string{"Réunion à Genève"}},
		{"windows-1252 smart quotes", "cp1252.xml", "", []string{"\u201cQuoted\u201d \u2014 it\u2019s \u20ac100m", "\u201elow\u201c quotes\u2026"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToUTF8(fixture(t, tt.fixture), tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
				t.Errorf("declaration not rewritten: %.60q", got)
			}
			for _, w := range tt.want {
				if !bytes.Contains(got, []byte(w)) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// FuzzToUTF8 checks what the parser relies on: the output is valid UTF-8
// without the noncharacters XML forbids, any declaration left says UTF-8,
// and a second pass changes nothing.
func FuzzToUTF8(f *testing.F) {
	for _, name := range []string{"latin1.xml", "utf8-as-latin1.xml", "cp1252.xml"} {
		f.Add(fixture(f, name), "")
		f.Add(fixture(f, name), "text/xml; charset=iso-8859-1")
	}
	f.Add([]byte("\xff\xfe<\x00a\x00>\x00"), "")
	f.Add([]byte("\xfe\xff\x00<\x00a\x00>"), "")
	f.Add([]byte("\xef\xbb\xbf<a>\xc3\xa9\xff</a>"), "")
	f.Add([]byte("<?xml version='1.0' encoding='koi8-r'?><a>\xc1\xc2</a>"), "")
	f.Add([]byte("{\"title\":\"caf\xe9\"}"), "application/json; charset=windows-1252")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		out, err := ToUTF8(body, contentType)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "charset: ") {
				t.Errorf("error %q does not name the package", err)
			}
			return
		}
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 out of %q", body)
		}
		if bytes.Contains(out, []byte("\uFFFE")) || bytes.Contains(out, []byte("\uFFFF")) {
			t.Errorf("noncharacter left in %q", out)
		}
		if s, e, ok := declEncoding(out); ok && !isUTF8Label(string(out[s:e])) {
			t.Errorf("declaration still names %q", out[s:e])
		}
		again, err := ToUTF8(out, "")
		if err != nil || !bytes.Equal(again, out) {
			t.Errorf("second pass: %q, %v; first gave %q", again, err, out)
		}
	})
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
