package source

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"syndicate/internal/config"
	"syndicate/internal/fetch"
	"syndicate/internal/item"
	"syndicate/internal/parse"
	"syndicate/internal/redact"
	"syndicate/internal/store"
)

// result is what a poll found, before it is recorded.
type result struct {
	outcome  string
	res      *fetch.Response
	err      error       // "class: message": fetch.Error's classes, charset, parse or store
	feed     *parse.Feed // when a new body was parsed
	items    int         // held after the poll; -1 when unknown
	newItems int
	changed  bool
}

// pollNow fetches src and records what came of it. The caller holds the
// source's lock and a fetch slot.
func (p *Poller) pollNow(ctx context.Context, src *config.Source, st store.SourceState) (store.SourceState, error) {
	started := time.Now()
	now := p.now()
	p.mu.Lock()
	first := !p.checked[src.ID]
	refetch := p.refetch[src.ID]
	p.mu.Unlock()

	etag, lastMod, hash := st.ETag, st.LastModified, st.BodyHash
	if refetch {
		// An item taken off the withdrawn list is in a body already
		// seen: it is parsed again, so the item comes back.
		etag, lastMod, hash = "", "", ""
	}
	var stored []item.Item
	var storeErr error
	if first {
		// The first poll since start checks the stored items against the
		// configuration, which may have changed; if the store lost them,
		// validators would only fetch a 304 with nothing to show.
		stored, storeErr = p.items(ctx, src.ID)
		if storeErr == nil && len(stored) == 0 && st.Items > 0 {
			etag, lastMod, hash = "", "", ""
		}
	}

	r := result{items: -1}
	body := &bodyTurn{bodies: p.bodies}
	defer body.done()
	res, err := p.fetchFeed(ctx, src, &st, etag, lastMod, now, body)
	if ctx.Err() != nil {
		// Shutting down: this poll says nothing about the upstream.
		return st, fmt.Errorf("source: %s: %w", src.ID, ctx.Err())
	}
	r.res = res
	switch {
	case err != nil:
		r.outcome, r.err = store.OutcomeError, err
	case res.Status == 410:
		r.outcome = store.OutcomeGone
	case res.Status == 304 || res.Hash == hash:
		r.outcome = store.OutcomeUnchanged
		if res.Status == 304 {
			r.outcome = store.OutcomeNotModified
		}
		if first {
			r.err = p.reconcile(ctx, src, st, stored, storeErr, &r)
		}
	default:
		r.outcome = store.OutcomeOK
		// The stored items are read, merged and written back within the
		// processing slot too: a poll waiting for one holds only its body.
		release, err := p.processSlot(ctx)
		body.done()
		if err != nil {
			r.err = err
			break
		}
		if stored == nil && storeErr == nil {
			stored, storeErr = p.heads(ctx, src.ID)
		}
		r.err = p.update(ctx, src, now, res, stored, storeErr, &r)
		release()
	}
	if r.err != nil && ctx.Err() != nil {
		// Shut down while waiting for parse memory or the store: this
		// poll says nothing about the upstream either.
		return st, fmt.Errorf("source: %s: %w", src.ID, ctx.Err())
	}
	if r.err != nil {
		r.outcome = store.OutcomeError
	} else if r.outcome != store.OutcomeGone {
		p.mu.Lock()
		p.checked[src.ID] = true
		if r.outcome == store.OutcomeOK {
			delete(p.refetch, src.ID)
		}
		p.mu.Unlock()
	}

	p.record(&st, src, now, time.Since(started), &r)
	if p.onPoll != nil {
		p.onPoll(st, st.History[len(st.History)-1])
	}
	putErr := p.states.PutSourceState(ctx, src.ID, st)
	if r.changed && p.onChange != nil {
		p.onChange(src.ID)
	}
	p.logPoll(src, &st, &r, time.Since(started))
	switch {
	case r.err != nil:
		return st, fmt.Errorf("source: %s: %w", src.ID, r.err)
	case putErr != nil:
		return st, fmt.Errorf("source: %s: state: %w", src.ID, putErr)
	}
	return st, nil
}

