package audience

import "testing"

func TestSubscribers(t *testing.T) {
	for _, tc := range []struct {
		name, ua, reader string
		n                int
		ok               bool
	}{
		{"feedly", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1,204 subscribers; )", "Feedly", 1204, true},
		{"feedly one", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1 subscriber; )", "Feedly", 1, true},
		{"inoreader", "Mozilla/5.0 (compatible; inoreader.com; 37 subscribers)", "Inoreader", 37, true},
		{"newsblur", "NewsBlur Feed Fetcher - 12 subscribers - https://www.newsblur.com/site/4321/meridian (Mozilla/5.0 (Macintosh))", "NewsBlur", 12, true},
		{"the old reader", "Mozilla/5.0 (compatible; theoldreader.com; 5 subscribers; feed-id=88aa)", "The Old Reader", 5, true},
		{"feedbin", "Feedbin feed-id:99812 - 48 subscribers", "Feedbin", 48, true},
		{"miniflux hosted", "Mozilla/5.0 (compatible; Miniflux/2.2.4; +https://miniflux.app; 9 subscribers)", "Miniflux", 9, true},
		{"bazqux", "Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher; 3 subscribers)", "BazQux", 3, true},
		{"feedspot says it is like google", "Mozilla/5.0 (compatible; Feedspot/1.0 (+https://www.feedspot.com/fs/fetcher; like FeedFetcher-Google; 14 subscribers)", "Feedspot", 14, true},
		{"netvibes", "Netvibes (crawler/1.0; https://www.netvibes.com; 6 subscribers; feedID: 1234)", "Netvibes", 6, true},
		{"feedhq", "FeedHQ/1.0 (+https://feedhq.org; 2 subscribers)", "FeedHQ", 2, true},
		{"superfeedr", "Superfeedr bot/2.0 http://superfeedr.com - Make your feeds realtime - feed-id:1 - 21 subscribers", "Superfeedr", 21, true},
		{"bloglines", "Bloglines/3.1 (http://www.bloglines.com; 8 subscribers)", "Bloglines", 8, true},
		{"google", "Feedfetcher-Google; (+http://www.google.com/feedfetcher.html; 4 subscribers; feed-id=1)", "Google", 4, true},
		{"feeder readers", "Feeder.co (+https://feeder.co; 11 readers)", "Feeder", 11, true},
		{"feedlybot", "FeedlyBot/1.0 (http://feedly.com; 52 subscribers)", "Feedly", 52, true},
		{"flipboard", "FlipboardRSS/1.2 (+http://flipboard.com/browserproxy; 15 subscribers)", "Flipboard", 15, true},
		{"feed wrangler", "Feed Wrangler/1.0 (6 subscribers; feed-id=9; +https://feedwrangler.net)", "Feed Wrangler", 6, true},
		{"freshrss hosted", "FreshRSS/1.24.0 (Linux; https://freshrss.org; 19 users)", "FreshRSS", 19, true},
		{"count of one reader", "Mozilla/5.0 (compatible; inoreader.com; 1 subscriber)", "Inoreader", 1, true},
		{"miniflux self-hosted reports nothing", "Mozilla/5.0 (compatible; Miniflux/2.2.4; +https://miniflux.app)", "Miniflux", 0, false},
		{"desktop reader", "NetNewsWire (RSS Reader; https://netnewswire.com/)", "", 0, false},
		{"browser with a number", "Mozilla/5.0 (X11; Linux x86_64) 12 subscribers", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reader, n, ok := Subscribers(tc.ua)
			if reader != tc.reader || n != tc.n || ok != tc.ok {
				t.Errorf("Subscribers(%q) = %q, %d, %v; want %q, %d, %v", tc.ua, reader, n, ok, tc.reader, tc.n, tc.ok)
			}
		})
	}
}

// Every reader of the table has its own case above: a pattern added
// without one fails here.
func TestEveryReaderTested(t *testing.T) {
	tested := map[string]bool{}
	for _, ua := range []string{
		"Feedly/1.0 (1 subscriber)", "inoreader.com; 1 subscriber", "NewsBlur Feed Fetcher - 1 subscriber",
		"theoldreader.com; 1 subscriber", "Feedbin - 1 subscriber", "Miniflux/2; 1 subscriber", "BazQux; 1 subscriber",
		"Feedspot; 1 subscriber", "Netvibes; 1 subscriber", "FeedHQ; 1 subscriber", "Superfeedr - 1 subscriber",
		"Bloglines; 1 subscriber", "Feedfetcher-Google; 1 subscriber", "Feeder.co; 1 reader", "FlipboardRSS; 1 subscriber",
		"Feed Wrangler; 1 subscriber", "FreshRSS; 1 user",
	} {
		if r, _, ok := Subscribers(ua); ok {
			tested[r] = true
		}
	}
	for _, r := range readers {
		if !tested[r.name] {
			t.Errorf("reader %q has no test case", r.name)
		}
	}
}
