package io.switchboard.channel;

import io.netty.channel.EventLoop;
import java.util.ArrayDeque;

/**
 * Stands in the channel table for a subscriber that is sent a history channel's past events
 * (rewind or resume): it holds the channel's live events while the history is read and written,
 * then lets through only those after the last event the history covered, so the seam between
 * replay and live has no gap and no duplicate. Only such subscribers pay for this; the table's
 * fan-out loop is the same for every subscriber.
 *
 * <p>Every method runs on the subscriber's event loop. Held frames are retained and released here.
 */
final class ReplayingSubscriber implements Subscriber {
    private final Subscriber target;
    private final long maxHeldBytes;
    private final Runnable overflow;
    /** Made at the first frame held, let go once the hold ends: most subscribers never hold one. */
    private ArrayDeque<SharedFrame> held;

    private long heldBytes;
    private boolean holding = true;
    private boolean overflowed;
    /** Events with a serial up to this one were replayed or are older than the replay: dropped. */
    private long covered;

    /**
     * @param maxHeldBytes what may be held while the history is read; beyond it {@code overflow}
     *     runs (once) and nothing more is held
     */
    ReplayingSubscriber(Subscriber target, long maxHeldBytes, Runnable overflow) {
        this.target = target;
        this.maxHeldBytes = maxHeldBytes;
        this.overflow = overflow;
    }

    /** The connection behind this stand-in. */
    Subscriber target() {
        return target;
    }

    @Override
    public String socketId() {
        return target.socketId();
    }

    @Override
    public EventLoop eventLoop() {
        return target.eventLoop();
    }

    @Override
    public void deliver(SharedFrame frame) {
        if (overflowed) {
            return;
        }
        if (holding) {
            heldBytes += frame.json().length;
            if (heldBytes > maxHeldBytes) {
                overflowed = true;
                releaseHeld();
                overflow.run();
                return;
            }
            if (held == null) {
                held = new ArrayDeque<>();
            }
            held.addLast(frame.retain());
        } else if (frame.serial() == 0 || frame.serial() > covered) {
            target.deliver(frame);
        }
    }

    /**
     * Ends the hold: writes the held events after {@code covered} (and those without a serial, such
     * as presence changes), in the order they came, and from then on lets every later event through.
     * The caller has written the replayed events and flushes afterwards.
     */
    void release(long covered) {
        this.covered = covered;
        holding = false;
        while (held != null && !held.isEmpty()) {
            SharedFrame frame = held.pollFirst();
            try {
                if (!overflowed && (frame.serial() == 0 || frame.serial() > covered)) {
                    target.deliver(frame);
                }
            } finally {
                frame.release();
            }
        }
        held = null;
        heldBytes = 0;
    }

    /** Lets go of what is held without writing it (the subscription ended). */
    void discard() {
        holding = false;
        overflowed = true;
        releaseHeld();
    }

    private void releaseHeld() {
        while (held != null && !held.isEmpty()) {
            held.pollFirst().release();
        }
        held = null;
        heldBytes = 0;
    }

    @Override
    public boolean markUnflushed() {
        return target.markUnflushed();
    }

    @Override
    public void flush() {
        target.flush();
    }
}
