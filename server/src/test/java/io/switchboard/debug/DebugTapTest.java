package io.switchboard.debug;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DebugTapTest {

    @Test
    void makesNothingForAppsNobodyWatches() throws InterruptedException {
        DebugTap tap = new DebugTap(100);
        tap.apiMessage("a", List.of("news"), "e", "{}", null);
        tap.watch(Set.of("b"));
        tap.apiMessage("a", List.of("news"), "e", "{}", null);
        assertThat(tap.poll(10, TimeUnit.MILLISECONDS)).isNull();
        assertThat(tap.takeDropped("a")).isZero();
        assertThat(tap.watching("a")).isFalse();
        assertThat(tap.watching("b")).isTrue();
    }

    @Test
    void makesAWatchedAppsEventsUpToItsBudgetAndCountsTheRest() throws InterruptedException {
        DebugTap tap = new DebugTap(10);
        tap.watch(Set.of("a"));
        for (int i = 0; i < 25; i++) {
            tap.clientEvent("a", "private-chat", "client-" + i, "{}", "1.2", null);
        }
        int made = 0;
        while (tap.poll(10, TimeUnit.MILLISECONDS) instanceof DebugEvent.ClientEvent e) {
            assertThat(e.appId()).isEqualTo("a");
            made++;
        }
        // A second's worth at once; a slow machine may have refilled a token or two meanwhile.
        assertThat(made).isBetween(10, 15);
        assertThat(made + tap.takeDropped("a")).isEqualTo(25);
        assertThat(tap.takeDropped("a")).as("taking resets the count").isZero();
    }

    @Test
    void stopsWhenTheAppIsNoLongerWatched() throws InterruptedException {
        DebugTap tap = new DebugTap(10);
        tap.watch(Set.of("a"));
        tap.watch(Set.of());
        tap.subscribed("a", "1.2", "news");
        assertThat(tap.poll(10, TimeUnit.MILLISECONDS)).isNull();
        assertThat(DebugTap.OFF.watched()).isEmpty();
    }
}
