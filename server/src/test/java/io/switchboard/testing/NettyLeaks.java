package io.switchboard.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ResourceLeakDetector;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Turns Netty's buffer leak reports into test failures. Loading this class switches the leak
 * detector to paranoid (every buffer tracked, with its access records) and records every report.
 *
 * <p>Netty notices a lost buffer only after the garbage collector has cleared it, and reports it on
 * the next tracked allocation: {@link #assertNone()} forces both.
 */
public final class NettyLeaks {
    private static final Queue<String> REPORTS = new ConcurrentLinkedQueue<>();
    private static final int ROUNDS = 2;
    private static final boolean FUZZING = System.getenv("JAZZER_FUZZ") != null;
    private static long lastCheck = System.nanoTime();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ByteBufUtil.setLeakListener((type, records) -> REPORTS.add(type + " was not released." + records));
    }

    private NettyLeaks() {}

    /** Makes sure tracking is on before the first buffer of a test is allocated. */
    public static void track() {
        // Loading the class did it.
    }

    /**
     * {@link #assertNone()} at most twice a second in a regression run, every two seconds while
     * fuzzing (a check costs two garbage collections). A leak found then may come from any input
     * since the previous check: Netty's access records in the failure show where the buffer went.
     */
    public static void assertNoneAfterInput() {
        long now = System.nanoTime();
        if (now - lastCheck < (FUZZING ? 2_000_000_000L : 500_000_000L)) {
            return;
        }
        lastCheck = now;
        assertNone();
    }

    /**
     * Fails with Netty's records of the first buffer that became unreachable without being
     * released since the previous call. Takes a few milliseconds (two garbage collections).
     */
    public static void assertNone() {
        for (int i = 0; i < ROUNDS; i++) {
            System.gc();
            try {
                // The collector hands cleared references to the queue on another thread.
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            ByteBufAllocator.DEFAULT.heapBuffer(1).release();
        }
        String report = REPORTS.poll();
        if (report != null) {
            REPORTS.clear();
            throw new AssertionError("Netty buffer leak: " + report);
        }
    }
}
