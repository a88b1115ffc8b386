package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A day's figures live under keys that share the hash tag {day:D}, so
// that a Cluster keeps them in one slot and a script may touch several;
// each expires Retention after the day ends.
//
//	{day:D}:usage           hash  partner␟section␟r|n|b|l -> requests, 304s, bytes, last seen (ms)
//	{day:D}:subs            hash  section␟reader␟feed -> subscribers
//	{day:D}:sections        set   sections with addresses that day
//	{day:D}:addr:{section}  set   salted address hashes
//	{day:D}:salt            string, gone when the day is over
const sep = "\x1f"

func (r *Redis) dayKey(day, name string) string {
	return r.opts.Prefix + "{day:" + day + "}:" + name
}

// addUsageScript: KEYS usage; ARGV expiry (unix s), then per entry
// partner␟section␟, requests, 304s, bytes, last seen (ms). Counts add up
// with HINCRBY, so instances sum; last seen only moves later.
var addUsageScript = redis.NewScript(`
for i = 2, #ARGV, 5 do
	local f = ARGV[i]
	redis.call("HINCRBY", KEYS[1], f .. "r", ARGV[i+1])
	redis.call("HINCRBY", KEYS[1], f .. "n", ARGV[i+2])
	redis.call("HINCRBY", KEYS[1], f .. "b", ARGV[i+3])
	local seen = tonumber(redis.call("HGET", KEYS[1], f .. "l") or "0")
	if tonumber(ARGV[i+4]) > seen then
		redis.call("HSET", KEYS[1], f .. "l", ARGV[i+4])
	end
end
redis.call("EXPIREAT", KEYS[1], ARGV[1])
return 0`)

// AddUsage implements Audience.
func (r *Redis) AddUsage(ctx context.Context, usage []Usage) error {
	byDay := map[string][]any{}
	for _, u := range usage {
		if _, err := dayExpiry(u.Day); err != nil {
			return err
		}
		byDay[u.Day] = append(byDay[u.Day], u.Partner+sep+u.Section+sep, u.Requests, u.NotModified, u.Bytes, u.LastSeen.UnixMilli())
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	for day, args := range byDay {
		exp, _ := dayExpiry(day)
		if err := addUsageScript.Run(ctx, r.client, []string{r.dayKey(day, "usage")}, append([]any{exp.Unix()}, args...)...).Err(); err != nil {
			return fmt.Errorf("store: redis: add usage of %s: %w", day, err)
		}
	}
	return nil
}

// Usage implements Audience.
func (r *Redis) Usage(ctx context.Context, days []string) ([]Usage, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	cmds := make([]*redis.MapStringStringCmd, len(days))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, day := range days {
			cmds[i] = p.HGetAll(ctx, r.dayKey(day, "usage"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: redis: usage: %w", err)
	}
	var out []Usage
	for i, day := range days {
		byKey := map[string]*Usage{}
		for field, v := range cmds[i].Val() {
			partner, rest, _ := strings.Cut(field, sep)
			section, kind, _ := strings.Cut(rest, sep)
			n, _ := strconv.ParseInt(v, 10, 64)
			u := byKey[partner+sep+section]
			if u == nil {
				u = &Usage{Day: day, Partner: partner, Section: section}
				byKey[partner+sep+section] = u
			}
			switch kind {
			case "r":
				u.Requests = n
			case "n":
				u.NotModified = n
			case "b":
				u.Bytes = n
			case "l":
				u.LastSeen = time.UnixMilli(n).UTC()
			}
		}
		for _, u := range byKey {
			out = append(out, *u)
		}
	}
	return out, nil
}

// SetSubscribers implements Audience.
func (r *Redis) SetSubscribers(ctx context.Context, counts []SubscriberCount) error {
	byDay := map[string][]any{}
	for _, c := range counts {
		if _, err := dayExpiry(c.Day); err != nil {
			return err
		}
		byDay[c.Day] = append(byDay[c.Day], c.Section+sep+c.Reader+sep+c.Feed, c.Subscribers)
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for day, values := range byDay {
			exp, _ := dayExpiry(day)
			key := r.dayKey(day, "subs")
			p.HSet(ctx, key, values...)
			p.ExpireAt(ctx, key, exp)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: redis: set subscribers: %w", err)
	}
	return nil
}

// AddAddresses implements Audience.
func (r *Redis) AddAddresses(ctx context.Context, day, section string, hashes []string) error {
	exp, err := dayExpiry(day)
	if err != nil {
		return err
	}
	if len(hashes) == 0 {
		return nil
	}
	members := make([]any, len(hashes))
	for i, h := range hashes {
		members[i] = h
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		key, sections := r.dayKey(day, "addr:"+section), r.dayKey(day, "sections")
		p.SAdd(ctx, key, members...)
		p.ExpireAt(ctx, key, exp)
		p.SAdd(ctx, sections, section)
		p.ExpireAt(ctx, sections, exp)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: redis: add addresses: %w", err)
	}
	return nil
}

// AudienceDays implements Audience.
func (r *Redis) AudienceDays(ctx context.Context, days []string) ([]AudienceDay, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	subs := make([]*redis.MapStringStringCmd, len(days))
	sections := make([]*redis.StringSliceCmd, len(days))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, day := range days {
			subs[i] = p.HGetAll(ctx, r.dayKey(day, "subs"))
			sections[i] = p.SMembers(ctx, r.dayKey(day, "sections"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: redis: audience: %w", err)
	}
	type dayCard struct {
		day, section string
		cmd          *redis.IntCmd
	}
	var cards []dayCard
	_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, day := range days {
			for _, s := range sections[i].Val() {
				cards = append(cards, dayCard{day, s, p.SCard(ctx, r.dayKey(day, "addr:"+s))})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: redis: audience: %w", err)
	}
	all := map[[2]string]*AudienceDay{}
	get := func(day, section string) *AudienceDay {
		d := all[[2]string{day, section}]
		if d == nil {
			d = &AudienceDay{Day: day, Section: section, Readers: map[string]int64{}}
			all[[2]string{day, section}] = d
		}
		return d
	}
	for i, day := range days {
		for field, v := range subs[i].Val() {
			parts := strings.SplitN(field, sep, 3)
			if len(parts) != 3 {
				continue
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			get(day, parts[0]).Readers[parts[1]] += n
		}
	}
	for _, c := range cards {
		get(c.day, c.section).Addresses = c.cmd.Val()
	}
	out := make([]AudienceDay, 0, len(all))
	for _, d := range all {
		out = append(out, *d)
	}
	return out, nil
}

// daySaltScript: KEYS salt; ARGV fresh salt, time to live (ms). The salt
// kept, or fresh, kept from now on: a script rather than SET NX GET,
// which Redis before 7.0 lacks.
var daySaltScript = redis.NewScript(`
local kept = redis.call("GET", KEYS[1])
if kept then return kept end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return ARGV[1]`)

// DaySalt implements Audience.
func (r *Redis) DaySalt(ctx context.Context, day string, fresh []byte, expires time.Time) ([]byte, error) {
	if _, err := dayExpiry(day); err != nil {
		return nil, err
	}
	ttl := time.Until(expires).Milliseconds()
	if ttl < 1 {
		// Already past: the salt serves this call and is not kept.
		return fresh, nil
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	salt, err := daySaltScript.Run(ctx, r.client, []string{r.dayKey(day, "salt")}, fresh, ttl).Text()
	if err != nil {
		return nil, fmt.Errorf("store: redis: day salt: %w", err)
	}
	return []byte(salt), nil
}
