package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The hub's keys share the hash tag {websub}, so every script and
// transaction below stays in one Cluster slot. They are:
//
//	{websub}:subs          hash   subscription id → Subscription JSON
//	{websub}:expiry        zset   subscription id → lease end (ms)
//	{websub}:topic:<topic> set    ids of the topic's subscriptions
//	{websub}:last          hash   topic → newest ETag recorded
//	{websub}:steps         zset   "topic prev etag" → when recorded (ms)
//	{websub}:queue         zset   subscription id → when its delivery is due (ms)
//	{websub}:job:<id>      hash   the pending delivery: etag, attempts, since, token
//	{websub}:stats         hash   delivered, failed, retried, dropped
func (r *Redis) websubKey(name string) string { return r.opts.Prefix + "{websub}:" + name }

// Scripts name the per-subscription keys they reach through a prefix
// passed among KEYS: it carries the hash tag, so Cluster routes the call
// to the slot of every key the script builds from it.
var (
	// recordScript: KEYS last, steps, topic set, expiry, queue, job
	// prefix; ARGV topic, prev, etag, now, start of the window.
	recordScript = redis.NewScript(`
local before = redis.call("HGET", KEYS[1], ARGV[1]) or ""
if before == ARGV[3] then return {0, before, 0} end
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", "(" .. ARGV[5])
local step = ARGV[1] .. " " .. ARGV[2] .. " " .. ARGV[3]
if redis.call("ZSCORE", KEYS[2], step) then return {0, before, 0} end
redis.call("ZADD", KEYS[2], ARGV[4], step)
redis.call("HSET", KEYS[1], ARGV[1], ARGV[3])
local now, queued = tonumber(ARGV[4]), 0
for _, id in ipairs(redis.call("SMEMBERS", KEYS[3])) do
	local expires = redis.call("ZSCORE", KEYS[4], id)
	if expires and tonumber(expires) > now then
		local job = KEYS[6] .. id
		local claimed = redis.call("HEXISTS", job, "token") == 1
		redis.call("HSET", job, "etag", ARGV[3], "attempts", 0, "since", ARGV[4])
		-- A delivery out with a claim keeps its hold: finishing it makes
		-- the new version due, so that versions never overtake each other.
		if not claimed then redis.call("ZADD", KEYS[5], ARGV[4], id) end
		queued = queued + 1
	end
end
return {1, before, queued}`)

	// claimScript: KEYS queue, subs, expiry, job prefix; ARGV now, end of
	// the hold, how many, token prefix.
	claimScript = redis.NewScript(`
local now, out = tonumber(ARGV[1]), {}
for i, id in ipairs(redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, ARGV[3])) do
	local job = KEYS[4] .. id
	local sub = redis.call("HGET", KEYS[2], id)
	local expires = redis.call("ZSCORE", KEYS[3], id)
	local etag = redis.call("HGET", job, "etag")
	if not sub or not expires or tonumber(expires) <= now or not etag then
		redis.call("ZREM", KEYS[1], id)
		redis.call("DEL", job)
	else
		local token = ARGV[4] .. ":" .. i
		redis.call("HSET", job, "token", token)
		redis.call("ZADD", KEYS[1], ARGV[2], id)
		local f = redis.call("HMGET", job, "attempts", "since")
		out[#out + 1] = {sub, etag, f[1], f[2], token}
	end
end
return out`)

	// finishScript: KEYS queue, job, stats; ARGV id, token, etag, how
	// (ack, retry, defer, drop), now, due.
	finishScript = redis.NewScript(`
if redis.call("HGET", KEYS[2], "token") ~= ARGV[2] then return 0 end
local how = ARGV[4]
if how == "ack" then
	redis.call("HINCRBY", KEYS[3], "delivered", 1)
elseif how == "retry" then
	redis.call("HINCRBY", KEYS[3], "failed", 1)
	redis.call("HINCRBY", KEYS[3], "retried", 1)
elseif how == "drop" then
	redis.call("HINCRBY", KEYS[3], "failed", 1)
	redis.call("HINCRBY", KEYS[3], "dropped", 1)
end
redis.call("HDEL", KEYS[2], "token")
if redis.call("HGET", KEYS[2], "etag") ~= ARGV[3] then
	redis.call("ZADD", KEYS[1], ARGV[5], ARGV[1])
elseif how == "ack" or how == "drop" then
	redis.call("DEL", KEYS[2])
	redis.call("ZREM", KEYS[1], ARGV[1])
else
	if how == "retry" then redis.call("HINCRBY", KEYS[2], "attempts", 1) end
	redis.call("ZADD", KEYS[1], ARGV[6], ARGV[1])
end
return 1`)

	// unsubscribeScript: KEYS subs, expiry, topic set, queue, job; ARGV
	// id, and a time by which the lease must have ended, or "" to remove
	// it whatever its lease.
	unsubscribeScript = redis.NewScript(`
if ARGV[2] ~= "" then
	local expires = redis.call("ZSCORE", KEYS[2], ARGV[1])
	if expires and tonumber(expires) > tonumber(ARGV[2]) then return 0 end
end
redis.call("HDEL", KEYS[1], ARGV[1])
redis.call("ZREM", KEYS[2], ARGV[1])
redis.call("SREM", KEYS[3], ARGV[1])
redis.call("ZREM", KEYS[4], ARGV[1])
redis.call("DEL", KEYS[5])
return 1`)
)

