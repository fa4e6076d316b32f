package io.switchboard.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client-event limit, driven with exact times. */
class TokenBucketTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);
    /** Any origin: System.nanoTime() may be negative or near overflow. */
    private static final long T0 = Long.MAX_VALUE - 30 * SECOND;

    /**
     * A second's worth of tokens absorbs a timer that runs up to (limit - 1) / limit / 2 seconds
     * early or late: 0.3 s either way at 3/s, more at higher limits.
     */
    @Test
    void aSenderAtExactlyTheRateLosesNothingWhateverTheJitter() {
        for (int perSecond : new int[] {3, 10, 100}) {
            TokenBucket bucket = new TokenBucket(perSecond);
            Random random = new Random(perSecond);
            long interval = SECOND / perSecond;
            long jitter = 300 * MILLI;
            for (int i = 0; i < 20 * perSecond; i++) {
                long at = T0 + i * interval + (long) ((random.nextDouble() * 2 - 1) * jitter);
                assertThat(bucket.take(at)).as("event %d at %d/s", i, perSecond).isTrue();
            }
        }
    }

    @Test
    void aSenderAtTheRateWhoseTimerFiresEarlyEveryTenthTickLosesNothing() {
        // The pattern that made a fixed window starting at the first event refuse an eleventh.
        TokenBucket bucket = new TokenBucket(10);
        for (int i = 0; i < 200; i++) {
            long at = T0 + i * 100 * MILLI - (i % 10 == 0 && i > 0 ? 5 * MILLI : 0);
            assertThat(bucket.take(at)).as("event %d", i).isTrue();
        }
    }

    @Test
    void aBurstPassesOneSecondsWorthAndNoMore() {
        TokenBucket bucket = new TokenBucket(10);
        int passed = 0;
        for (int i = 0; i < 20; i++) {
            passed += bucket.take(T0) ? 1 : 0;
        }
        assertThat(passed).isEqualTo(10);
    }

    @Test
    void aLongPauseRefillsNoMoreThanOneSecondsWorth() {
        TokenBucket bucket = new TokenBucket(10);
        bucket.take(T0);
        int passed = 0;
        for (int i = 0; i < 30; i++) {
            passed += bucket.take(T0 + 20 * SECOND) ? 1 : 0;
        }
        assertThat(passed).isEqualTo(10);
    }

    @Test
    void aSenderAboveTheRateIsLimitedSmoothly() {
        // 20/s against a limit of 10/s for 10 s: what the full bucket holds plus what it refills
        // meanwhile, then every other event, evenly; never a second's worth at once again.
        TokenBucket bucket = new TokenBucket(10);
        List<Long> passed = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long at = T0 + i * 50 * MILLI;
            if (bucket.take(at)) {
                passed.add(at);
            }
        }
        // 10 at once + 10/s over the 9.95 s between the first and the last event, rounded down.
        assertThat(passed).hasSize(10 + 99);
        List<Long> steady = passed.stream().filter(at -> at - T0 >= SECOND).toList();
        assertThat(steady).hasSize(90);
        for (int i = 1; i < steady.size(); i++) {
            assertThat(steady.get(i) - steady.get(i - 1))
                    .as("gap before event %d", i)
                    .isEqualTo(100 * MILLI);
        }
    }
}