func (p *Poller) items(ctx context.Context, id string) ([]item.Item, error) {
	items, err := p.store.Items(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return items, err
}

// heads reads the stored items of source id as heads (item.Slim): what a
// new body is merged with needs their dates and digests, and the text of
// only those it may keep (see whole). On 1,000 sources each replacing its
// 20 items, decoding them whole was 9% of a cycle's CPU time (make
// cyclebench -pprof).
func (p *Poller) heads(ctx context.Context, id string) ([]item.Item, error) {
	items, err := p.store.ItemHeads(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return items, err
}

// whole is items with every head read whole from the store; a head the
// store no longer holds is left out, as the store has let it go.
func (p *Poller) whole(ctx context.Context, id string, items []item.Item) ([]item.Item, error) {
	var ids []string
	for i := range items {
		if item.IsSlim(&items[i]) {
			ids = append(ids, items[i].ID)
		}
	}
	if len(ids) == 0 {
		return items, nil
	}
	read, err := p.store.ItemsByID(ctx, id, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]item.Item, len(read))
	for _, it := range read {
		byID[it.ID] = it
	}
	out := make([]item.Item, 0, len(items))
	for _, it := range items {
		if item.IsSlim(&it) {
			var ok bool
			if it, ok = byID[it.ID]; !ok {
				continue
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// update turns a new body into the source's items and stores them.
// stored may hold heads (see heads).
func (p *Poller) update(ctx context.Context, src *config.Source, now time.Time, res *fetch.Response, stored []item.Item, storeErr error, r *result) error {
	if storeErr != nil {
		return storeFailed(storeErr)
	}
	prev := make(map[string]*item.Item, len(stored))
	for i := range stored {
		prev[stored[i].ID] = &stored[i]
	}
	parsed, err := process(ctx, p.bounds, res.Body, res.ContentType, res.FinalURL, src, now, prev)
	if err != nil {
		return err
	}
	r.feed = parsed.feed
	kept, err := p.whole(ctx, src.ID, mayKeep(freshItems(parsed, src.MaxItems), stored, src.MaxItems))
	if err != nil {
		return storeFailed(err)
	}
	final := retain(parsed, kept, src, parsed.origin)
	for i := range final {
		if prev[final[i].ID] == nil {
			r.newItems++
		}
	}
	r.items = len(final)
	if !sameItems(final, stored) {
		if err := p.store.ReplaceItems(ctx, src.ID, final); err != nil {
			return storeFailed(err)
		}
		r.changed = true
	}
	return nil
}

// reconcile applies the configuration to the stored items when the
// upstream has nothing new to parse.
func (p *Poller) reconcile(ctx context.Context, src *config.Source, st store.SourceState, stored []item.Item, storeErr error, r *result) error {
	if storeErr != nil {
		return storeFailed(storeErr)
	}
	final := retain(nil, stored, src, origin(src, st.FeedID, st.FeedTitle, st.HomeURL, st.SelfURL))
	r.items = len(final)
	if sameItems(final, stored) {
		return nil
	}
	if err := p.store.ReplaceItems(ctx, src.ID, final); err != nil {
		return storeFailed(err)
	}
	r.changed = true
	return nil
}

// storeFailed makes a store error read like the others in last_error.
func storeFailed(err error) error { return fmt.Errorf("store: %w", err) }

// record writes what a poll found into the source's state.
func (p *Poller) record(st *store.SourceState, src *config.Source, now time.Time, took time.Duration, r *result) {
	capDelay := p.fetch.BackoffCap.Duration
	st.ID, st.URL = src.ID, src.URL
	st.LastFetch = now
	st.DurationMS = took.Milliseconds()
	var fe *fetch.Error
	st.HTTPStatus = 0
	if r.res != nil {
		st.HTTPStatus = r.res.Status
	} else if errors.As(r.err, &fe) {
		st.HTTPStatus = fe.Status
	}
	if r.items >= 0 {
		st.Items = r.items
	}
	done := p.now()
	switch r.outcome {
	case store.OutcomeError:
		st.Status = store.StatusError
		st.ConsecutiveErrors++
		// Go's and upstreams' messages may quote the URL asked for.
		st.LastError = oneLine(redact.Text(r.err.Error(), src.URL))
		var retryAfter time.Duration
		if fe != nil {
			retryAfter = fe.RetryAfter
		}
		st.NextFetch = done.Add(afterError(src.Interval.Duration, st.ConsecutiveErrors, retryAfter, capDelay))
	case store.OutcomeGone:
		st.Status = store.StatusGone
		st.LastError = "http: 410 Gone"
		st.NextFetch = time.Time{}
		st.MovedTo = r.res.MovedTo
	default:
		st.Status = store.StatusOK
		st.ConsecutiveErrors = 0
		st.LastError = ""
		st.LastSuccess = now
		st.MovedTo = r.res.MovedTo
		// A 304 may carry fresh validators; one without keeps the old.
		if r.res.ETag != "" || r.outcome == store.OutcomeOK {
			st.ETag = r.res.ETag
		}
		if r.res.LastModified != "" || r.outcome == store.OutcomeOK {
			st.LastModified = r.res.LastModified
		}
		// The feed's ttl lives in the state, so that a poll answered 304,
		// by this instance after a restart or by another one, keeps it.
		if r.feed != nil {
			st.TTL = r.feed.TTL
			st.BodyHash = r.res.Hash
			st.FeedTitle, st.FeedID, st.HomeURL, st.SelfURL = r.feed.Title, r.feed.ID, r.feed.Home, r.feed.Self
			st.Warnings = len(r.feed.Warnings)
			st.Deleted = remember(st.Deleted, r.feed.Deleted)
		}
		if r.newItems > 0 {
			st.LastNewItem = now
		}
		st.NextFetch = done.Add(afterSuccess(src.Interval.Duration, st.TTL, r.res.MaxAge, r.res.RetryAfter, capDelay))
	}
	st.History = append(st.History, store.Poll{
		At:         now,
		Outcome:    r.outcome,
		HTTPStatus: st.HTTPStatus,
		DurationMS: st.DurationMS,
		NewItems:   r.newItems,
	})
	if over := len(st.History) - store.HistoryLen; over > 0 {
		st.History = append([]store.Poll(nil), st.History[over:]...)
	}
}

// oneLine keeps a message on one line and short enough for a status page.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		cut := 300
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func (p *Poller) logPoll(src *config.Source, st *store.SourceState, r *result, took time.Duration) {
	if r.err != nil {
		p.log.Warn("poll failed", "source", src.ID, "url", redact.URL(src.URL), "outcome", r.outcome,
			"status", st.HTTPStatus, "duration", took, "err", st.LastError,
			"consecutive_errors", st.ConsecutiveErrors, "next", st.NextFetch)
		return
	}
	args := []any{"source", src.ID, "outcome", r.outcome, "status", st.HTTPStatus,
		"duration", took, "new_items", r.newItems, "items", st.Items}
	if r.feed != nil && len(r.feed.Warnings) > 0 {
		// The first says what kind of trouble the upstream has; the count
		// is in the health API.
		args = append(args, "warnings", len(r.feed.Warnings), "first_warning", r.feed.Warnings[0])
	}
	p.log.Info("poll", args...)
}

// remember adds the ids of newly deleted items to those kept, newest last,
// within store.DeletedLen.
func remember(kept, deleted []string) []string {
	if len(deleted) == 0 {
		return kept
	}
	kept = slices.Clone(kept) // the state it came from may be shared
	for _, id := range deleted {
		if !slices.Contains(kept, id) {
			kept = append(kept, id)
		}
	}
	if over := len(kept) - store.DeletedLen; over > 0 {
		kept = slices.Clone(kept[over:])
	}
	return kept
}
