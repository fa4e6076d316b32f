package io.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.bench.FdLimits.Budget;
import io.switchboard.bench.FdLimits.Limit;
import org.junit.jupiter.api.Test;

class FdLimitsTest {
    private static final Limit MACHINE = new Limit(20_000, 20_000);

    @Test
    void aCountThatFitsIsKept() {
        Budget b = FdLimits.budget(10_000, 0, 200, MACHINE, MACHINE, false);
        assertThat(b.clamped()).isFalse();
        assertThat(b.used()).isEqualTo(10_000);
        assertThat(b.limit()).isEqualTo(20_000);
        assertThat(b.side()).isEqualTo("load generator and server");
    }

    @Test
    void aCountAboveBothLimitsIsLoweredToWhatFitsWithTheSpare() {
        Budget b = FdLimits.budget(30_000, 0, 200, MACHINE, MACHINE, false);
        assertThat(b.clamped()).isTrue();
        assertThat(b.used()).isEqualTo(19_800);
        assertThat(b.asked()).isEqualTo(30_000);
        assertThat(b.message())
                .contains("30000 connections", "load generator and server", "soft 20000", "opening 19800");
    }

    @Test
    void theServersLowerLimitBindsAndIsNamed() {
        Budget b = FdLimits.budget(5_000, 0, 200, MACHINE, new Limit(1_024, 4_096), false);
        assertThat(b.used()).isEqualTo(824);
        assertThat(b.side()).isEqualTo("server");
        assertThat(b.limit()).isEqualTo(1_024);
        assertThat(b.hard()).isEqualTo(4_096);
        assertThat(b.message()).contains("of the server (soft 1024, hard 4096");
    }

    @Test
    void theLoadGeneratorsLowerLimitBindsAndIsNamed() {
        Budget b = FdLimits.budget(5_000, 0, 200, new Limit(4_096, 8_192), MACHINE, false);
        assertThat(b.used()).isEqualTo(3_896);
        assertThat(b.side()).isEqualTo("load generator");
        assertThat(b.limit()).isEqualTo(4_096);
    }

    @Test
    void connectionsStillOpenCountAgainstTheLimit() {
        Budget b = FdLimits.budget(19_800, 1_000, 200, MACHINE, MACHINE, false);
        assertThat(b.used()).isEqualTo(18_800);
    }

    @Test
    void oneProcessThatIsBothEndsPaysTwoDescriptorsAConnection() {
        Budget b = FdLimits.budget(19_000, 0, 200, MACHINE, new Limit(1_000, 1_000), true);
        assertThat(b.used()).isEqualTo(9_900);
        assertThat(b.side()).startsWith("load generator (also the server");
    }

    @Test
    void anUnknownLimitBoundsNothing() {
        Budget none = FdLimits.budget(30_000, 0, 200, null, null, false);
        assertThat(none.clamped()).isFalse();
        assertThat(none.limit()).isEqualTo(-1);
        Budget serverOnly = FdLimits.budget(30_000, 0, 200, null, new Limit(10_000, 10_000), false);
        assertThat(serverOnly.used()).isEqualTo(9_800);
        assertThat(serverOnly.side()).isEqualTo("server");
        Budget selfOnly = FdLimits.budget(30_000, 0, 200, new Limit(10_000, 10_000), null, false);
        assertThat(selfOnly.used()).isEqualTo(9_800);
        assertThat(selfOnly.side()).isEqualTo("load generator");
    }

    @Test
    void aLimitBelowTheSpareLeavesNoConnection() {
        assertThat(FdLimits.budget(100, 0, 200, new Limit(150, 150), MACHINE, false)
                        .used())
                .isZero();
    }

    @Test
    void readsMaxOpenFilesFromProcLimits() {
        String text = """
                Limit                     Soft Limit           Hard Limit           Units
                Max cpu time              unlimited            unlimited            seconds
                Max open files            1024                 524288               files
                Max locked memory         8388608              8388608              bytes
                """;
        assertThat(FdLimits.parse(text)).isEqualTo(new Limit(1_024, 524_288));
        assertThat(FdLimits.parse("Max open files            unlimited            unlimited            files\n"))
                .isEqualTo(new Limit(Long.MAX_VALUE, Long.MAX_VALUE));
        assertThat(FdLimits.parse("Max cpu time  unlimited  unlimited  seconds\n"))
                .isNull();
    }

    @Test
    void readsThisProcesssLimit() {
        Limit self = FdLimits.of(ProcessHandle.current().pid());
        assertThat(self).isNotNull();
        assertThat(self.soft()).isPositive().isLessThanOrEqualTo(self.hard());
        assertThat(FdLimits.of(0)).isNull();
    }
}
