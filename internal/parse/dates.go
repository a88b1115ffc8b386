package parse

import (
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"syndicate/internal/item"
)

// dates settles an item's Published and Updated. A date that does not
// parse is dropped and warned of. A missing date is kept from prev, or
// left zero for firstSeen; a date in the future becomes the fetch time,
// again kept from prev, so that a clamped item does not move on every
// poll.
func (n *normalizer) dates(i int, gi *gofeed.Item, prev *item.Item) (pub, upd time.Time, dated bool) {
	if gi.PublishedParsed != nil {
		pub = *gi.PublishedParsed
	} else if d := strings.TrimSpace(gi.Published); d != "" {
		n.warn(i, "date %q does not parse; dropped", excerpt(d))
	}
	if gi.UpdatedParsed != nil {
		upd = *gi.UpdatedParsed
	} else if d := strings.TrimSpace(gi.Updated); d != "" && d != strings.TrimSpace(gi.Published) {
		n.warn(i, "date %q does not parse; dropped", excerpt(d))
	}
	if pub.IsZero() {
		pub = upd
	}
	dated = !pub.IsZero()
	var prevPub, prevUpd time.Time
	if prev != nil {
		prevPub, prevUpd = prev.Published, prev.Updated
	}
	pub = settle(pub, prevPub, n.o.Now)
	switch {
	case upd.IsZero() || !upd.After(pub):
		upd = pub
	case upd.After(n.o.Now):
		upd = settle(upd, prevUpd, n.o.Now)
	}
	return pub.UTC(), upd.UTC(), dated
}

func settle(d, prev, now time.Time) time.Time {
	switch {
	case d.IsZero():
		return prev
	case d.After(now) && !prev.IsZero() && !prev.After(now):
		return prev
	case d.After(now):
		return now
	}
	return d
}

// firstSeen dates the entries that the feed leaves undated and that were
// not stored before: the fetch time, to the second, less the entry's
// position in the document in seconds, so that the feed's order is kept;
// and a second earlier still while that time is another item's of the
// source, so that no two share an updated time, which validators flag.
// Stored with the item, the date stays: the next poll, a restart or
// another instance finds it in Options.Prev.
func (n *normalizer) firstSeen() {
	if len(n.undated) == 0 {
		return
	}
	taken := make(map[int64]bool, len(n.o.Prev)+len(n.feed.Entries))
	for _, it := range n.o.Prev {
		if it != nil {
			taken[it.Published.Unix()], taken[it.Updated.Unix()] = true, true
		}
	}
	for k := range n.feed.Entries {
		if it := &n.feed.Entries[k].Item; !it.Published.IsZero() {
			taken[it.Published.Unix()], taken[it.Updated.Unix()] = true, true
		}
	}
	now := n.o.Now.UTC().Truncate(time.Second)
	for k := range n.feed.Entries {
		pos, ok := n.undated[k]
		if !ok {
			continue
		}
		t := now.Add(-time.Duration(pos) * time.Second)
		for taken[t.Unix()] {
			t = t.Add(-time.Second)
		}
		taken[t.Unix()] = true
		it := &n.feed.Entries[k].Item
		it.Published, it.Updated = t, t
	}
}
