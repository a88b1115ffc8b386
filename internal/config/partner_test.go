package config

import (
	"strings"
	"testing"
)

const hashA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // sha256("test")
const hashB = "0000000000000000000000000000000000000000000000000000000000000001"

func TestPartners(t *testing.T) {
	cfg, err := Parse("c.toml", []byte(`
[site]
public_content = "summary"
[[section]]
slug = "asia"
title = "Asia"
[[partner]]
id = "wire-co"
token_sha256 = "`+hashA+`"
sections = ["asia", "latest"]
rate = 60
[[partner]]
id = "daily"
name = "The Daily"
token_sha256 = "`+hashB+`"
tags = ["iran"]
content = "summary"
revoked = true
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Site.PublicContent != ContentSummary {
		t.Errorf("public_content = %q", cfg.Site.PublicContent)
	}
	p := cfg.Partner("wire-co")
	if p == nil || p.Name != "wire-co" || p.Content != ContentFull || p.Rate != 60 || p.Summary() || p.Revoked {
		t.Errorf("wire-co = %+v: want name defaulting to the id, full content, rate 60", p)
	}
	if d := cfg.Partner("daily"); d == nil || !d.Summary() || !d.Revoked || d.Tags[0] != "iran" {
		t.Errorf("daily = %+v", d)
	}
	if TokenHash("test") != hashA {
		t.Errorf("TokenHash(test) = %s", TokenHash("test"))
	}
	if def, _ := Parse("c.toml", nil); def.Site.PublicContent != ContentFull {
		t.Errorf("default public_content = %q, want full", def.Site.PublicContent)
	}
}

func TestPartnerErrors(t *testing.T) {
	partner := func(body string) string { return "[[partner]]\nid = \"wire\"\n" + body }
	tok := "token_sha256 = \"" + hashA + "\"\n"
	for _, tt := range []struct{ name, input, want string }{
		{"public content", "[site]\npublic_content = \"teaser\"\n", "c.toml:2: site.public_content \"teaser\""},
		{"bad id", "[[partner]]\nid = \"Wire Co\"\n", "c.toml:2: partner id \"Wire Co\""},
		{"token in clear", partner("token_sha256 = \"s3cret-token-value\"\nsections = [\"latest\"]\n"), "c.toml:3: partner \"wire\": token_sha256 must be 64"},
		{"upper-case hash", partner("token_sha256 = \"" + strings.ToUpper(hashA) + "\"\nsections = [\"latest\"]\n"), "c.toml:3:"},
		{"unknown section", partner(tok + "sections = [\"asai\"]\n"), "c.toml:4: partner \"wire\": unknown section \"asai\""},
		{"nothing to fetch", partner(tok), "c.toml:1: partner \"wire\": sections lists none"},
		{"content", partner(tok + "sections = [\"latest\"]\ncontent = \"teaser\"\n"), "c.toml:5: partner \"wire\": content \"teaser\""},
		{"rate", partner(tok + "sections = [\"latest\"]\nrate = -1\n"), "c.toml:5: partner \"wire\": rate"},
		{"duplicate id", partner(tok+"sections = [\"latest\"]\n") + partner("token_sha256 = \""+hashB+"\"\nsections = [\"latest\"]\n"), "c.toml:6: duplicate partner \"wire\""},
		{"shared token", partner(tok+"sections = [\"latest\"]\n") + "[[partner]]\nid = \"other\"\n" + tok + "sections = [\"latest\"]\n", "c.toml:7: partner \"other\" has the token of partner \"wire\""},
		{"p is reserved", "[[section]]\nslug = \"p\"\ntitle = \"P\"\n", "c.toml:2: section slug \"p\" is reserved"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error echoes the value: %v", err)
			}
		})
	}
}
