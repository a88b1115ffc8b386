package content

import "testing"

// TestLoadSample keeps the sample publication in feeds/ loadable: it is
// what a new instance serves out of the box.
func TestLoadSample(t *testing.T) {
	opts := testOptions("../../feeds")
	opts.Sections = map[string]bool{"middle-east": true, "washington": true, "asia": true, "analysis": true}
	items, problems := Load(opts)
	for _, p := range problems {
		t.Errorf("problem: %v", p)
	}
	if len(items) < 16 {
		t.Errorf("got %d articles, want at least 16", len(items))
	}
	perSection := map[string]int{}
	for _, it := range items {
		for _, s := range it.Sections {
			perSection[s]++
		}
		if it.Image == nil || it.Image.Type != "image/jpeg" || it.Image.Length == 0 {
			t.Errorf("%s: image = %+v, want a local JPEG with its length", it.ID, it.Image)
		}
	}
	if len(perSection) < 4 {
		t.Errorf("articles span %d sections, want at least 4: %v", len(perSection), perSection)
	}
	t.Logf("%d articles, per section %v", len(items), perSection)
}
