package content

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"syndicate/internal/item"
)

func writeArticle(t *testing.T, dir, id, title string) {
	t.Helper()
	text := fmt.Sprintf(`+++
id = %q
title = %q
standfirst = "A standfirst."
published = 2026-10-14T09:30:00Z
sections = ["asia"]

[[authors]]
name = "Mei-Ling Zhou"
+++
Body of %s.
`, id, title, id)
	save(t, filepath.Join(dir, id+".md"), text)
}

// save writes text to path as editors save, to a file beside it renamed
// over it: written in place, the watcher could read it truncated, between
// the truncation and the write, and report that as the edit.
func save(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

type loaded struct {
	items    []item.Item
	problems []Problem
}

// TestWatch proves the promise made to the server: an edit, an addition
// and a removal each reach onChange within two seconds.
func TestWatch(t *testing.T) {
	dir := t.TempDir()
	writeArticle(t, dir, "first", "First")
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan loaded, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, testOptions(dir), TakeSnapshot(testOptions(dir)), 200*time.Millisecond, func(items []item.Item, problems []Problem) {
			changes <- loaded{items, problems}
		})
	}()
	defer func() {
		cancel()
		<-done
	}()
	// Let Watch take its first snapshot before anything changes.
	time.Sleep(300 * time.Millisecond)

	steps := []struct {
		name   string
		change func()
		titles []string
	}{
		{"edit", func() { writeArticle(t, dir, "first", "First, edited") }, []string{"First, edited"}},
		{"add", func() { writeArticle(t, dir, "second", "Second") }, []string{"First, edited", "Second"}},
		{"remove", func() { os.Remove(filepath.Join(dir, "first.md")) }, []string{"Second"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.change()
			// A poll may land mid-write and see a half file; what matters is
			// that the final state arrives in time.
			deadline := time.After(2 * time.Second)
			var last loaded
			for {
				select {
				case last = <-changes:
					if len(last.problems) == 0 && slices.Equal(titlesOf(last.items), s.titles) {
						return
					}
					continue
				case <-deadline:
				}
				t.Fatalf("within 2s: last titles %q, problems %v; want titles %q", titlesOf(last.items), last.problems, s.titles)
			}
		})
	}
}

func TestWatchStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Watch(ctx, testOptions(t.TempDir()), nil, 50*time.Millisecond, func([]item.Item, []Problem) {})
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Watch still running after its context ended")
	}
}

func titlesOf(items []item.Item) []string {
	var titles []string
	for _, it := range items {
		titles = append(titles, it.Title)
	}
	slices.Sort(titles)
	return titles
}

// A typo saved over a published article must not pull it from the feeds:
// the problem is reported and the last good version stays.
func TestWatchKeepsLastGoodVersion(t *testing.T) {
	dir := t.TempDir()
	writeArticle(t, dir, "first", "First")
	writeArticle(t, dir, "other", "Other")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan loaded, 16)
	go Watch(ctx, testOptions(dir), TakeSnapshot(testOptions(dir)), 100*time.Millisecond, func(items []item.Item, problems []Problem) {
		changes <- loaded{items, problems}
	})
	time.Sleep(200 * time.Millisecond)

	path := filepath.Join(dir, "first.md")
	save(t, path, "+++\nid = \"first\"\ntitle = \n+++\nbroken\n")
	select {
	case got := <-changes:
		if !slices.Equal(titlesOf(got.items), []string{"Other", "First"}) && !slices.Equal(titlesOf(got.items), []string{"First", "Other"}) {
			t.Errorf("titles after a broken edit = %q, want the last good First kept beside Other", titlesOf(got.items))
		}
		if len(got.problems) != 1 || !strings.Contains(got.problems[0].Error(), "first.md:3:") || !strings.Contains(got.problems[0].Message, "last good version") {
			t.Errorf("problems = %v, want one naming first.md:3 and the kept version", got.problems)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("broken edit not noticed within 2s")
	}

	os.Remove(path)
	select {
	case got := <-changes:
		if !slices.Equal(titlesOf(got.items), []string{"Other"}) || len(got.problems) != 0 {
			t.Errorf("after deleting the broken file: %q %v, want only Other", titlesOf(got.items), got.problems)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("removal not noticed within 2s")
	}
}

// A write that lands after the snapshot a caller took before its first
// Load, and before Watch starts, is reported: an article saved while an
// instance starts must not wait for the next edit to be published.
func TestWatchReportsWritesSinceSnapshot(t *testing.T) {
	dir := t.TempDir()
	writeArticle(t, dir, "first", "First")
	from := TakeSnapshot(testOptions(dir))
	writeArticle(t, dir, "second", "Second")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan loaded, 16)
	go Watch(ctx, testOptions(dir), from, 50*time.Millisecond, func(items []item.Item, problems []Problem) {
		changes <- loaded{items, problems}
	})
	select {
	case got := <-changes:
		if want := []string{"First", "Second"}; !slices.Equal(titlesOf(got.items), want) {
			t.Errorf("titles = %q, want %q", titlesOf(got.items), want)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a write made after the snapshot was not reported within 2s")
	}
}
