package io.switchboard.broker.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Member;
import java.util.List;
import org.junit.jupiter.api.Test;

class RosterTest {
    private static Member user(String id) {
        return new Member(id, "{\"name\":\"" + id + "\"}");
    }

    private static List<String> ids(Roster r) {
        return r.members().stream().map(Member::userId).toList();
    }

    @Test
    void aMemberStaysUntilItsLastConnectionLeaves() {
        Roster r = new Roster();
        assertThat(r.join("1.1", user("alice"), 10).firstConnection()).isTrue();
        assertThat(r.join("1.2", user("alice"), 10).firstConnection()).isFalse();
        assertThat(r.join("1.3", user("alice"), 10).firstConnection()).isFalse();

        assertThat(r.leave("1.2", "alice")).isFalse();
        assertThat(r.leave("1.2", "alice")).as("a socket that already left").isFalse();
        assertThat(r.leave("1.1", "alice")).isFalse();
        assertThat(r.isEmpty()).isFalse();
        assertThat(r.leave("1.3", "alice")).isTrue();
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.members()).isEmpty();
    }

    @Test
    void membersKeepJoinOrderAcrossTheFirstMembersDeparture() {
        Roster r = new Roster();
        r.join("1.1", user("alice"), 10);
        r.join("1.2", user("bob"), 10);
        r.join("1.3", user("carol"), 10);
        assertThat(ids(r)).containsExactly("alice", "bob", "carol");

        assertThat(r.leave("1.1", "alice")).isTrue();
        assertThat(ids(r)).containsExactly("bob", "carol");
        r.join("1.4", user("alice"), 10);
        assertThat(ids(r)).containsExactly("bob", "carol", "alice");

        r.leave("1.2", "bob");
        r.leave("1.3", "carol");
        r.leave("1.4", "alice");
        assertThat(r.isEmpty()).isTrue();
        r.join("1.5", user("dave"), 10);
        assertThat(ids(r)).containsExactly("dave");
        assertThat(r.userCount()).isEqualTo(1);
    }

    @Test
    void aLeaveForAnotherUserOrSocketChangesNothing() {
        Roster r = new Roster();
        r.join("1.1", user("alice"), 10);
        assertThat(r.leave("1.1", "bob")).isFalse();
        assertThat(r.leave("9.9", "alice")).isFalse();
        assertThat(ids(r)).containsExactly("alice");
    }

    @Test
    void theMemberLimitCountsUsersNotConnections() {
        Roster r = new Roster();
        assertThat(r.join("1.1", user("alice"), 2).accepted()).isTrue();
        assertThat(r.join("1.2", user("alice"), 2).accepted()).isTrue();
        assertThat(r.join("1.3", user("bob"), 2).accepted()).isTrue();
        assertThat(r.join("1.4", user("carol"), 2).accepted()).isFalse();
        assertThat(r.join("1.5", user("bob"), 2).accepted()).isTrue();
        assertThat(r.userCount()).isEqualTo(2);
    }
}
