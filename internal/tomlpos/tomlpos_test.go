package tomlpos

import "testing"

// doc numbers its lines in comments at the end, for reading the table
// below; the comments are part of what is tested.
const doc = `# title = "a commented-out key"            # 1
title = "Top"                                 # 2
"quoted" = 1                                  # 3
site.tag_date = "2026-01-01"                  # 4
image = { url = "x.jpg", length = 3 }         # 5
notes = """                                   # 6
title = "inside a multi-line string"
[site]
"""                                           # 9
motto = "a \"#\" = 'b'"                       # 10
sections = [                                  # 11
  "a",
  [ "nested" ],
  { title = "in an array" },
]                                             # 15
[site] # the site                             # 16
# language = "fr"                             # 17
language = "en"                               # 18
base_url = "https://x.example/#frag"          # 19
[[section]]                                   # 20
slug = "asia"                                 # 21
[[section]]                                   # 22
title = """Africa"""                          # 23
slug = "africa"                               # 24
[ "odd table" ]                               # 25
"a b" . c = 1                                 # 26
[empty]                                       # 27
`

func TestIn(t *testing.T) {
	l := New([]byte(doc), 1)
	tests := []struct {
		name, table string
		index       int
		key         string
		want        int
	}{
		{"top-level key, not the commented one", "", 0, "title", 2},
		{"quoted key", "", 0, "quoted", 3},
		{"dotted top-level key", "site", 0, "tag_date", 4},
		{"inline table", "image", 0, "length", 5},
		{"key after a multi-line string", "", 0, "motto", 10},
		{"key after a multi-line array", "", 0, "sections", 11},
		{"table key, not the commented one", "site", 0, "language", 18},
		{"# inside a string is no comment", "site", 0, "base_url", 19},
		{"first array table", "section", 0, "slug", 21},
		{"second array table", "section", 1, "slug", 24},
		{"one-line triple-quoted string", "section", 1, "title", 23},
		{"missing key: the occurrence's header", "section", 1, "limit", 22},
		{"missing key: the plain table's header", "empty", 0, "x", 27},
		{"quoted table name and key", "odd table", 0, "a b.c", 26},
		{"missing table: the start", "store", 0, "prefix", 1},
		{"array of tables past the last: the start", "section", 2, "slug", 1},
		{"nothing is found inside strings or arrays", "", 0, "missing", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := l.In(tt.table, tt.index, tt.key); got != tt.want {
				t.Errorf("In(%q, %d, %q) = %d, want %d", tt.table, tt.index, tt.key, got, tt.want)
			}
		})
	}
}

func TestNotKeys(t *testing.T) {
	// Each of these would be found on the wrong line by a finder that
	// reads comments, strings or values as keys or headers.
	l := New([]byte(doc), 1)
	for _, key := range []string{"title", "language"} {
		for _, table := range []string{"", "site", "section"} {
			line := l.In(table, 0, key)
			switch line {
			case 7, 8, 14, 17:
				t.Errorf("In(%q, 0, %q) = %d: a comment, string or value", table, key, line)
			}
		}
	}
}

func TestOffset(t *testing.T) {
	// Front matter that starts on line 2 of its file.
	l := New([]byte("id = \"x\"\n\n[image]\nurl = \"a.jpg\"\n"), 2)
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"Start", l.Start(), 2},
		{"Key", l.Key("id"), 2},
		{"In", l.In("image", 0, "url"), 5},
		{"missing", l.Key("title"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

func TestCRLF(t *testing.T) {
	l := New([]byte("[site]\r\ntitle = \"x\"\r\n[[section]]\r\nslug = \"a\"\r\n"), 1)
	if got := l.In("site", 0, "title"); got != 2 {
		t.Errorf("site.title on line %d, want 2", got)
	}
	if got := l.In("section", 0, "slug"); got != 4 {
		t.Errorf("section slug on line %d, want 4", got)
	}
}
