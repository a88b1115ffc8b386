package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"syndicate/internal/app"
	"syndicate/internal/config"
	"syndicate/internal/content"
	"syndicate/internal/item"
	"syndicate/internal/section"
)

// check validates the configuration and every article, printing each
// problem as file:line: message.
func check(configPath string, out io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		// Printed like an article's problem, file:line: message, for
		// editors and CI annotations that jump to the line.
		fmt.Fprintln(out, strings.TrimPrefix(err.Error(), "config: "))
		return errShown{1}
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
