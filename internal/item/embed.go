package item

import "regexp"

// LinkRel is set on every link in republished content: aggregated content
// is not ours to vouch for, and the target page gets neither our window
// nor our URL.
const LinkRel = `nofollow noopener noreferrer`

// EmbedSrc matches the src of the only iframes that survive sanitizing:
// the documented embed paths of YouTube (an id after /embed/) and Vimeo (a
// number after /video/), over https (a scheme-relative src is written with
// https), then at most a query and a fragment. Anything else is refused:
// another path, a ".." segment, a host spelt around the real one
// ("www.youtube.com.evil.example", "www.youtube.com@evil.example"), plain
// http.
var EmbedSrc = regexp.MustCompile(`^(?:https:)?//(?:www\.youtube(?:-nocookie)?\.com/embed/([A-Za-z0-9_-]{1,64})|player\.vimeo\.com/video/([0-9]{1,20}))(?:\?[^\s"'<>\\#]*)?(?:#[^\s"'<>\\]*)?$`)

// VideoPage returns the page of the video an allowed embed plays, where a
// reader can watch it without the iframe: https://www.youtube.com/watch?v=ID
// or https://vimeo.com/ID. ok is false for any src EmbedSrc refuses.
func VideoPage(src string) (page string, ok bool) {
	m := EmbedSrc.FindStringSubmatch(src)
	switch {
	case m == nil:
		return "", false
	case m[1] != "":
		return "https://www.youtube.com/watch?v=" + m[1], true
	}
	return "https://vimeo.com/" + m[2], true
}
