// Package store keeps items and rendered documents. Two implementations
// share one contract: Memory, embedded in the process, and Redis, shared by
// every instance of a fleet.
package store

import (
	"context"
	"errors"
	"time"

	"syndicate/internal/item"
)

// ErrNotFound is returned when a key holds nothing.
var ErrNotFound = errors.New("store: not found")

// Document is one rendered feed or page, ready to serve.
type Document struct {
	Body         []byte
	Gzip         []byte // gzip copy of Body, made once per render
	ETag         string // strong, quoted: hash of Body
	LastModified time.Time
	ContentType  string
	RenderedAt   time.Time
	// Input identifies what the document was rendered from, so that an
	// instance of a fleet holding the same input can take the stored
	// bytes instead of rendering them again.
	Input string
}

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

	// PutDocument stores a rendered document of section in format.
	PutDocument(ctx context.Context, section, format string, doc Document) error
	// Document returns what PutDocument stored, or ErrNotFound.
	Document(ctx context.Context, section, format string) (Document, error)

	SourceStates
	Leases

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	Close() error
}
