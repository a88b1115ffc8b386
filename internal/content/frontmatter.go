package content

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// frontMatter is the TOML between the +++ lines. Required scalars are
// pointers so that a missing key and an empty value get different messages;
// dates are decoded as any so that a datetime without offset can be named as
// such rather than silently read in the server's time zone.
type frontMatter struct {
	ID         *string   `toml:"id"`
	Title      *string   `toml:"title"`
	Standfirst *string   `toml:"standfirst"`
	Published  any       `toml:"published"`
	Updated    any       `toml:"updated"`
	Sections   []string  `toml:"sections"`
	Tags       []string  `toml:"tags"`
	Authors    []author  `toml:"authors"`
	Image      *imageRef `toml:"image"`
}

type author struct {
	Name  string `toml:"name"`
	Email string `toml:"email"`
	URL   string `toml:"url"`
}

type imageRef struct {
	URL     string `toml:"url"`
	Caption string `toml:"caption"`
	Credit  string `toml:"credit"`
	Type    string `toml:"type"`
	Length  int64  `toml:"length"`
}

// delimiter opens and closes Hugo's TOML front matter.
const delimiter = "+++"

// split cuts a file into its front matter and body. first is the file line
// of the front matter's first line, so TOML line n is file line first+n-1.
func split(data []byte) (fm, body []byte, first int, err *Problem) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) == 0 || !isDelimiter(lines[0]) {
		msg := "missing front matter: the first line must be +++"
		if len(lines) > 0 && string(bytes.TrimSpace(lines[0])) == "---" {
			msg = "front matter must be TOML between +++ lines, not YAML between ---"
		}
		return nil, nil, 0, &Problem{Line: 1, Message: msg}
	}
	for i := 1; i < len(lines); i++ {
		if isDelimiter(lines[i]) {
			return bytes.Join(lines[1:i], nil), bytes.Join(lines[i+1:], nil), 2, nil
		}
	}
	return nil, nil, 0, &Problem{Line: 1, Message: "unterminated front matter: no closing +++ line"}
}

func isDelimiter(line []byte) bool {
	return string(bytes.TrimRight(line, " \t\r\n")) == delimiter
}

// decode reads the front matter strictly. A problem's line is a file line.
func decode(fm []byte, first int) (*frontMatter, *Problem) {
	var m frontMatter
	dec := toml.NewDecoder(bytes.NewReader(fm))
	dec.DisallowUnknownFields()
	err := dec.Decode(&m)
	if err == nil {
		return &m, nil
	}
	var se *toml.StrictMissingError
	if errors.As(err, &se) && len(se.Errors) > 0 {
		return nil, decodeProblem(&se.Errors[0], first)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		return nil, decodeProblem(de, first)
	}
	return nil, &Problem{Line: first, Message: "front matter: " + err.Error()}
}

var mismatch = regexp.MustCompile(`^cannot decode TOML (.+?) into `)

// decodeProblem rewords go-toml's errors, which name Go types, in terms of
// the front matter an editor wrote.
func decodeProblem(de *toml.DecodeError, first int) *Problem {
	line, _ := de.Position()
	if line < 1 {
		line = 1
	}
	line += first - 1
	key := strings.Join(de.Key(), ".")
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	switch {
	case msg == "unknown field":
		return &Problem{Line: line, Message: fmt.Sprintf("unknown key %q", key)}
	case mismatch.MatchString(msg):
		got := mismatch.FindStringSubmatch(msg)[1]
		return &Problem{Line: line, Message: fmt.Sprintf("%s has the wrong type: want %s, got %s", key, want(key), article(got))}
	case key != "":
		return &Problem{Line: line, Message: fmt.Sprintf("%s: %s", key, msg)}
	}
	return &Problem{Line: line, Message: "TOML syntax error: " + msg}
}

func want(key string) string {
	switch key {
	case "sections", "tags":
		return "an array of strings"
	case "authors":
		return "[[authors]] tables"
	case "image":
		return "an [image] table"
	case "image.length":
		return "an integer"
	}
	return "a string"
}

func article(noun string) string {
	if strings.IndexByte("aeiou", noun[0]) >= 0 {
		return "an " + noun
	}
	return "a " + noun
}
