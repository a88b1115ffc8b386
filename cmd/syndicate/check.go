package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"syndicate/internal/app"
	"syndicate/internal/config"
	"syndicate/internal/content"
	"syndicate/internal/item"
	"syndicate/internal/section"
	"syndicate/internal/source"
)

// check validates the configuration and every article, printing each
// problem as file:line: message, then the warnings, which do not fail it.
func check(ctx context.Context, configPath string, out io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		// Printed like an article's problem, file:line: message, for
		// editors and CI annotations that jump to the line.
		fmt.Fprintln(out, strings.TrimPrefix(err.Error(), "config: "))
		return errShown{1}
	}
	for _, w := range warnings(ctx, cfg) {
		fmt.Fprintf(out, "%s: warning: %s\n", cfg.Path, w)
	}
	items, where, problems := content.LoadWhere(app.ContentOptions(cfg))
	for _, c := range section.NewTopics(items, cfg.Content.TopicLimit).Collisions {
		problems = append(problems, collision(c, where))
	}
	slices.SortStableFunc(problems, func(a, b content.Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	for _, p := range problems {
		fmt.Fprintln(out, p.Error())
	}
	if len(problems) > 0 {
		fmt.Fprintf(out, "%d problem(s); %d article(s) fine\n", len(problems), len(items))
		return errShown{len(problems)}
	}
	fmt.Fprintf(out, "ok: %s, %d sections, %d articles\n", cfg.Path, len(cfg.Sections), len(items))
	return nil
}

// collision reports two names that share a slug at the article that
// spells the name other than the feed's, naming the article that spells
// the feed's name.
func collision(c section.Collision, where map[string]content.Where) content.Problem {
	file, line := position(c.Kind, c.Names[1], c.Items[1], where)
	otherFile, otherLine := position(c.Kind, c.Names[0], c.Items[0], where)
	return content.Problem{File: file, Line: line, Message: fmt.Sprintf(
		"%s %q and %s %q (%s:%d) share the slug %q, so one feed carries both: spell them alike or tell them apart",
		c.Kind, c.Names[1], c.Kind, c.Names[0], otherFile, otherLine, c.Slug)}
}

// position is the file and line where it writes name as a tag or author.
func position(kind section.Kind, name string, it *item.Item, where map[string]content.Where) (string, int) {
	w := where[it.ID]
	if kind == section.KindAuthor {
		for i, p := range it.Authors {
			if p.Name == name && i < len(w.Authors) {
				return w.File, w.Authors[i]
			}
		}
	}
	return w.File, w.Tags
}

// warnings are what may be intended but is likely a slip: routes to
// sections that do not exist, and the categories a first-party source's
// feed uses today that route nowhere (its items with only those reach
// latest and default_sections alone, the categories becoming tags).
func warnings(ctx context.Context, cfg *config.Config) []string {
	out := cfg.RouteWarnings()
	ua := cfg.Fetch.UserAgent
	if ua == "" {
		ua = source.UserAgent(Version(), cfg.Site.BaseURL)
	}
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if src.Kind != config.KindArticles {
			continue
		}
		cats, err := source.Categories(ctx, cfg.Fetch, ua, src)
		if err != nil {
			out = append(out, fmt.Sprintf("source %q: its feed could not be read to check its categories: %v", src.ID, err))
			continue
		}
		var nowhere []string
		for _, c := range cats {
			if _, ok := src.RouteKeys[config.RouteKey(c)]; !ok {
				nowhere = append(nowhere, strconv.Quote(c))
			}
		}
		if len(nowhere) > 0 {
			out = append(out, fmt.Sprintf("source %q: categories in its feed that route to no section (they become tags): %s", src.ID, strings.Join(nowhere, ", ")))
		}
	}
	return out
}
