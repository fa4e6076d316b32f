package io.switchboard.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SequenceCheckTest {
    @Test
    void startsAtTheFirstEventSeenAndCountsJumpsAsLost() {
        SequenceCheck check = new SequenceCheck();
        assertThat(check.see(41)).isZero(); // nothing before the first event was owed
        assertThat(check.see(42)).isZero();
        assertThat(check.see(46)).isEqualTo(3);
        assertThat(check.see(47)).isZero();
    }

    @Test
    void countsRepeatsAndOlderEventsAsNeitherDeliveredNorLost() {
        SequenceCheck check = new SequenceCheck();
        check.see(5);
        check.see(6);
        assertThat(check.see(6)).isEqualTo(-1);
        assertThat(check.see(3)).isEqualTo(-1);
        assertThat(check.see(7)).isZero();
    }

    @Test
    void whatIsMissingAtTheEndIsBehind() {
        SequenceCheck check = new SequenceCheck();
        assertThat(check.behind(100)).isZero(); // never received anything: no starting point
        check.see(10);
        assertThat(check.behind(10)).isZero();
        assertThat(check.behind(14)).isEqualTo(4);
    }
}
