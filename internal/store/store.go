// Package store keeps items and rendered documents. Two implementations
// share one contract: Memory, embedded in the process, and Redis, shared by
// every instance of a fleet.
package store

import (
	"context"
	"errors"

	"syndicate/internal/document"
	"syndicate/internal/item"
)

// ErrNotFound is returned when a key holds nothing.
var ErrNotFound = errors.New("store: not found")

// Store is what Syndicate keeps outside the process's own memory.
//
// Items are kept per source (the site's own articles use the source id
// "site"). Documents are kept per section and format. Every method honours
// ctx's deadline.
type Store interface {
	// ReplaceItems makes items the full set held for source.
	ReplaceItems(ctx context.Context, source string, items []item.Item) error
	// Items returns the items held for source, in no particular order.
	Items(ctx context.Context, source string) ([]item.Item, error)
	// ItemHeads is Items made slim (item.Slim): what deciding where each
	// item goes needs, read without their text, so that an instance
	// reading a large archive decodes only what it shows.
	ItemHeads(ctx context.Context, source string) ([]item.Item, error)
	// ItemsByID returns those of the items held for source whose ids are
	// among ids, in no particular order: a publisher that keeps only what
	// it serves reads the rest back one item at a time, not one source.
	ItemsByID(ctx context.Context, source string, ids []string) ([]item.Item, error)

	// PutDocument stores a rendered document of section in format.
	PutDocument(ctx context.Context, section, format string, doc document.Document) error
	// Document returns what PutDocument stored, or ErrNotFound.
	Document(ctx context.Context, section, format string) (document.Document, error)

	SourceStates
	Leases
	Changes
	WebSub
	Audience

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	Close() error
}
