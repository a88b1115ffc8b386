package parse

import (
	"context"
	"fmt"
	"sync"
)

// What parsing a document costs, estimated from the document before gofeed
// sees it: heap taken by objects, live or not yet collected. gofeed builds
// a struct, and often a map, for every element, attribute and JSON value,
// and the normalized items copy them again: a 10 MiB feed of empty items
// takes 1.4 GiB, where text costs a few times its size.
// TestParseMemoryWithinBudget parses the worst documents found at the
// budget's limit; the figures below are their peaks, with a margin.
const (
	// nodeCost is bytes per element, attribute or JSON value: RSS items
	// holding one Dublin Core element each peak at about 1,900 per node,
	// empty RSS, Atom and JSON Feed items at 1,400 or less.
	nodeCost = 3072
	// byteCost is bytes per byte of the body: plain text peaks at 8 to 13,
	// a news feed of HTML articles at 4.
	byteCost = 12
)

// Bounds keeps parsing within what the process can afford: documents
// nested deeper than a limit are refused before gofeed, whose extension
// parser recurses once per level, sees them; and the parses running at
// once share a memory budget, each waiting until there is room for its
// estimated cost. A Bounds is safe for concurrent use and is shared by all
// the parses of a process.
type Bounds struct {
	maxDepth int
	budget   *budget
}

// NewBounds returns bounds refusing documents nested deeper than maxDepth
// levels and keeping the parses running at once within memory bytes.
func NewBounds(maxDepth int, memory int64) *Bounds {
	return &Bounds{maxDepth: maxDepth, budget: newBudget(memory)}
}

// Admit measures body, the UTF-8 body that Parse will be given, and waits
// until the budget has room for its parse. The caller must call release
// once it is done with what Parse returned. A document too deep, or too
// costly for the whole budget, is refused with an error starting
// "parse: "; waiting ends with ctx.
func (b *Bounds) Admit(ctx context.Context, body []byte) (release func(), err error) {
	nodes, err := measure(body, b.maxDepth)
	if err != nil {
		return nil, err
	}
	cost := int64(len(body))*byteCost + int64(nodes)*nodeCost
	if cost > b.budget.size {
		return nil, fmt.Errorf("parse: %d bytes with %d elements, attributes and values would take about %d MiB to parse, more than fetch.parse_memory (%d MiB)",
			len(body), nodes, cost>>20, b.budget.size>>20)
	}
	if err := b.budget.acquire(ctx, cost); err != nil {
		return nil, fmt.Errorf("parse: waiting for parse memory: %w", err)
	}
	return sync.OnceFunc(func() { b.budget.release(cost) }), nil
}

// measure counts the nodes of an XML or JSON body, failing as soon as they
// nest deeper than maxDepth. It picks the format as gofeed does, by the
// first character; a body that is neither costs gofeed nothing.
func measure(body []byte, maxDepth int) (int, error) {
	for i, c := range body {
		switch c {
		case ' ', '\r', '\n', '\t', 0xFE, 0xFF, 0x00, 0xEF, 0xBB, 0xBF: // space and byte order marks
			continue
		case '{':
			return measureJSON(body[i:], maxDepth)
		case '<':
			sc := xmlScan{b: withoutControls(body[i:]), limit: maxDepth}
			if err := sc.run(); err != nil {
				return 0, err
			}
			return sc.nodes, nil
		}
		break
	}
	return 0, nil
}

// measureJSON counts objects, arrays and the values separated by commas.
// encoding/json, which gofeed uses, decodes nothing from a body that is
// not valid JSON, and on valid JSON this scan is exact.
func measureJSON(body []byte, maxDepth int) (int, error) {
	nodes, depth := 0, 0
	inString, escaped := false, false
	for _, c := range body {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			nodes++
			if depth++; depth > maxDepth {
				return 0, tooDeep(maxDepth)
			}
		case c == '}' || c == ']':
			depth = max(depth-1, 0)
		case c == ',':
			nodes++
		}
	}
	return nodes, nil
}

func tooDeep(maxDepth int) error {
	return fmt.Errorf("parse: nested deeper than %d levels (fetch.max_depth)", maxDepth)
}
