package parse

import (
	"slices"
	"strings"

	ext "github.com/mmcdole/gofeed/extensions"
)

// tombstones reads the feed-level <at:deleted-entry ref="…"> elements of
// RFC 6721. gofeed keys extensions by the prefix the document chose, not
// by namespace, so every prefix is looked at: no other element of that
// name is in use.
func tombstones(exts ext.Extensions, sourceID string) []string {
	var ids []string
	for _, byName := range exts {
		for _, e := range byName["deleted-entry"] {
			if ref := strings.TrimSpace(e.Attrs["ref"]); ref != "" {
				ids = append(ids, qualifyID(sourceID, ref))
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}
