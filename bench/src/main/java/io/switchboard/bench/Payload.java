package io.switchboard.bench;

import io.netty.buffer.ByteBuf;

/**
 * The event data every scenario sends: {@code ~<sendNanos>~<seq>~} padded with {@code x} to the
 * requested size. {@code sendNanos} is {@link System#nanoTime()} in the load generator, which both
 * sends and receives, so latency is receipt time minus that stamp. The characters need no JSON
 * escaping, so the data appears verbatim in every server's frame.
 */
public final class Payload {
    private Payload() {}

    /** The data string for one event. */
    public static String data(long sendNanos, long seq, int size) {
        StringBuilder sb = new StringBuilder(Math.max(size, 48));
        sb.append('~').append(sendNanos).append('~').append(seq).append('~');
        while (sb.length() < size) {
            sb.append('x');
        }
        return sb.toString();
    }

    /** A stamp found in a received frame. */
    public record Stamp(long sendNanos, long seq) {}

    /**
     * Finds the stamp in {@code len} bytes of {@code buf} from {@code from} and hands it to {@code
     * sink}. Returns false when the frame carries none (a protocol message).
     */
    public static boolean read(ByteBuf buf, int from, int len, StampSink sink) {
        int end = from + len;
        int i = buf.indexOf(from, end, (byte) '~');
        if (i < 0) {
            return false;
        }
        long nanos = 0;
        boolean negative = false;
        i++;
        if (i < end && buf.getByte(i) == '-') {
            negative = true;
            i++;
        }
        byte b;
        while (i < end && (b = buf.getByte(i)) != '~') {
            nanos = nanos * 10 + (b - '0');
            i++;
        }
        i++;
        long seq = 0;
        while (i < end && (b = buf.getByte(i)) != '~') {
            seq = seq * 10 + (b - '0');
            i++;
        }
        if (i >= end) {
            return false;
        }
        sink.stamp(negative ? -nanos : nanos, seq);
        return true;
    }

    /** The stamp at the start of {@code text} (event data as a string), or null when there is none. */
    public static Stamp find(CharSequence text) {
        int n = text.length();
        int i = 0;
        while (i < n && text.charAt(i) != '~') {
            i++;
        }
        if (i >= n) {
            return null;
        }
        i++;
        boolean negative = i < n && text.charAt(i) == '-';
        if (negative) {
            i++;
        }
        long nanos = 0;
        char c;
        while (i < n && (c = text.charAt(i)) != '~') {
            if (c < '0' || c > '9') {
                return null;
            }
            nanos = nanos * 10 + (c - '0');
            i++;
        }
        i++;
        long seq = 0;
        while (i < n && (c = text.charAt(i)) != '~') {
            if (c < '0' || c > '9') {
                return null;
            }
            seq = seq * 10 + (c - '0');
            i++;
        }
        return i >= n ? null : new Stamp(negative ? -nanos : nanos, seq);
    }

    /** Receives stamps without allocating. */
    @FunctionalInterface
    public interface StampSink {
        void stamp(long sendNanos, long seq);
    }
}
