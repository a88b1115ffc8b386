package content

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"syndicate/internal/item"
)

// Snapshot is the state of the article folder at one moment.
type Snapshot map[string]stamp

// TakeSnapshot records the state of opts.Dir. Taken before the first
// Load and handed to Watch, it makes a write that lands during that Load
// a change Watch reports, where a snapshot taken after it would miss it.
func TakeSnapshot(opts Options) Snapshot { return snapshot(opts.Dir) }

// Watch polls opts.Dir every `every` and calls onChange with a fresh Load
// whenever an article file is added, changed or removed since from (or
// since its previous call), until ctx ends. Files in media/ are watched
// too, since an article's image length comes from them. every must be
// positive, as config's content.poll_interval is.
//
// Polling stat data, not file events, keeps it to the standard library and
// working on network and container mounts where events do not arrive.
func Watch(ctx context.Context, opts Options, from Snapshot, every time.Duration, onChange func([]item.Item, []Problem)) {
	last := from
	lastGood, _ := loadFiles(opts, nil)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// The snapshot is taken before loading, so a write that lands
		// during Load shows up as a change at the next poll.
		now := snapshot(opts.Dir)
		if maps.Equal(now, last) {
			continue
		}
		last = now
		var byFile map[string]item.Item
		var problems []Problem
		byFile, problems, lastGood = keepLastGood(opts, lastGood)
		if ctx.Err() != nil {
			return
		}
		onChange(sortedItems(byFile), problems)
	}
}

// keepLastGood loads the articles, and where an article that was good has
// just been broken by an edit, keeps publishing its last good version
// rather than pulling it from every feed: a typo must not unpublish.
// Deleting the file still removes the article.
func keepLastGood(opts Options, lastGood map[string]item.Item) (byFile map[string]item.Item, problems []Problem, good map[string]item.Item) {
	byFile, problems = loadFiles(opts, nil)
	good = maps.Clone(byFile)
	taken := map[string]bool{}
	for _, it := range byFile {
		taken[it.ID] = true
	}
	for i, p := range problems {
		prev, ok := lastGood[p.File]
		if _, exists := byFile[p.File]; exists || !ok || taken[prev.ID] {
			continue
		}
		if _, err := os.Stat(p.File); err != nil {
			continue
		}
		byFile[p.File] = prev
		good[p.File] = prev
		taken[prev.ID] = true
		problems[i].Message += " (the last good version stays published)"
	}
	return byFile, problems, good
}

type stamp struct {
	size  int64
	mtime int64 // UnixNano: time.Time's == also compares locations
}

func snapshot(dir string) Snapshot {
	files := Snapshot{}
	add := func(path string) {
		if info, err := os.Stat(path); err == nil {
			files[path] = stamp{info.Size(), info.ModTime().UnixNano()}
		}
	}
	walkArticles(dir, func(path string, _ fs.DirEntry) {
		if strings.HasSuffix(path, ".md") {
			add(path)
		}
	})
	media := filepath.Join(dir, mediaDir)
	entries, _ := os.ReadDir(media)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			add(filepath.Join(media, e.Name()))
		}
	}
	return files
}
