// Package audience reads what feed readers say about their audience: the
// subscriber counts that hosted readers put in their User-Agent when they
// fetch a feed on behalf of many people.
package audience

import (
	"regexp"
	"strconv"
	"strings"
)

// readers names each hosted reader by a pattern of its User-Agent. Order
// matters only where one reader's agent mentions another (Feedspot says
// "like FeedFetcher-Google"): the first match names the reader.
var readers = []struct {
	name    string
	pattern *regexp.Regexp
}{
	{"Feedly", regexp.MustCompile(`(?i)\bfeedly(bot)?\b`)},
	{"Inoreader", regexp.MustCompile(`(?i)\binoreader\b`)},
	{"NewsBlur", regexp.MustCompile(`(?i)\bnewsblur\b`)},
	{"The Old Reader", regexp.MustCompile(`(?i)\btheoldreader\b`)},
	{"Feedbin", regexp.MustCompile(`(?i)\bfeedbin\b`)},
	{"Miniflux", regexp.MustCompile(`(?i)\bminiflux\b`)},
	{"BazQux", regexp.MustCompile(`(?i)\bbazqux\b`)},
	{"Feedspot", regexp.MustCompile(`(?i)\bfeedspot\b`)},
	{"Netvibes", regexp.MustCompile(`(?i)\bnetvibes\b`)},
	{"FeedHQ", regexp.MustCompile(`(?i)\bfeedhq\b`)},
	{"Superfeedr", regexp.MustCompile(`(?i)\bsuperfeedr\b`)},
	{"Bloglines", regexp.MustCompile(`(?i)\bbloglines\b`)},
	{"Google", regexp.MustCompile(`(?i)\bfeedfetcher-google\b`)},
	{"Feeder", regexp.MustCompile(`(?i)\bfeeder\.co\b`)},
	{"Flipboard", regexp.MustCompile(`(?i)\bflipboard(rss|proxy)?\b`)},
	{"Feed Wrangler", regexp.MustCompile(`(?i)\bfeed ?wrangler\b`)},
	{"FreshRSS", regexp.MustCompile(`(?i)\bfreshrss\b`)},
}

// count finds "N subscribers" (or readers, or users), the form every
// reader above uses, with or without a thousands separator.
var count = regexp.MustCompile(`(?i)\b(\d{1,3}(?:,\d{3})+|\d+)\s+(?:subscribers?|readers?|users?)\b`)

// Subscribers reports which hosted reader sent userAgent and how many
// subscribers it says it fetches for. ok is false when the agent is not a
// known reader or gives no count.
func Subscribers(userAgent string) (reader string, n int, ok bool) {
	for _, r := range readers {
		if r.pattern.MatchString(userAgent) {
			reader = r.name
			break
		}
	}
	if reader == "" {
		return "", 0, false
	}
	m := count.FindStringSubmatch(userAgent)
	if m == nil {
		return reader, 0, false
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		return reader, 0, false
	}
	return reader, n, true
}
