package io.switchboard.broker.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that keep cluster-wide state consistent: each runs atomically in Redis, so two
 * nodes can never both see "first connection" or both take the last connection slot. Key names
 * are those of {@link RedisKeys}; a script that builds key names itself only builds keys of the
 * app whose keys it was given, so all of them share one cluster hash slot.
 */
final class RedisScripts {
    private RedisScripts() {}

    /** A script and its SHA-1, for {@code EVALSHA} with a fallback to {@code EVAL}. */
    record Script(String name, String body, String sha) {
        static Script of(String name, String body) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
                return new Script(name, body, HexFormat.of().formatHex(digest));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Redis time in ms, as the scripts that return it compute it. */
    private static final String NOW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            """;

    /**
     * Publishes an event unless it is past its deadline ({@link RedisClock}): a publication this
     * node already gave up on (and delivered to its own subscribers) must not reach anyone later.
     * KEYS: the pub/sub channel (routes the call to its shard). ARGV: message, deadline in Redis ms
     * (0 for none), 1 for sharded pub/sub. Returns {receivers, or -1 when past the deadline, Redis
     * time}.
     */
    static final Script PUBLISH = Script.of("publish", NOW + """
            local deadline = tonumber(ARGV[2])
            if deadline > 0 and now > deadline then
              return {-1, now}
            end
            if ARGV[3] == '1' then
              return {redis.call('SPUBLISH', KEYS[1], ARGV[1]), now}
            end
            return {redis.call('PUBLISH', KEYS[1], ARGV[1]), now}
            """);

    /**
     * Publishes an event of a history channel and stores it, in one step so every node sees one
     * order: gives it the channel's next serial (a lost sequence starts again from Redis time in ms
     * times 1000, above any serial issued before), adds it to the channel's stream under that serial,
     * (the first event of a sequence begun on an empty stream is marked {@code s = 1}, so a read
     * knows whether the history still reaches back to it), trims the stream to the last N events and
     * to those younger than the rule's age, then publishes
     * it with the serial. Past its deadline it does nothing, like {@link #PUBLISH}. KEYS: the pub/sub
     * channel, the stream, the serial (one slot: see {@link RedisKeys#history}). ARGV: the message's
     * head ({@link RedisWire#eventHead}), the frame, deadline in Redis ms (0 for none), 1 for sharded
     * pub/sub, max events, max age in ms, the serial's TTL in ms. Returns {receivers, or -1 when past
     * the deadline, Redis time, serial}.
     */
    static final Script PUBLISH_HISTORY = Script.of("publish-history", NOW + """
            local deadline = tonumber(ARGV[3])
            if deadline > 0 and now > deadline then
              return {-1, now, 0}
            end
            local serial = redis.call('INCR', KEYS[3])
            local starts = false
            if serial == 1 then
              serial = now * 1000 + 1
              local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
              if last then
                local previous = tonumber(string.match(last[1], '^(%d+)'))
                if previous >= serial then
                  serial = previous + 1
                end
              else
                starts = true
              end
            end
            local id = string.format('%.0f', serial)
            redis.call('SET', KEYS[3], id, 'PX', ARGV[7])
            if starts then
              redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[5], id .. '-0', 'f', ARGV[2], 't', now, 's', '1')
            else
              redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[5], id .. '-0', 'f', ARGV[2], 't', now)
            end
            local cutoff = now - tonumber(ARGV[6])
            local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
            if first and tonumber(first[2][4]) < cutoff then
              local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 64)
              local keep = nil
              for _, e in ipairs(oldest) do
                if tonumber(e[2][4]) >= cutoff then
                  keep = e[1]
                  break
                end
              end
              if keep == nil then
                keep = string.format('%.0f', string.match(oldest[#oldest][1], '^(%d+)') + 1)
              end
              redis.call('XTRIM', KEYS[2], 'MINID', keep)
            end
            redis.call('PEXPIRE', KEYS[2], ARGV[6])
            local message = ARGV[1] .. string.char(#id) .. id .. ARGV[2]
            local receivers
            if ARGV[4] == '1' then
              receivers = redis.call('SPUBLISH', KEYS[1], message)
            else
              receivers = redis.call('PUBLISH', KEYS[1], message)
            end
            return {receivers, now, serial}
            """);

    /**
     * Reads a history channel's retained events younger than its age. KEYS: the stream, the serial.
     * ARGV: 'after' or 'before', the first serial to return (after) or the last (before, or '+'), the
     * most events (0 for only the bounds), max age in ms. Returns {{serial, time, frame, ...} in the
     * order asked, the earliest retained serial (0 for none), the latest serial (0 for none), 1 when
     * the earliest retained event is its sequence's first (or no serial was ever issued), else 0}.
     */
    static final Script HISTORY_READ = Script.of("history-read", NOW + """
            local cutoff = now - tonumber(ARGV[4])
            local latest = tonumber(redis.call('GET', KEYS[2]) or '0')
            local earliest = 0
            local complete = 0
            if latest == 0 then
              complete = 1
            end
            local from = '-'
            while earliest == 0 do
              local batch = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 100)
              if #batch == 0 then
                break
              end
              for _, e in ipairs(batch) do
                if tonumber(e[2][4]) >= cutoff then
                  earliest = tonumber(string.match(e[1], '^(%d+)'))
                  if e[2][5] == 's' then
                    complete = 1
                  end
                  break
                end
              end
              from = '(' .. batch[#batch][1]
            end
            local out = {}
            if earliest > 0 and ARGV[3] ~= '0' then
              local entries
              if ARGV[1] == 'after' then
                entries = redis.call('XRANGE', KEYS[1], ARGV[2], '+', 'COUNT', ARGV[3])
              else
                entries = redis.call('XREVRANGE', KEYS[1], ARGV[2], '-', 'COUNT', ARGV[3])
              end
              for _, e in ipairs(entries) do
                if tonumber(e[2][4]) >= cutoff then
                  out[#out + 1] = string.match(e[1], '^(%d+)')
                  out[#out + 1] = e[2][4]
                  out[#out + 1] = e[2][2]
                end
              end
            end
            return {out, string.format('%.0f', earliest), string.format('%.0f', latest), complete}
            """);

    /**
     * Stores a cache channel's last frame unless past its deadline, like {@link #PUBLISH}: an event
     * this node gave up on must not reach later subscribers either. KEYS: the cache key. ARGV:
     * frame, TTL in seconds, deadline in Redis ms (0 for none). Returns {1 when stored, 0 when past
     * the deadline, Redis time}.
     */
    static final Script CACHE_PUT = Script.of("cache-put", NOW + """
            local deadline = tonumber(ARGV[3])
            if deadline > 0 and now > deadline then
              return {0, now}
            end
            redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
            return {1, now}
            """);

    /**
     * Adds one connection to a presence channel, refusing a new user when the channel is full, and
     * doing nothing past its deadline ({@link RedisClock}): a join this node already refused must
     * leave no trace. KEYS: presence, users, info, node presence, the user's departure mark. ARGV:
     * node, socket, user id, user info, max members, channel, deadline in Redis ms (0 for none).
     * Returns {accepted (-1 past the deadline), first connection of the user, {user, info, ...},
     * 1 when a first connection took the departure mark, Redis time}.
     */
    static final Script JOIN = Script.of("join", NOW + """
            local deadline = tonumber(ARGV[7])
            if deadline > 0 and now > deadline then
              return {-1, 0, {}, 0, now}
            end
            local conn = ARGV[1] .. ':' .. ARGV[2]
            local uid = ARGV[3]
            local first = 0
            local returning = 0
            if redis.call('HEXISTS', KEYS[1], conn) == 0 then
              if redis.call('HEXISTS', KEYS[2], uid) == 0 then
                if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then
                  return {0, 0, {}, 0, now}
                end
                first = 1
                returning = redis.call('DEL', KEYS[5])
                redis.call('HSET', KEYS[3], uid, ARGV[4])
              end
              redis.call('HINCRBY', KEYS[2], uid, 1)
              redis.call('HSET', KEYS[1], conn, uid)
              redis.call('HSET', KEYS[4], ARGV[6] .. ':' .. ARGV[2], uid)
            end
            return {1, first, redis.call('HGETALL', KEYS[3]), returning, now}
            """);

    /**
     * Removes one connection from a presence channel. KEYS as {@link #JOIN}. ARGV: node, socket,
     * channel, departure mark TTL in ms (0 for none). Returns 1 when it was the user's last
     * connection on the channel, leaving the mark then.
     */
    static final Script LEAVE = Script.of("leave", """
            local conn = ARGV[1] .. ':' .. ARGV[2]
            local uid = redis.call('HGET', KEYS[1], conn)
            if not uid then
              return 0
            end
            redis.call('HDEL', KEYS[1], conn)
            redis.call('HDEL', KEYS[4], ARGV[3] .. ':' .. ARGV[2])
            if redis.call('HINCRBY', KEYS[2], uid, -1) <= 0 then
              redis.call('HDEL', KEYS[2], uid)
              redis.call('HDEL', KEYS[3], uid)
              if tonumber(ARGV[4]) > 0 then
                redis.call('SET', KEYS[5], '1', 'PX', ARGV[4])
              end
              return 1
            end
            return 0
            """);

    /**
     * KEYS: subscriptions, node subscriptions, the channel's vacancy mark. ARGV: channel. Returns
     * {the cluster-wide count, 1 when occupying the channel took the vacancy mark}.
     */
    static final Script INCREMENT = Script.of("increment", """
            redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
            local total = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
            local returning = 0
            if total == 1 then
              returning = redis.call('DEL', KEYS[3])
            end
            return {total, returning}
            """);

    /**
     * KEYS as {@link #INCREMENT}. ARGV: channel, vacancy mark TTL in ms (0 for none). Only takes
     * back what this node added (a Redis that lost this node's counts is not driven negative).
     * Returns {the cluster-wide count, 0}, leaving the mark when the channel became vacant.
     */
    static final Script DECREMENT = Script.of("decrement", """
            local mine = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
            if mine <= 0 then
              redis.call('HDEL', KEYS[2], ARGV[1])
            end
            if mine < 0 then
              return {tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0'), 0}
            end
            local total = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
            if total <= 0 then
              redis.call('HDEL', KEYS[1], ARGV[1])
              if tonumber(ARGV[2]) > 0 then
                redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
              end
              return {0, 0}
            end
            return {total, 0}
            """);

    /** KEYS: connections. ARGV: node, limit (0 = none). Returns 1 when a slot was taken. */
    static final Script ACQUIRE = Script.of("acquire", """
            local limit = tonumber(ARGV[2])
            if limit > 0 then
              local total = 0
              for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
                total = total + tonumber(v)
              end
              if total >= limit then
                return 0
              end
            end
            redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
            return 1
            """);

    /**
     * One REST request in the current second (Redis time, so every node shares the window).
     * KEYS: rate. ARGV: limit per second. Returns 1 when the request is within the limit.
     */
    static final Script RATE = Script.of("rate", """
            local now = tonumber(redis.call('TIME')[1])
            if tonumber(redis.call('HGET', KEYS[1], 'second') or '0') ~= now then
              redis.call('HSET', KEYS[1], 'second', now, 'count', 0)
              redis.call('PEXPIRE', KEYS[1], 2000)
            end
            if redis.call('HINCRBY', KEYS[1], 'count', 1) > tonumber(ARGV[1]) then
              return 0
            end
            return 1
            """);

    /** KEYS: connections. ARGV: node. */
    static final Script RELEASE = Script.of("release", """
            if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then
              redis.call('HDEL', KEYS[1], ARGV[1])
            end
            return 1
            """);

    /**
     * Renews this node's heartbeat and lists nodes whose heartbeat expired (or whose reaper did
     * not finish in time). KEYS: nodes, reaping. ARGV: node, node timeout (ms). Returns {1 when
     * this node's entry was missing, {expired...}, {stuck...}, Redis time}.
     */
    static final Script HEARTBEAT = Script.of("heartbeat", NOW + """
            local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)
            local stuck = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
            return {added, dead, stuck, now}
            """);

    /**
     * Claims the reaping of a dead node, so exactly one live node reaps it; a claim that was not
     * finished by its deadline can be taken over. KEYS: nodes, reaping. ARGV: node, reaping
     * deadline (ms from now). Returns 1 when this caller must reap.
     */
    static final Script CLAIM = Script.of("claim", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if expiry and tonumber(expiry) <= now then
              redis.call('ZREM', KEYS[1], ARGV[1])
              redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
              return 1
            end
            local deadline = redis.call('ZSCORE', KEYS[2], ARGV[1])
            if deadline and tonumber(deadline) <= now then
              redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
              return 1
            end
            return 0
            """);

    /**
     * Makes one node's state in one app exactly what it should be: subscription counts, presence
     * connections and the connection count. Used to re-register after Redis lost data (desired =
     * the node's own record), to remove a dead node (desired = nothing) and on clean shutdown.
     *
     * <p>KEYS: the app's subscriptions key (routes the call to the app's slot). ARGV: app key
     * start, node, lowest and highest right connection count (they differ while connection slots
     * are being taken: a count in between is kept), n, n x (channel, count), m, m x (channel,
     * socket, user id, user info), k, k x (channel, socket) kept if present (joins and leaves on
     * their way), s, s x (channel, socket) of joins refused because Redis did not answer in time:
     * removed if present without being reported, as nobody was told they joined. Returns
     * {{channel, user id, ...} of users whose last connection went, {channel...} that became
     * empty}.
     */
    static final Script RECONCILE = Script.of("reconcile", """
            local base, node = ARGV[1], ARGV[2]
            local connsLow, connsHigh = tonumber(ARGV[3]), tonumber(ARGV[4])
            local i = 5
            local function count()
              local n = tonumber(ARGV[i])
              i = i + 1
              return n
            end
            local wantSubs = {}
            for _ = 1, count() do
              wantSubs[ARGV[i]] = tonumber(ARGV[i + 1])
              i = i + 2
            end
            local wantPresence = {}
            for _ = 1, count() do
              wantPresence[ARGV[i] .. ':' .. ARGV[i + 1]] = {ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]}
              i = i + 4
            end
            local keep = {}
            for _ = 1, count() do
              keep[ARGV[i] .. ':' .. ARGV[i + 1]] = true
              i = i + 2
            end
            local silent = {}
            for _ = 1, count() do
              silent[ARGV[i] .. ':' .. ARGV[i + 1]] = true
              i = i + 2
            end

            local removed, vacated = {}, {}
            local totals = KEYS[1]
            local mySubs = base .. 'node:' .. node .. ':subs'
            local have = redis.call('HGETALL', mySubs)
            local old = {}
            for j = 1, #have, 2 do
              old[have[j]] = tonumber(have[j + 1])
              if wantSubs[have[j]] == nil then
                wantSubs[have[j]] = 0
              end
            end
            for ch, n in pairs(wantSubs) do
              local delta = n - (old[ch] or 0)
              if delta ~= 0 then
                local total = redis.call('HINCRBY', totals, ch, delta)
                if total <= 0 then
                  redis.call('HDEL', totals, ch)
                  if delta < 0 then
                    vacated[#vacated + 1] = ch
                  end
                end
              end
              if n > 0 then
                redis.call('HSET', mySubs, ch, n)
              else
                redis.call('HDEL', mySubs, ch)
              end
            end

            local myPresence = base .. 'node:' .. node .. ':presence'
            local held = redis.call('HGETALL', myPresence)
            for j = 1, #held, 2 do
              local field, uid = held[j], held[j + 1]
              if wantPresence[field] then
                wantPresence[field] = nil
              elseif not keep[field] then
                -- Split at the last ':': socket ids never contain one, internal names do.
                local ch, socket = string.match(field, '^(.*):([^:]*)$')
                redis.call('HDEL', myPresence, field)
                redis.call('HDEL', base .. 'presence:' .. ch, node .. ':' .. socket)
                local users = base .. 'users:' .. ch
                if redis.call('HINCRBY', users, uid, -1) <= 0 then
                  redis.call('HDEL', users, uid)
                  redis.call('HDEL', base .. 'info:' .. ch, uid)
                  if not silent[field] then
                    removed[#removed + 1] = ch
                    removed[#removed + 1] = uid
                  end
                end
              end
            end
            for field, e in pairs(wantPresence) do
              local ch, socket, uid = e[1], e[2], e[3]
              if redis.call('HINCRBY', base .. 'users:' .. ch, uid, 1) == 1 then
                redis.call('HSET', base .. 'info:' .. ch, uid, e[4])
              end
              redis.call('HSET', base .. 'presence:' .. ch, node .. ':' .. socket, uid)
              redis.call('HSET', myPresence, field, uid)
            end

            local conns = tonumber(redis.call('HGET', base .. 'connections', node) or '0')
            if conns < connsLow or conns > connsHigh then
              if connsLow > 0 then
                redis.call('HSET', base .. 'connections', node, connsLow)
              else
                redis.call('HDEL', base .. 'connections', node)
              end
            end
            return {removed, vacated}
            """);
}
