package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Change says that an instance changed the items stored for a source.
type Change struct {
	Version int64  // the change version after this change
	Origin  string // the announcing instance, as it named itself
	Source  string
}

// Changes is the fleet's change feed. An instance that changed a source's
// items announces it, and the others reload that source. Every change
// bumps a version, so that an instance that missed announcements (while
// its subscription reconnected) notices that the version moved.
type Changes interface {
	// Announce bumps the version and tells every subscriber, the
	// announcer's own included, that origin changed source. It returns
	// the new version.
	Announce(ctx context.Context, origin, source string) (int64, error)
	// Version returns the current version: 0 until the first change, and
	// again after a store that lost its data.
	Version(ctx context.Context) (int64, error)
	// Subscribe delivers the changes announced from now on until ctx
	// ends, then closes the channel. Delivery is best effort: a change
	// can be missed, never invented, so Version is the backstop.
	Subscribe(ctx context.Context) (<-chan Change, error)
}

// encode and parseChange are the wire form of a Change on Redis:
// "<version> <origin> <source>"; neither an origin nor a source id holds a
// space.
func (c Change) encode() string {
	return strconv.FormatInt(c.Version, 10) + " " + c.Origin + " " + c.Source
}

func parseChange(s string) (Change, bool) {
	v, rest, ok1 := strings.Cut(s, " ")
	origin, source, ok2 := strings.Cut(rest, " ")
	n, err := strconv.ParseInt(v, 10, 64)
	if !ok1 || !ok2 || err != nil || source == "" {
		return Change{}, false
	}
	return Change{Version: n, Origin: origin, Source: source}, true
}

func (r *Redis) changesKey() string     { return r.opts.Prefix + "changes" }
func (r *Redis) changesChannel() string { return r.opts.Prefix + "events" }

// Announce implements Changes with INCR and PUBLISH. They are two calls,
// not one transaction: on a Cluster the key and the channel live apart,
// and a lost message is what Version is there for.
func (r *Redis) Announce(ctx context.Context, origin, source string) (int64, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	n, err := r.client.Incr(ctx, r.changesKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("store: redis: count change of %s: %w", source, err)
	}
	c := Change{Version: n, Origin: origin, Source: source}
	if err := r.client.Publish(ctx, r.changesChannel(), c.encode()).Err(); err != nil {
		return n, fmt.Errorf("store: redis: announce change of %s: %w", source, err)
	}
	return n, nil
}

// Version implements Changes.
func (r *Redis) Version(ctx context.Context) (int64, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	n, err := r.client.Get(ctx, r.changesKey()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: redis: change version: %w", err)
	}
	return n, nil
}

// Subscribe implements Changes. It returns once Redis has confirmed the
// subscription, so nothing announced after it returns is missed unless the
// connection drops; go-redis then resubscribes by itself.
func (r *Redis) Subscribe(ctx context.Context) (<-chan Change, error) {
	ps := r.client.Subscribe(ctx, r.changesChannel())
	confirmCtx, cancel := r.ctx(ctx)
	_, err := ps.Receive(confirmCtx)
	cancel()
	if err != nil {
		ps.Close()
		return nil, fmt.Errorf("store: redis: subscribe to changes: %w", err)
	}
	out := make(chan Change)
	go func() {
		defer close(out)
		defer ps.Close()
		msgs := ps.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case msg, ok := <-msgs:
				if !ok {
					return
				}
				c, ok := parseChange(msg.Payload)
				if !ok {
					continue // from another version of Syndicate
				}
				select {
				case out <- c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// memoryChanges is the single-instance Changes: its subscribers are this
// process's own.
type memoryChanges struct {
	mu      sync.Mutex
	version int64
	subs    map[chan Change]struct{}
}

// subscriberBuffer is how many changes a slow memory subscriber may fall
// behind before further ones are dropped (Version still counts them).
const subscriberBuffer = 64

// Announce implements Changes.
func (m *Memory) Announce(ctx context.Context, origin, source string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.changes.mu.Lock()
	defer m.changes.mu.Unlock()
	m.changes.version++
	c := Change{Version: m.changes.version, Origin: origin, Source: source}
	for ch := range m.changes.subs {
		select {
		case ch <- c:
		default:
		}
	}
	return c.Version, nil
}

// Version implements Changes.
func (m *Memory) Version(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.changes.mu.Lock()
	defer m.changes.mu.Unlock()
	return m.changes.version, nil
}

// Subscribe implements Changes.
func (m *Memory) Subscribe(ctx context.Context) (<-chan Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch := make(chan Change, subscriberBuffer)
	m.changes.mu.Lock()
	if m.changes.subs == nil {
		m.changes.subs = map[chan Change]struct{}{}
	}
	m.changes.subs[ch] = struct{}{}
	m.changes.mu.Unlock()
	context.AfterFunc(ctx, func() {
		m.changes.mu.Lock()
		defer m.changes.mu.Unlock()
		delete(m.changes.subs, ch)
		close(ch)
	})
	return ch, nil
}
