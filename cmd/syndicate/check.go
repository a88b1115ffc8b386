package main

import (
	"fmt"
	"io"
	"strings"

	"syndicate/internal/app"
	"syndicate/internal/config"
	"syndicate/internal/content"
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
	items, problems := content.Load(app.ContentOptions(cfg))
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
