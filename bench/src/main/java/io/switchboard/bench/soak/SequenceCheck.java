package io.switchboard.bench.soak;

/**
 * The sequence numbers one receiver saw on one channel. Events of a channel are numbered 1, 2, 3…
 * by the load generator and a Pusher server keeps a channel's order, so a jump forward is events
 * this receiver never got (lost, including the ones it missed while reconnecting) and a number not
 * above the last one is a repeat. The first event seen sets the starting point: what was published
 * before a receiver first subscribed was never owed to it.
 *
 * <p>Synchronized: a receiver that reconnects may continue on another event loop.
 */
final class SequenceCheck {
    private long last = -1;

    /**
     * Records {@code seq} and returns how many events were skipped since the previous one (0 when
     * none), or -1 when {@code seq} is a repeat or older than the last one seen.
     */
    synchronized long see(long seq) {
        if (last < 0) {
            last = seq;
            return 0;
        }
        if (seq <= last) {
            return -1;
        }
        long skipped = seq - last - 1;
        last = seq;
        return skipped;
    }

    /** Whether any event arrived yet. */
    synchronized boolean started() {
        return last >= 0;
    }

    /**
     * Events up to {@code newest} (the last one published) this receiver has not seen: at the end
     * of a run, after draining, what it lost at the tail. 0 before its first event.
     */
    synchronized long behind(long newest) {
        return last < 0 ? 0 : Math.max(0, newest - last);
    }
}
