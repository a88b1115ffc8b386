// Package content loads the site's own articles: Markdown files with TOML
// front matter, as Hugo writes them. A bad article is reported with its file
// and line and left out, so one typo never takes the whole site down.
package content

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/yuin/goldmark"

	"syndicate/internal/item"
)

// Options says where articles live and how their ids and URLs are formed.
type Options struct {
	Dir          string          // e.g. "feeds"
	BaseURL      string          // as config leaves it: absolute, no trailing slash, e.g. "http://127.0.0.1:8080"
	TagAuthority string          // e.g. "syndicate.example" (never contains a port)
	TagDate      string          // e.g. "2026-01-01"
	Sections     map[string]bool // known section slugs; config.LatestSlug is built in and NOT listed by articles
}

// siteInfo is what every article of one load is checked against and derives
// its id and links from.
type siteInfo struct {
	Options
	tagPrefix string // for article ids, "tag:{authority},{date}:"
	md        goldmark.Markdown
}

func newSite(opts Options) (*siteInfo, error) {
	prefix, err := item.TagPrefix(opts.TagAuthority, opts.TagDate)
	if err != nil {
		return nil, fmt.Errorf("cannot form article ids: %v", err)
	}
	return &siteInfo{Options: opts, tagPrefix: prefix, md: newMarkdown(opts.BaseURL)}, nil
}

// Problem is one bad input, printed as "file:line: message".
//
// Line is 0 only when the problem is about no line of a file (the directory
// itself cannot be read); Error then prints "file: message".
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) Error() string {
	if p.Line <= 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
}

// mediaDir is the subfolder of Dir that holds images, not articles.
const mediaDir = "media"

// Load reads every article under opts.Dir. A bad article is reported as a
// Problem and left out; all others are returned, newest first.
func Load(opts Options) ([]item.Item, []Problem) {
	byFile, problems := loadFiles(opts, nil)
	return sortedItems(byFile), problems
}

// Where is where an article's tags and authors are written, for problems
// found in them after loading, such as two names that share a slug.
type Where struct {
	File    string
	Tags    int   // the line of the tags key
	Authors []int // the line of each author's name
}

// LoadWhere is Load that also says, by item id, where each article's
// tags and authors are written.
func LoadWhere(opts Options) ([]item.Item, map[string]Where, []Problem) {
	where := map[string]Where{}
	byFile, problems := loadFiles(opts, where)
	return sortedItems(byFile), where, problems
}

// loadFiles is Load keyed by file, so that Watch can tell which file an
// item came from. where, if not nil, is filled as LoadWhere says.
func loadFiles(opts Options, where map[string]Where) (map[string]item.Item, []Problem) {
	files, problems := articleFiles(opts.Dir)
	site, err := newSite(opts)
	if err != nil {
		return nil, append(problems, Problem{File: opts.Dir, Message: err.Error()})
	}
	byFile := map[string]item.Item{}
	owner := map[string]string{} // article id -> "file:line" that claimed it first
	for _, path := range files {
		a := parseFile(path, site)
		// An id is claimed even by an otherwise broken article, so which of
		// two files keeps an id never flips while one of them is being fixed.
		if a.id != "" {
			if first, ok := owner[a.id]; ok {
				a.problem(a.idLine, "duplicate id %q: already used by %s", a.id, first)
			} else {
				owner[a.id] = fmt.Sprintf("%s:%d", path, a.idLine)
			}
		}
		if len(a.problems) > 0 {
			problems = append(problems, a.problems...)
			continue
		}
		byFile[path] = a.item
		if where != nil {
			where[a.item.ID] = a.where
		}
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return byFile, problems
}

func sortedItems(byFile map[string]item.Item) []item.Item {
	items := make([]item.Item, 0, len(byFile))
	for _, it := range byFile {
		items = append(items, it)
	}
	item.SortNewest(items)
	return items
}

// articleFiles lists the *.md files under dir in lexical order, which makes
// "the first file" of a duplicate id well defined. Hidden files are skipped
// because editors keep lock and swap files there (Emacs's .#x.md is a
// dangling symlink).
func articleFiles(dir string) ([]string, []Problem) {
	var files []string
	problems := walkArticles(dir, func(path string, _ fs.DirEntry) {
		if strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
	})
	return files, problems
}

// walkArticles calls fn for every non-hidden file under dir outside its
// top-level media folder. A folder that cannot be read is a problem, not a
// reason to drop the articles in the others.
func walkArticles(dir string, fn func(path string, d fs.DirEntry)) []Problem {
	info, err := os.Lstat(dir)
	if err != nil {
		return []Problem{{File: dir, Message: "cannot read article folder: " + unwrapPath(err)}}
	}
	root := dir
	if info.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a symlinked root; a trailing separator
		// makes it.
		root += string(filepath.Separator)
	}
	var problems []Problem
	media := filepath.Join(dir, mediaDir)
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			problems = append(problems, Problem{File: path, Message: "cannot read: " + unwrapPath(err)})
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path == media {
				return filepath.SkipDir
			}
			return nil
		}
		fn(path, d)
		return nil
	})
	return problems
}

// unwrapPath drops the path from an *fs.PathError: Problem already names it.
func unwrapPath(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
