package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"syndicate/internal/app"
	"syndicate/internal/config"
	"syndicate/internal/document"
)

// build writes every document serve would answer with to dir, so that any
// static file server can publish the same bytes.
func build(ctx context.Context, configPath, dir string, out io.Writer) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	cfg.Store.RedisURL, cfg.Store.RedisAddrs = "", nil // a static build shares nothing with a fleet
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	// A site fed by its CMS is no site without the CMS's articles.
	if err := a.PollFirstParty(ctx); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	problems, err := a.PublishOnce(ctx)
	for _, p := range problems {
		fmt.Fprintln(out, p.Error())
	}
	if err != nil {
		return err
	}
	docs := maps.Clone(a.Publisher.Documents())
	// Tag and author feeds and the archives, which serve renders on
	// their first request.
	for p := range a.Publisher.OnDemand() {
		doc, ok := a.Publisher.Render(p)
		if !ok {
			return fmt.Errorf("build: %s: listed but not rendered", p)
		}
		docs[p] = doc
	}
	paths := make([]string, 0, len(docs))
	for p := range docs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	files := 0
	for _, p := range paths {
		file := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "/")))
		if strings.HasSuffix(p, "/") {
			file = filepath.Join(file, "index.html")
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return fmt.Errorf("build: %w", err)
		}
		written, err := writeDocument(file, docs[p])
		if err != nil {
			return err
		}
		files += written
	}
	fmt.Fprintf(out, "wrote %d files to %s\n", files, dir)
	if len(problems) > 0 {
		return errShown{len(problems)}
	}
	return nil
}

// writeDocument writes a document's body to file and its compressed copies
// beside it (file.gz, file.br), which a static server such as nginx
// (gzip_static, brotli_static) sends as they are: the same bytes serve
// sends for that encoding.
func writeDocument(file string, doc document.Document) (int, error) {
	n := 0
	for _, f := range []struct {
		suffix string
		part   document.Part
	}{{"", document.PartBody}, {".gz", document.PartGzip}, {".br", document.PartBrotli}} {
		body, err := doc.Read(f.part)
		if err != nil {
			return n, fmt.Errorf("build: %s: %w", file, err)
		}
		if f.suffix != "" && body == nil {
			continue
		}
		if err := os.WriteFile(file+f.suffix, body, 0o644); err != nil {
			return n, fmt.Errorf("build: %w", err)
		}
		n++
	}
	return n, nil
}