// PutSubscription implements WebSub.
func (r *Redis) PutSubscription(ctx context.Context, s Subscription) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: redis: encode subscription to %s: %w", s.Topic, err)
	}
	id := SubscriptionID(s.Topic, s.Callback)
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.websubKey("subs"), id, b)
		p.ZAdd(ctx, r.websubKey("expiry"), redis.Z{Score: float64(millis(s.Expires)), Member: id})
		p.SAdd(ctx, r.websubKey("topic:"+s.Topic), id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: redis: put subscription to %s: %w", s.Topic, err)
	}
	return nil
}

// DeleteSubscription implements WebSub.
func (r *Redis) DeleteSubscription(ctx context.Context, topic, callback string) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	if _, err := r.unsubscribe(ctx, topic, SubscriptionID(topic, callback), ""); err != nil {
		return fmt.Errorf("store: redis: delete subscription to %s: %w", topic, err)
	}
	return nil
}

func (r *Redis) unsubscribe(ctx context.Context, topic, id, expiredBy string) (bool, error) {
	keys := []string{r.websubKey("subs"), r.websubKey("expiry"), r.websubKey("topic:" + topic), r.websubKey("queue"), r.websubKey("job:" + id)}
	n, err := unsubscribeScript.Run(ctx, r.client, keys, id, expiredBy).Int()
	return n == 1, err
}

