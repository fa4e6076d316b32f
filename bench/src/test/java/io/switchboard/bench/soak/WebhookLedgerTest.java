package io.switchboard.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WebhookLedgerTest {
    @Test
    void anExpectedEventThatNeverArrivesIsPendingAndOverdueOnlyAfterTheGiveUpTime() throws Exception {
        WebhookLedger ledger = new WebhookLedger();
        ledger.expect(WebhookLedger.member("member_added", "presence-a", "u1"));
        ledger.expect(WebhookLedger.clientEvent("presence-a", 7));
        ledger.arrived(WebhookLedger.clientEvent("presence-a", 7));

        WebhookLedger.Counts now = ledger.counts(60_000_000_000L);
        assertThat(now.expected()).isEqualTo(2);
        assertThat(now.arrived()).isEqualTo(1);
        assertThat(now.pending()).isEqualTo(1);
        assertThat(now.overdue()).isZero();

        Thread.sleep(5);
        assertThat(ledger.counts(1_000_000L).overdue()).isEqualTo(1);
    }

    @Test
    void anEventArrivingTwiceIsADuplicateAndOneArrivingBeforeItIsExpectedStillCounts() {
        WebhookLedger ledger = new WebhookLedger();
        String removed = WebhookLedger.member("member_removed", "presence-a", "u2");
        ledger.arrived(removed);
        ledger.expect(removed);
        ledger.arrived(removed);
        ledger.arrived(WebhookLedger.member("member_removed", "presence-a", "u3"));

        WebhookLedger.Counts c = ledger.counts(Long.MAX_VALUE);
        assertThat(c.expected()).isEqualTo(1);
        assertThat(c.pending()).isZero();
        assertThat(c.duplicates()).isEqualTo(1);
        assertThat(c.unexpected()).isEqualTo(1);
    }

    @Test
    void anEventThrownAwayOnPurposeIsLostOnlyIfItWasExpected() {
        WebhookLedger ledger = new WebhookLedger();
        String added = WebhookLedger.member("member_added", "presence-a", "u4");
        String joinNobodySaw = WebhookLedger.member("member_added", "presence-a", "u5");
        ledger.expect(added);
        ledger.forgotten(added);
        ledger.forgotten(joinNobodySaw);

        WebhookLedger.Counts c = ledger.counts(Long.MAX_VALUE);
        assertThat(c.pending()).as("lost").isEqualTo(1);
        assertThat(c.forgotten()).as("lost on purpose").isEqualTo(1);
        assertThat(c.unexpected()).as("sent without being expected").isEqualTo(1);
    }
}
