package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"syndicate/internal/config"
	"syndicate/internal/partner"
)

const partnerUsage = `usage:
  syndicate partner add ID --name NAME --sections a,b [--tags t,u] [--content full|summary] [--rate N] [--config PATH]
  syndicate partner list [--config PATH]
  syndicate partner revoke ID [--config PATH]
`

// partnerCmd runs "syndicate partner …": add prints a new token once and
// the config lines to paste, list shows the configured partners, revoke
// marks one revoked in the configuration file.
func partnerCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, partnerUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("syndicate partner "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "config.toml", "configuration file")
	name := fs.String("name", "", "the partner's name (add)")
	sections := fs.String("sections", "", "comma-separated sections the partner may fetch (add)")
	tags := fs.String("tags", "", "comma-separated tags whose feeds the partner may fetch (add)")
	content := fs.String("content", config.ContentFull, `"full" or "summary" (add)`)
	rate := fs.Int("rate", 0, "requests per minute, 0 for no bound (add)")
	// The id may come before the flags or after them.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if fs.Parse(args) != nil {
		return 2
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	var err error
	switch sub {
	case "add":
		err = partnerAdd(*configPath, config.Partner{ID: id, Name: *name, Sections: list(*sections), Tags: list(*tags), Content: *content, Rate: *rate}, stdout)
	case "list":
		err = partnerList(*configPath, stdout)
	case "revoke":
		err = partnerRevoke(*configPath, id, stdout)
	default:
		fmt.Fprintf(stderr, "syndicate partner: unknown command %q\n\n%s", sub, partnerUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// partnerAdd makes a token for p, checks p against the configuration as
// it would be with p pasted in, and prints the token, once, with the
// lines to paste. Nothing is written: the token exists only on the
// terminal, and its hash only once pasted.
func partnerAdd(path string, p config.Partner, out io.Writer) error {
	if p.ID == "" {
		return errors.New("syndicate partner add: an ID is required\n\n" + partnerUsage)
	}
	if p.Name == "" {
		p.Name = p.ID
	}
	token, err := partner.NewToken()
	if err != nil {
		return fmt.Errorf("syndicate partner add: %w", err)
	}
	p.TokenSHA256 = config.TokenHash(token)
	lines := partnerTOML(p)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("syndicate partner add: %w", err)
	}
	cfg, err := config.Parse(path, append(append(data, '\n'), lines...))
	if err != nil {
		return fmt.Errorf("syndicate partner add: with the new partner, %w", err)
	}
	base := cfg.Site.BaseURL
	section := "latest"
	if len(p.Sections) > 0 {
		section = p.Sections[0]
	} else if len(p.Tags) > 0 {
		section = "tag/" + p.Tags[0]
	}
	fmt.Fprintf(out, `Token of partner %q (shown this once: Syndicate keeps only its SHA-256):

    %s

The partner fetches %s/p/%s/%s/rss.xml (atom.xml,
feed.json, archives and pages likewise), or the public URLs with
"Authorization: Bearer <token>".

Paste into %s; a running serve applies it within two seconds:

%s`, p.ID, token, base, token, section, filepath.Base(path), lines)
	return nil
}

// partnerTOML is p as a [[partner]] table.
func partnerTOML(p config.Partner) string {
	var b strings.Builder
	b.WriteString("[[partner]]\n")
	fmt.Fprintf(&b, "id = %s\n", strconv.Quote(p.ID))
	fmt.Fprintf(&b, "name = %s\n", strconv.Quote(p.Name))
	fmt.Fprintf(&b, "token_sha256 = %q\n", p.TokenSHA256)
	fmt.Fprintf(&b, "sections = %s\n", quoteList(p.Sections))
	if len(p.Tags) > 0 {
		fmt.Fprintf(&b, "tags = %s\n", quoteList(p.Tags))
	}
	fmt.Fprintf(&b, "content = %s\n", strconv.Quote(p.Content))
	if p.Rate > 0 {
		fmt.Fprintf(&b, "rate = %d # requests per minute\n", p.Rate)
	}
	return b.String()
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func partnerList(path string, out io.Writer) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	if len(cfg.Partners) == 0 {
		fmt.Fprintf(out, "no partners in %s\n", cfg.Path)
		return nil
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tSTATUS\tCONTENT\tRATE\tSECTIONS")
	for _, p := range cfg.Partners {
		status, rate := "active", "-"
		if p.Revoked {
			status = "revoked"
		}
		if p.Rate > 0 {
			rate = strconv.Itoa(p.Rate) + "/min"
		}
		grants := strings.Join(p.Sections, ",")
		for _, t := range p.Tags {
			grants += ",tag/" + t
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, status, p.Content, rate, strings.TrimPrefix(grants, ","))
	}
	return w.Flush()
}

var (
	tableHeader = regexp.MustCompile(`^\s*\[`)
	partnerHead = regexp.MustCompile(`^\s*\[\[\s*partner\s*\]\]`)
	revokedLine = regexp.MustCompile(`^\s*revoked\s*=`)
)

// partnerRevoke marks partner id revoked in the file at path, keeping
// every other byte: the partner's token answers 404 from then on, on
// every instance that reloads the file, and its usage keeps its name.
func partnerRevoke(path, id string, out io.Writer) error {
	if id == "" {
		return errors.New("syndicate partner revoke: an ID is required\n\n" + partnerUsage)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	p := cfg.Partner(id)
	if p == nil {
		return fmt.Errorf("syndicate partner revoke: no partner %q in %s", id, path)
	}
	if p.Revoked {
		fmt.Fprintf(out, "partner %q is already revoked in %s\n", id, path)
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.SplitAfter(string(data), "\n")
	idLine := regexp.MustCompile(`^\s*id\s*=\s*(?:"` + regexp.QuoteMeta(id) + `"|'` + regexp.QuoteMeta(id) + `')\s*(?:#.*)?$`)
	at, in := -1, false
	for i, l := range lines {
		switch {
		case partnerHead.MatchString(l):
			in = true
		case tableHeader.MatchString(l):
			in = false
		case in && idLine.MatchString(strings.TrimRight(l, "\r\n")):
			at = i
		}
		if at >= 0 {
			break
		}
	}
	if at < 0 {
		return fmt.Errorf("syndicate partner revoke: partner %q is not written as id = %q in a [[partner]] table of %s; add revoked = true to it by hand", id, id, path)
	}
	// A revoked = false further down the table is replaced; else the line
	// goes right after the id.
	edited := false
	for i := at + 1; i < len(lines) && !tableHeader.MatchString(lines[i]); i++ {
		if revokedLine.MatchString(lines[i]) {
			lines[i] = "revoked = true\n"
			edited = true
			break
		}
	}
	if !edited {
		if !strings.HasSuffix(lines[at], "\n") {
			lines[at] += "\n"
		}
		lines = append(lines[:at+1], append([]string{"revoked = true\n"}, lines[at+1:]...)...)
	}
	next := []byte(strings.Join(lines, ""))
	after, err := config.Parse(path, next)
	if err != nil || after.Partner(id) == nil || !after.Partner(id).Revoked {
		return fmt.Errorf("syndicate partner revoke: could not mark %q revoked in %s (%v); add revoked = true to its table by hand", id, path, err)
	}
	if err := writeAtomic(path, next); err != nil {
		return fmt.Errorf("syndicate partner revoke: %w", err)
	}
	fmt.Fprintf(out, "partner %q revoked in %s; a running serve applies it within two seconds (or at once on SIGHUP)\n", id, path)
	return nil
}

// writeAtomic replaces the file at path with data, keeping its mode, so
// that a reader (serve's watch) sees the old file or the new, never half.
func writeAtomic(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".syndicate-config-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), info.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