// Subscriptions implements WebSub.
func (r *Redis) Subscriptions(ctx context.Context) ([]Subscription, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	raw, err := r.client.HGetAll(ctx, r.websubKey("subs")).Result()
	if err != nil {
		return nil, fmt.Errorf("store: redis: subscriptions: %w", err)
	}
	out := make([]Subscription, 0, len(raw))
	for id, v := range raw {
		var s Subscription
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			return nil, fmt.Errorf("store: redis: decode subscription %s: %w", id, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// ExpireSubscriptions implements WebSub. Each removal checks the lease
// again, so a subscription renewed meanwhile stays.
func (r *Redis) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	nowMS := strconv.FormatInt(millis(now), 10)
	ids, err := r.client.ZRangeByScore(ctx, r.websubKey("expiry"), &redis.ZRangeBy{Min: "-inf", Max: nowMS}).Result()
	if err != nil || len(ids) == 0 {
		if err != nil {
			return 0, fmt.Errorf("store: redis: expired subscriptions: %w", err)
		}
		return 0, nil
	}
	raw, err := r.client.HMGet(ctx, r.websubKey("subs"), ids...).Result()
	if err != nil {
		return 0, fmt.Errorf("store: redis: expired subscriptions: %w", err)
	}
	n := 0
	for i, id := range ids {
		var s Subscription
		if v, ok := raw[i].(string); ok {
			if err := json.Unmarshal([]byte(v), &s); err != nil {
				return n, fmt.Errorf("store: redis: decode subscription %s: %w", id, err)
			}
		}
		removed, err := r.unsubscribe(ctx, s.Topic, id, nowMS)
		if err != nil {
			return n, fmt.Errorf("store: redis: expire subscription %s: %w", id, err)
		}
		if removed {
			n++
		}
	}
	return n, nil
}

// RecordChange implements WebSub.
func (r *Redis) RecordChange(ctx context.Context, c TopicChange, now time.Time, window time.Duration) (RecordedChange, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	keys := []string{r.websubKey("last"), r.websubKey("steps"), r.websubKey("topic:" + c.Topic), r.websubKey("expiry"), r.websubKey("queue"), r.websubKey("job:")}
	v, err := recordScript.Run(ctx, r.client, keys, c.Topic, c.Prev, c.ETag, millis(now), millis(now.Add(-window))).Slice()
	if err != nil {
		return RecordedChange{}, fmt.Errorf("store: redis: record change of %s: %w", c.Topic, err)
	}
	if len(v) != 3 {
		return RecordedChange{}, fmt.Errorf("store: redis: record change of %s: unexpected reply %v", c.Topic, v)
	}
	isNew, _ := v[0].(int64)
	before, _ := v[1].(string)
	queued, _ := v[2].(int64)
	return RecordedChange{New: isNew == 1, Before: before, Queued: int(queued)}, nil
}

// ClaimDeliveries implements WebSub.
func (r *Redis) ClaimDeliveries(ctx context.Context, now time.Time, n int, hold time.Duration) ([]Delivery, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	keys := []string{r.websubKey("queue"), r.websubKey("subs"), r.websubKey("expiry"), r.websubKey("job:")}
	v, err := claimScript.Run(ctx, r.client, keys, millis(now), millis(now.Add(hold)), n, rand.Text()).Slice()
	if err != nil {
		return nil, fmt.Errorf("store: redis: claim deliveries: %w", err)
	}
	out := make([]Delivery, 0, len(v))
	for _, row := range v {
		f, ok := row.([]any)
		if !ok || len(f) != 5 {
			return nil, fmt.Errorf("store: redis: claim deliveries: unexpected reply %v", row)
		}
		var d Delivery
		sub, _ := f[0].(string)
		if err := json.Unmarshal([]byte(sub), &d.Subscription); err != nil {
			return nil, fmt.Errorf("store: redis: claim deliveries: decode subscription: %w", err)
		}
		d.ETag, _ = f[1].(string)
		attempts, _ := f[2].(string)
		d.Attempts, _ = strconv.Atoi(attempts)
		since, _ := f[3].(string)
		ms, _ := strconv.ParseInt(since, 10, 64)
		d.Since = time.UnixMilli(ms)
		d.Token, _ = f[4].(string)
		out = append(out, d)
	}
	return out, nil
}

// AckDelivery implements WebSub.
func (r *Redis) AckDelivery(ctx context.Context, d Delivery, now time.Time) error {
	return r.finish(ctx, d, finishAck, now, 0)
}

// RetryDelivery implements WebSub.
func (r *Redis) RetryDelivery(ctx context.Context, d Delivery, now time.Time, wait time.Duration, failed bool) error {
	if failed {
		return r.finish(ctx, d, finishRetry, now, wait)
	}
	return r.finish(ctx, d, finishDefer, now, wait)
}

// DropDelivery implements WebSub.
func (r *Redis) DropDelivery(ctx context.Context, d Delivery, now time.Time) error {
	return r.finish(ctx, d, finishDrop, now, 0)
}

func (r *Redis) finish(ctx context.Context, d Delivery, how string, now time.Time, wait time.Duration) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	id := SubscriptionID(d.Topic, d.Callback)
	keys := []string{r.websubKey("queue"), r.websubKey("job:" + id), r.websubKey("stats")}
	n, err := finishScript.Run(ctx, r.client, keys, id, d.Token, d.ETag, how, millis(now), millis(now.Add(wait))).Int()
	if err != nil {
		return fmt.Errorf("store: redis: finish delivery %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: redis: finish delivery %s: %w", id, ErrLeaseLost)
	}
	return nil
}

// WebSubStats implements WebSub.
func (r *Redis) WebSubStats(ctx context.Context) (WebSubStats, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	var counts *redis.MapStringStringCmd
	var queued *redis.IntCmd
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		counts = p.HGetAll(ctx, r.websubKey("stats"))
		queued = p.ZCard(ctx, r.websubKey("queue"))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return WebSubStats{}, fmt.Errorf("store: redis: websub stats: %w", err)
	}
	c := counts.Val()
	count := func(k string) int64 { n, _ := strconv.ParseInt(c[k], 10, 64); return n }
	return WebSubStats{
		Delivered: count("delivered"),
		Failed:    count("failed"),
		Retried:   count("retried"),
		Dropped:   count("dropped"),
		Queued:    queued.Val(),
	}, nil
}
