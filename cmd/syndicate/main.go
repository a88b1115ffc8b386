// Command syndicate publishes a site's articles, and the external feeds it
// aggregates, as per-section RSS, Atom and JSON feeds.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const usage = `usage: syndicate <command> [flags]

commands:
  serve [--config PATH]            serve feeds and pages over HTTP (the default)
        [--fast-path=off]          ... with net/http answering every request
  check [--config PATH]            validate the configuration and every article
  build [--config PATH] --out DIR  write every feed and page to DIR as static files
  discover URL                     list the feeds the page at URL advertises, with type and title
  partner add ID --name NAME --sections a,b [--tags t] [--content full|summary] [--rate N]
                                   make a partner's token: printed once, with the config lines to paste
  partner list                     list the configured partners
  partner revoke ID                mark a partner revoked in the config file (serve applies it at once)
  version                          print the version
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("syndicate "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "config.toml", "configuration file")
	out := fs.String("out", "", "output directory (build)")
	fastPath := fs.String("fast-path", "on", "document requests answered without net/http: "+strings.Join(fastPathModes, ", ")+" (serve)")

	var err error
	switch cmd {
	case "serve", "check", "build":
		if fs.Parse(args) != nil {
			return 2
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "syndicate %s: unexpected argument %q\n", cmd, fs.Arg(0))
			return 2
		}
		switch cmd {
		case "serve":
			if !slices.Contains(fastPathModes, *fastPath) {
				fmt.Fprintf(stderr, "syndicate serve: --fast-path %q: want one of %s\n", *fastPath, strings.Join(fastPathModes, ", "))
				return 2
			}
			err = serve(ctx, *configPath, *fastPath, stderr)
		case "check":
			err = check(ctx, *configPath, stdout)
		case "build":
			if *out == "" {
				fmt.Fprintln(stderr, "syndicate build: --out DIR is required")
				return 2
			}
			err = build(ctx, *configPath, *out, stdout)
		}
	case "discover":
		if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
			fmt.Fprintf(stderr, "usage: syndicate discover URL\n")
			return 2
		}
		err = discoverFeeds(ctx, args[0], stdout)
	case "partner":
		return partnerCmd(args, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "syndicate", Version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "syndicate: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		var shown errShown
		if !errors.As(err, &shown) {
			fmt.Fprintln(stderr, err)
		}
		return 1
	}
	return 0
}

// fastPathModes are serve's --fast-path values: on, off, or on without one
// of its tricks, for measuring what each buys (see serve).
var fastPathModes = []string{"on", "off", "no-sendfile", "ordinary-calls"}

// errShown marks an error whose details were already printed.
type errShown struct{ n int }

func (e errShown) Error() string { return fmt.Sprintf("%d problems", e.n) }

// Version is the build's version: the -X flag if given, else the module
// version or VCS revision Go recorded.
func Version() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}
