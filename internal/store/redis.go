package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"syndicate/internal/document"
	"time"

	"github.com/redis/go-redis/v9"

	"syndicate/internal/item"
)

// RedisOptions tunes a Redis store. Open takes both from config, which
// gives them their defaults.
type RedisOptions struct {
	// Prefix namespaces every key. Tests give each store its own so that
	// they never share state.
	Prefix string
	// Timeout bounds every call, so that a hung Redis slows nothing down
	// for longer than this.
	Timeout time.Duration
}

// Redis keeps the store in Redis, shared by every instance of a fleet.
//
// Keys carry a Redis Cluster hash tag per section ({sec:slug}) or per
// source ({src:id}), so every multi-key operation stays in one slot.
type Redis struct {
	client redis.UniversalClient
	opts   RedisOptions
}

// NewRedis wraps a connected client.
func NewRedis(client redis.UniversalClient, opts RedisOptions) *Redis {
	return &Redis{client: client, opts: opts}
}

// Client is the underlying client, for tests that inspect what the store
// wrote. Everything else goes through the Store methods.
func (r *Redis) Client() redis.UniversalClient { return r.client }

func (r *Redis) docKey(section, format string) string {
	return r.opts.Prefix + "{sec:" + section + "}:doc:" + format
}

func (r *Redis) itemsKey(source string) string {
	return r.opts.Prefix + "{src:" + source + "}:items"
}

// headsKey holds the slim version of every item of itemsKey (see
// ItemHeads and heads.go), written with it in one transaction.
func (r *Redis) headsKey(source string) string {
	return r.opts.Prefix + "{src:" + source + "}:heads"
}

func (r *Redis) stateKey(source string) string {
	return r.opts.Prefix + "{src:" + source + "}:state"
}

func (r *Redis) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.opts.Timeout)
}

// ReplaceItems implements Store. The delete and the writes happen in one
// transaction, so no reader sees a source half replaced.
func (r *Redis) ReplaceItems(ctx context.Context, source string, items []item.Item) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	values := make([]any, 0, 2*len(items))
	heads := make([]item.Item, len(items))
	for i := range items {
		b, err := json.Marshal(&items[i])
		if err != nil {
			return fmt.Errorf("store: redis: encode item %s of %s: %w", items[i].ID, source, err)
		}
		values = append(values, items[i].ID, b)
		heads[i] = item.SlimEncoded(&items[i], b)
	}
	key := r.itemsKey(source)
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		if len(values) > 0 {
			p.HSet(ctx, key, values...)
		}
		if slices.ContainsFunc(items, func(it item.Item) bool { return !it.Aggregated() }) {
			// The site's own items stay whole (item.Slim), which heads
			// cannot hold: ItemHeads reads them whole.
			p.Del(ctx, r.headsKey(source))
		} else {
			p.Set(ctx, r.headsKey(source), encodeHeads(heads), 0)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: redis: replace items of %s: %w", source, err)
	}
	return nil
}

// Items implements Store.
func (r *Redis) Items(ctx context.Context, source string) ([]item.Item, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	raw, err := r.client.HGetAll(ctx, r.itemsKey(source)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: redis: items of %s: %w", source, err)
	}
	return decodeItems(source, raw)
}

// ItemHeads implements Store. A source written by an earlier version,
// which kept no heads, is read whole and made slim here until its next
// write.
func (r *Redis) ItemHeads(ctx context.Context, source string) ([]item.Item, error) {
	tctx, cancel := r.ctx(ctx)
	raw, err := r.client.Get(tctx, r.headsKey(source)).Result()
	cancel()
	if err == nil {
		heads, err := decodeHeads(raw)
		if err != nil {
			return nil, headsError(source, err)
		}
		return heads, nil
	}
	if !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: redis: item heads of %s: %w", source, err)
	}
	whole, err := r.Items(ctx, source)
	if err != nil {
		return nil, err
	}
	for i := range whole {
		whole[i] = item.Slim(&whole[i])
	}
	return whole, nil
}

