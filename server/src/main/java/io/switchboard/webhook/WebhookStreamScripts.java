package io.switchboard.webhook;

/**
 * The Lua scripts of {@link RedisWebhookQueue}, each run atomically on the Redis node holding a
 * target's keys (they share one hash slot). {@code KEYS} are always in this order where used: the
 * stream, its byte count, its lease.
 */
final class WebhookStreamScripts {
    private WebhookStreamScripts() {}

    /** The UTF-8 length of the {@code body} field of a stream entry ({@code fields}), 0 without one. */
    private static final String BODY_BYTES = """
            local function body_bytes(fields)
              for i = 1, #fields, 2 do
                if fields[i] == 'body' then
                  return string.len(fields[i + 1])
                end
              end
              return 0
            end
            """;

    /**
     * Appends a batch and drops the oldest entries while the stream's bodies take more than
     * ARGV[3] bytes or it has more than ARGV[4] entries, keeping the new one whatever its size.
     * KEYS: stream, bytes; ARGV: created, body, max bytes, max entries. Returns {dropped entries,
     * their bytes}.
     *
     * <p>The byte count lives beside the stream ({@code INCRBY} here, {@code DECRBY} in {@link
     * #ACK}); the entry limit bounds the stream even if that count was lost (an eviction, a
     * restored backup), and is set so that it never drops what the byte limit would keep.
     */
    static final String ADD = BODY_BYTES + """
            redis.call('xadd', KEYS[1], '*', 'created', ARGV[1], 'body', ARGV[2])
            local total = redis.call('incrby', KEYS[2], string.len(ARGV[2]))
            local length = redis.call('xlen', KEYS[1])
            local max_bytes = tonumber(ARGV[3])
            local max_entries = tonumber(ARGV[4])
            local dropped, dropped_bytes = 0, 0
            while length > 1 and (total > max_bytes or length > max_entries) do
              local first = redis.call('xrange', KEYS[1], '-', '+', 'COUNT', 1)[1]
              local bytes = body_bytes(first[2])
              redis.call('xdel', KEYS[1], first[1])
              total = redis.call('decrby', KEYS[2], bytes)
              length = length - 1
              dropped = dropped + 1
              dropped_bytes = dropped_bytes + bytes
            end
            return {dropped, dropped_bytes}
            """;

    /**
     * Removes a delivered or given-up entry (it may have been dropped already) and forgets the
     * byte count once the stream is empty, so a count that drifted starts over. KEYS: stream,
     * bytes; ARGV: group, id.
     */
    static final String ACK = BODY_BYTES + """
            redis.call('xack', KEYS[1], ARGV[1], ARGV[2])
            local entry = redis.call('xrange', KEYS[1], ARGV[2], ARGV[2])[1]
            if entry then
              redis.call('decrby', KEYS[2], body_bytes(entry[2]))
              redis.call('xdel', KEYS[1], ARGV[2])
            end
            if redis.call('xlen', KEYS[1]) == 0 then
              redis.call('del', KEYS[2])
            end
            return 1
            """;

    /**
     * Renews the lease when it is ARGV[1]'s for ARGV[2] ms, takes it when free. KEYS: stream,
     * bytes, lease. Returns {0 another node's | 1 renewed | 2 taken, length, created ms of the
     * first entry or 0}.
     */
    static final String LEASE = """
            local holder = redis.call('get', KEYS[3])
            local state = 0
            if holder == ARGV[1] then
              redis.call('pexpire', KEYS[3], ARGV[2])
              state = 1
            elseif not holder then
              redis.call('set', KEYS[3], ARGV[1], 'PX', ARGV[2])
              state = 2
            end
            if state == 0 then
              return {0, 0, 0}
            end
            local length = redis.call('xlen', KEYS[1])
            if length == 0 then
              redis.call('del', KEYS[2])
            end
            local oldest = 0
            local first = redis.call('xrange', KEYS[1], '-', '+', 'COUNT', 1)[1]
            if first then
              for i = 1, #first[2], 2 do
                if first[2][i] == 'created' then
                  oldest = tonumber(first[2][i + 1]) or 0
                end
              end
            end
            return {state, length, oldest}
            """;

    /** Gives the lease up if it is ARGV[1]'s. KEYS: lease. */
    static final String RELEASE = """
            if redis.call('get', KEYS[1]) == ARGV[1] then
              return redis.call('del', KEYS[1])
            end
            return 0
            """;
}
