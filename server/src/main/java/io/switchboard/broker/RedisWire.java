package io.switchboard.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of pub/sub messages between nodes. An event is {@code 0x01}, the excluded socket id's
 * length (2 bytes, 0 for none), the socket id, then the frame as published; an event of a history
 * channel is {@code 0x03}, the same, then its serial's length (1 byte) and the serial in ASCII
 * digits (written by the publishing script, which gives it), then the frame; a
 * command is {@code 0x02}, a command type byte, then length-prefixed strings (a node report: its
 * node id and topic, then the body to the end). Unknown types are
 * ignored, so a newer node can add some without breaking older ones.
 */
final class RedisWire {
    private static final byte EVENT = 1;
    private static final byte COMMAND = 2;
    private static final byte EVENT_WITH_SERIAL = 3;
    private static final byte TERMINATE_USER = 1;
    private static final byte NODE_REPORT = 2;

    private RedisWire() {}

    static byte[] event(Envelope envelope) {
        byte[] exclude = envelope.excludeSocketId() == null
                ? new byte[0]
                : envelope.excludeSocketId().getBytes(StandardCharsets.UTF_8);
        byte[] frame = envelope.frame();
        byte[] out = new byte[3 + exclude.length + frame.length];
        out[0] = EVENT;
        putLength(out, 1, exclude.length);
        System.arraycopy(exclude, 0, out, 3, exclude.length);
        System.arraycopy(frame, 0, out, 3 + exclude.length, frame.length);
        return out;
    }

    /**
     * The start of a history channel's event, up to where the publishing script adds the serial's
     * length and digits and then the frame.
     */
    static byte[] eventHead(Envelope envelope) {
        byte[] exclude = envelope.excludeSocketId() == null
                ? new byte[0]
                : envelope.excludeSocketId().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[3 + exclude.length];
        out[0] = EVENT_WITH_SERIAL;
        putLength(out, 1, exclude.length);
        System.arraycopy(exclude, 0, out, 3, exclude.length);
        return out;
    }

    /** The event in {@code bytes}, or {@code null} when they hold something else. */
    static Envelope event(byte[] bytes) {
        if (bytes.length < 3 || (bytes[0] != EVENT && bytes[0] != EVENT_WITH_SERIAL)) {
            return null;
        }
        int length = length(bytes, 1);
        if (3 + length > bytes.length) {
            return null;
        }
        String exclude = length == 0 ? null : new String(bytes, 3, length, StandardCharsets.UTF_8);
        int at = 3 + length;
        long serial = 0;
        if (bytes[0] == EVENT_WITH_SERIAL) {
            if (at >= bytes.length) {
                return null;
            }
            int digits = bytes[at] & 0xFF;
            if (digits < 1 || digits > 18 || at + 1 + digits > bytes.length) {
                return null;
            }
            for (int i = at + 1; i <= at + digits; i++) {
                if (bytes[i] < '0' || bytes[i] > '9') {
                    return null;
                }
                serial = serial * 10 + (bytes[i] - '0');
            }
            at += 1 + digits;
        }
        return new Envelope(Arrays.copyOfRange(bytes, at, bytes.length), exclude, serial, null);
    }

    static byte[] command(Command command) {
        return switch (command) {
            case Command.TerminateUser t -> strings(TERMINATE_USER, t.appId(), t.userId());
            case Command.NodeReport r -> {
                byte[] head = strings(NODE_REPORT, r.nodeId(), r.topic());
                byte[] out = Arrays.copyOf(head, head.length + r.body().length);
                System.arraycopy(r.body(), 0, out, head.length, r.body().length);
                yield out;
            }
        };
    }

    /** The command in {@code bytes}, or {@code null} when they hold something else. */
    static Command command(byte[] bytes) {
        if (bytes.length < 2 || bytes[0] != COMMAND) {
            return null;
        }
        if (bytes[1] == TERMINATE_USER) {
            String[] s = strings(bytes, 2);
            return s == null ? null : new Command.TerminateUser(s[0], s[1]);
        }
        if (bytes[1] == NODE_REPORT) {
            String[] s = strings(bytes, 2);
            if (s == null) {
                return null;
            }
            int bodyStart = 2 + 4 + utf8(s[0]).length + utf8(s[1]).length;
            return new Command.NodeReport(s[0], s[1], Arrays.copyOfRange(bytes, bodyStart, bytes.length));
        }
        return null;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] utf8(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    static String text(Object redisValue) {
        return redisValue == null ? null : new String((byte[]) redisValue, StandardCharsets.UTF_8);
    }

    static long number(Object redisValue) {
        return redisValue instanceof Long n ? n : Long.parseLong(text(redisValue));
    }

    private static byte[] strings(byte type, String... values) {
        byte[][] encoded = new byte[values.length][];
        int size = 2;
        for (int i = 0; i < values.length; i++) {
            encoded[i] = values[i].getBytes(StandardCharsets.UTF_8);
            size += 2 + encoded[i].length;
        }
        byte[] out = new byte[size];
        out[0] = COMMAND;
        out[1] = type;
        int at = 2;
        for (byte[] e : encoded) {
            putLength(out, at, e.length);
            System.arraycopy(e, 0, out, at + 2, e.length);
            at += 2 + e.length;
        }
        return out;
    }

    private static String[] strings(byte[] bytes, int at) {
        String[] out = new String[2];
        for (int i = 0; i < out.length; i++) {
            if (at + 2 > bytes.length) {
                return null;
            }
            int length = length(bytes, at);
            if (at + 2 + length > bytes.length) {
                return null;
            }
            out[i] = new String(bytes, at + 2, length, StandardCharsets.UTF_8);
            at += 2 + length;
        }
        return out;
    }

    private static void putLength(byte[] out, int at, int length) {
        if (length > 0xFFFF) {
            throw new IllegalArgumentException("string of " + length + " bytes is too long to send between nodes");
        }
        out[at] = (byte) (length >>> 8);
        out[at + 1] = (byte) length;
    }

    private static int length(byte[] bytes, int at) {
        return (bytes[at] & 0xFF) << 8 | (bytes[at + 1] & 0xFF);
    }
}