// decodeItems decodes the items of source from raw, values by id.
func decodeItems(source string, raw map[string]string) ([]item.Item, error) {
	items := make([]item.Item, 0, len(raw))
	for id, v := range raw {
		var it item.Item
		if err := json.Unmarshal([]byte(v), &it); err != nil {
			return nil, fmt.Errorf("store: redis: decode item %s of %s: %w", id, source, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// ItemsByID implements Store.
func (r *Redis) ItemsByID(ctx context.Context, source string, ids []string) ([]item.Item, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	raw, err := r.client.HMGet(ctx, r.itemsKey(source), ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("store: redis: items of %s: %w", source, err)
	}
	items := make([]item.Item, 0, len(raw))
	for i, v := range raw {
		s, ok := v.(string)
		if !ok {
			continue // not held
		}
		var it item.Item
		if err := json.Unmarshal([]byte(s), &it); err != nil {
			return nil, fmt.Errorf("store: redis: decode item %s of %s: %w", ids[i], source, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// PutDocument implements Store.
func (r *Redis) PutDocument(ctx context.Context, section, format string, doc document.Document) error {
	doc, err := doc.Opened() // a sealed document's parts, read back
	if err != nil {
		return fmt.Errorf("store: document %s/%s: %w", section, format, err)
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	err = r.client.HSet(ctx, r.docKey(section, format),
		"body", doc.Body,
		"gzip", doc.Gzip,
		"etag", doc.ETag,
		"lastmod", nanos(doc.LastModified),
		"ctype", doc.ContentType,
		"rendered", nanos(doc.RenderedAt),
		"input", doc.Input,
	).Err()
	if err != nil {
		return fmt.Errorf("store: redis: put document %s/%s: %w", section, format, err)
	}
	return nil
}

// Document implements Store.
func (r *Redis) Document(ctx context.Context, section, format string) (document.Document, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	key := r.docKey(section, format)
	// The body and its gzip copy are read as bytes (StringCmd.Bytes views
	// the reply without copying it): through HGETALL's strings each was
	// copied once more, and an instance reads every current document at
	// start-up: at 100,000 archived items its peak RSS was 143 MiB that
	// way and 138 MiB this way (make flatbench FLATBENCH_FLAGS="-items
	// 100000 -rounds 5 -bin ...", the two builds one after the other).
	var body, gz *redis.StringCmd
	var meta *redis.SliceCmd
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		body = p.HGet(ctx, key, "body")
		gz = p.HGet(ctx, key, "gzip")
		meta = p.HMGet(ctx, key, "etag", "ctype", "lastmod", "rendered", "input")
		return nil
	})
	if errors.Is(body.Err(), redis.Nil) {
		return document.Document{}, ErrNotFound
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return document.Document{}, fmt.Errorf("store: redis: get document %s/%s: %w", section, format, err)
	}
	field := func(i int) string {
		v, _ := meta.Val()[i].(string)
		return v
	}
	doc := document.Document{
		ETag:         field(0),
		ContentType:  field(1),
		LastModified: unixNanos(field(2)),
		RenderedAt:   unixNanos(field(3)),
		Input:        field(4),
	}
	doc.Body, _ = body.Bytes()
	if doc.Body == nil {
		doc.Body = []byte{}
	}
	if g, _ := gz.Bytes(); len(g) > 0 {
		doc.Gzip = g
	}
	return doc, nil
}

// SourceState implements SourceStates.
func (r *Redis) SourceState(ctx context.Context, id string) (SourceState, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	b, err := r.client.Get(ctx, r.stateKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return SourceState{}, ErrNotFound
	}
	if err != nil {
		return SourceState{}, fmt.Errorf("store: redis: state of %s: %w", id, err)
	}
	var st SourceState
	if err := json.Unmarshal(b, &st); err != nil {
		return SourceState{}, fmt.Errorf("store: redis: decode state of %s: %w", id, err)
	}
	return st, nil
}

// PutSourceState implements SourceStates.
func (r *Redis) PutSourceState(ctx context.Context, id string, st SourceState) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("store: redis: encode state of %s: %w", id, err)
	}
	if err := r.client.Set(ctx, r.stateKey(id), b, 0).Err(); err != nil {
		return fmt.Errorf("store: redis: put state of %s: %w", id, err)
	}
	return nil
}

// Ping implements Store.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("store: redis: ping: %w", err)
	}
	return nil
}

// Close implements Store.
func (r *Redis) Close() error { return r.client.Close() }

// nanos writes t for unixNanos; the zero time, which has no Unix
// nanosecond value, is written as 0.
func nanos(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func unixNanos(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
