package main

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"syndicate/internal/config"
)

// The sample publication has twenty articles, which make a latest feed of
// about 70 KB but no section of 50 items. The load test copies them and
// adds synthetic articles in a section of their own, dated before the real
// ones, so the latest feed keeps exactly the sample's twenty articles.
const (
	syntheticSection = "world"
	sampleArticles   = 20 // the latest limit that keeps the sample's latest feed as it is
)

// sectionConfig is appended to the repository's config.toml: the synthetic
// section, and the latest section as the configuration defines it but with
// the limit that keeps synthetic articles out of it.
func sectionConfig(latest config.Section, limit int) string {
	return fmt.Sprintf(`
# Added by cmd/loadtest.
[[section]]
slug = %q
title = %q
description = %q
limit = %d

[[section]]
slug = %q
title = "World"
description = "Synthetic articles that give the load test a full section."
limit = %d
`, latest.Slug, latest.Title, latest.Description, sampleArticles, syntheticSection, limit)
}

// writeSite copies the repository's config.toml and feeds/ into dir and
// adds n synthetic articles, returning the config file's path.
func writeSite(repo, dir string, n int) (string, error) {
	src := filepath.Join(repo, "feeds")
	dst := filepath.Join(dir, "feeds")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path) // path is under src
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("loadtest: copy %s: %w", src, err)
	}
	synthetic := filepath.Join(dst, "loadtest")
	if err := os.MkdirAll(synthetic, 0o755); err != nil {
		return "", fmt.Errorf("loadtest: %w", err)
	}
	rng := rand.New(rand.NewPCG(11, 11)) // the same articles every run
	first := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	for i := range n {
		published := first.Add(time.Duration(i) * 26 * time.Hour)
		name := filepath.Join(synthetic, fmt.Sprintf("%s-synthetic-%03d.md", published.Format("2006-01-02"), i))
		if err := os.WriteFile(name, []byte(syntheticArticle(rng, i, published)), 0o644); err != nil {
			return "", fmt.Errorf("loadtest: %w", err)
		}
	}
	repoConfig := filepath.Join(repo, "config.toml")
	cfg, err := os.ReadFile(repoConfig)
	if err != nil {
		return "", fmt.Errorf("loadtest: %w", err)
	}
	parsed, err := config.Load(repoConfig)
	if err != nil {
		return "", err
	}
	latest := parsed.Sections[slices.IndexFunc(parsed.Sections, func(s config.Section) bool { return s.Slug == config.LatestSlug })]
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, append(cfg, sectionConfig(latest, n)...), 0o644); err != nil {
		return "", fmt.Errorf("loadtest: %w", err)
	}
	return path, nil
}

// words are drawn at random into sentences: text that compresses about as
// well as prose does, which a repeated paragraph would not.
var words = strings.Fields(`the a of to and in that for on with as by at from
government ministers officials said would could which their its has have been
were trade talks border port shipping tariff budget election coalition parliament
senate treaty alliance security defence energy oil gas grid water drought harvest
market prices inflation currency bank debt bonds investors exporters importers
cabinet reform committee agency court ruling appeal protest strike union workers
city province region capital coast river valley island strait corridor pipeline
negotiators envoy summit delegation proposal draft agreement sanctions exemptions
weeks months year quarter since after before during while although because however
higher lower slower faster larger smaller new old first last several many few
analysts diplomats residents farmers engineers lawyers economists journalists`)

func sentence(rng *rand.Rand) string {
	n := 9 + rng.IntN(14)
	w := make([]string, n)
	for i := range w {
		w[i] = words[rng.IntN(len(words))]
	}
	w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
	return strings.Join(w, " ") + "."
}

func paragraph(rng *rand.Rand) string {
	s := make([]string, 3+rng.IntN(3))
	for i := range s {
		s[i] = sentence(rng)
	}
	return strings.Join(s, " ")
}

// syntheticArticle is an article with a body of about 2 KB: paragraphs, a
// heading, a list and a quote, as the sample's articles have.
func syntheticArticle(rng *rand.Rand, i int, published time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "+++\nid = \"synthetic-%03d\"\n", i)
	fmt.Fprintf(&b, "title = %q\n", strings.TrimSuffix(sentence(rng), "."))
	fmt.Fprintf(&b, "standfirst = %q\n", sentence(rng)+" "+sentence(rng))
	fmt.Fprintf(&b, "published = %s\n", published.Format(time.RFC3339))
	fmt.Fprintf(&b, "sections = [%q]\ntags = [\"synthetic\"]\n\n", syntheticSection)
	b.WriteString("[[authors]]\nname = \"Load Test Desk\"\n+++\n\n")
	b.WriteString(paragraph(rng) + "\n\n")
	b.WriteString(paragraph(rng) + "\n\n")
	b.WriteString("## " + strings.TrimSuffix(sentence(rng), ".") + "\n\n")
	b.WriteString(paragraph(rng) + "\n\n")
	for range 3 {
		b.WriteString("- **" + words[rng.IntN(len(words))] + ".** " + sentence(rng) + "\n")
	}
	b.WriteString("\n> \"" + sentence(rng) + "\"\n\n")
	b.WriteString(paragraph(rng) + "\n")
	return b.String()
}
