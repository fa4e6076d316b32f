package io.switchboard.transport;

/**
 * Whether a WebSocket client takes what it is sent: a client with data waiting for it that takes
 * none of it for {@code stalled_reader_timeout} is stalled, however much the kernel's socket buffers
 * still hold (the write-buffer watermarks only see what the kernel no longer takes, which can be
 * minutes later). Judged once a second by the {@link LivenessSweep}; touched on the event loop only.
 *
 * <p>What "takes" means depends on the socket implementation:
 *
 * <ul>
 *   <li><b>epoll</b>: the kernel transmitted data to the client since the previous sweep
 *       ({@code TCP_INFO}'s time since data was last sent). A client whose receive window stays
 *       shut (it reads nothing) leaves the kernel nothing it may transmit, so while data waits for
 *       it (queued in the server, or written since the last sweep) the time since the last
 *       transmission grows, whatever the size of the socket buffers. The {@code TCP_INFO} call is
 *       made only for connections written to since the last sweep or with data waiting.
 *   <li><b>NIO, io_uring</b> (no {@code TCP_INFO}): bytes left the server's own queue. The kernel's
 *       send buffer (autotuned up to {@code net.ipv4.tcp_wmem}'s maximum) and the client's receive
 *       window hide a stalled reader until they are full; it is closed the timeout after that.
 * </ul>
 *
 * <p>An idle client (nothing sent to it) and one that reads slowly but steadily never stall: the
 * first has nothing waiting, the second lets some data through every few hundred milliseconds.
 */
final class ReaderProgress {
    /**
     * Margin on "transmitted since the previous sweep": {@code TCP_INFO} counts in jiffies (up to
     * 10 ms) and the sweep of a busy loop runs late. Erring this way only delays a close.
     */
    private static final long SLACK_MILLIS = 100;

    /** Written to since the previous sweep. */
    private boolean wrote;
    /** The server's queue as a write or a sweep last left it: less later means bytes left. */
    private long queuedMark;

    private boolean queueShrank;
    /** The sweep tick since which data has waited without being taken, or -1. */
    private int stalledSince = -1;

    /** After the transport queued a frame, with what is queued now. */
    void wrote(long queued) {
        wrote = true;
        queuedMark = queued;
    }

    /** Before the transport queues a frame, with what is queued now. */
    void observe(long queued) {
        if (queued < queuedMark) {
            queueShrank = true;
        }
    }

    /**
     * Called by the sweep once a second.
     *
     * @param sinceLastSweepMillis time since the previous sweep ran
     * @param scratch reused for the epoll {@code TCP_INFO} call
     * @return whether the client has taken nothing for {@code timeoutTicks} sweeps while data waited
     */
    boolean stalled(Wire wire, int tick, int timeoutTicks, long sinceLastSweepMillis, TcpInfo scratch) {
        long queued = wire.queuedBytes();
        observe(queued);
        queuedMark = queued;
        boolean wroteSince = wrote;
        boolean shrank = queueShrank;
        wrote = false;
        queueShrank = false;
        if (queued == 0 && !wroteSince && stalledSince < 0) {
            return false; // nothing waits for it, as far as a write could tell
        }
        long sent = wire.lastDataSentMillis(scratch);
        if (sent >= 0) {
            if (sent <= sinceLastSweepMillis + SLACK_MILLIS) {
                stalledSince = -1;
                return false;
            }
        } else if (queued == 0 || shrank) {
            stalledSince = -1;
            return false;
        }
        if (stalledSince < 0) {
            stalledSince = tick;
            return false;
        }
        return tick - stalledSince >= timeoutTicks;
    }
}
