package config

import (
	"slices"
	"strings"
	"testing"
)

// cmsSource is a site with four sections and a first-party source whose
// extra keys the tests append.
const cmsSource = validConfig + `
[[section]]
slug = "middle-east"
title = "Middle East"

[[section]]
slug = "analysis"
title = "Analysis"

[[section]]
slug = "world"
title = "World"

[[source]]
id = "cms"
kind = "articles"
url = "https://cms.example/"
`

func TestArticlesSourceErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"unknown kind", validConfig + "[[source]]\nid = \"cms\"\nkind = \"blog\"\nurl = \"https://cms.example/\"\nsections = [\"asia\"]\n",
			`c.toml:15: source "cms": kind "blog": want "external" or "articles"`},
		{"sections on articles", cmsSource + "sections = [\"asia\"]\n", `c.toml:30: source "cms": kind = "articles" routes by category`},
		{"route on external", validConfig + "[[source]]\nid = \"wire\"\nurl = \"https://wire.example/\"\nsections = [\"asia\"]\n[source.route]\n\"Asia\" = \"asia\"\n",
			`source "wire": [source.route] is for kind = "articles"`},
		{"default_sections on external", validConfig + "[[source]]\nid = \"wire\"\nurl = \"https://wire.example/\"\nsections = [\"asia\"]\ndefault_sections = [\"asia\"]\n",
			`c.toml:17: source "wire": default_sections is for kind = "articles"`},
		{"unknown default section", cmsSource + "default_sections = [\"europe\"]\n", `c.toml:30: source "cms": unknown section "europe"`},
		{"one category two sections", cmsSource + "[source.route]\n\"Middle East\" = \"middle-east\"\n\"middle  EAST\" = \"world\"\n",
			`source "cms": routes "Middle East" and "middle  EAST" name one category (case and spaces do not count) but different sections`},
		{"empty category", cmsSource + "[source.route]\n\" \" = \"world\"\n", `source "cms": route " " names no category`},
		{"empty withdrawn", cmsSource + "withdrawn = [\"\"]\n", `c.toml:30: source "cms": withdrawn lists an empty id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestRouted(t *testing.T) {
	cfg, err := Parse("c.toml", []byte(cmsSource+`default_sections = ["world"]
[source.route]
"Middle East" = "middle-east"
"Analysis | QiOSK" = "analysis"
"Iran" = "middle-east"
"Books" = "books"
`))
	if err != nil {
		t.Fatal(err)
	}
	src := &cfg.Sources[0]
	if src.Kind != KindArticles {
		t.Fatalf("kind = %q", src.Kind)
	}
	tests := []struct {
		name                  string
		categories            []string
		wantSections, wantTag []string
	}{
		{"exact", []string{"Middle East"}, []string{"middle-east"}, nil},
		{"case and spaces", []string{"  middle\teast ", "ANALYSIS|qiosk"}, []string{"middle-east", "analysis"}, nil},
		{"two categories, one section", []string{"Iran", "Middle East"}, []string{"middle-east"}, nil},
		{"unrouted become tags", []string{"Middle East", "Shipping", "Oil"}, []string{"middle-east"}, []string{"Shipping", "Oil"}},
		{"none routed: default sections", []string{"Culture"}, []string{"world"}, []string{"Culture"}},
		{"no categories", nil, []string{"world"}, nil},
		{"route to an unknown section is kept", []string{"Books"}, []string{"books"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sections, tags := src.Routed(tt.categories)
			if !slices.Equal(sections, tt.wantSections) || !slices.Equal(tags, tt.wantTag) {
				t.Errorf("Routed(%q) = %q, %q; want %q, %q", tt.categories, sections, tags, tt.wantSections, tt.wantTag)
			}
		})
	}
	warnings := cfg.RouteWarnings()
	if want := `source "cms": route "Books" goes to section "books", which is not defined`; len(warnings) != 1 || warnings[0] != want {
		t.Errorf("RouteWarnings = %q, want [%q]", warnings, want)
	}
}

func TestWithdraws(t *testing.T) {
	cfg, err := Parse("c.toml", []byte(cmsSource+`withdrawn = [
  "https://cms.example/?p=7",
  "tag:news.example,2026-01-01:article/cms/https://cms.example/%3Fp=8",
  "tag:news.example,2026-01-01:article/cms/1234",
  "https://cms.example/2026/11/retracted/?utm_source=rss",
]
`))
	if err != nil {
		t.Fatal(err)
	}
	src := &cfg.Sources[0]
	tests := []struct {
		name, id, link string
		want           bool
	}{
		{"guid as the feed gives it", "https://cms.example/?p=7", "https://cms.example/a/", true},
		{"guid by the id published", "https://cms.example/?p=8", "https://cms.example/b/", true},
		{"numeric guid, stored qualified, by the id published", "cms/1234", "", true},
		{"link in another form", "https://cms.example/?p=9", "https://www.cms.example/2026/11/retracted", true},
		{"another item", "https://cms.example/?p=10", "https://cms.example/2026/11/kept/", false},
		{"no link", "https://cms.example/?p=11", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := src.Withdraws(tt.id, tt.link); got != tt.want {
				t.Errorf("Withdraws(%q, %q) = %v, want %v", tt.id, tt.link, got, tt.want)
			}
		})
	}
}
