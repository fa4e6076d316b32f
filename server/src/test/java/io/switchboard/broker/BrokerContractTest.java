package io.switchboard.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.core.ChannelKey;
import io.switchboard.core.Command;
import io.switchboard.core.Envelope;
import io.switchboard.core.Member;
import io.switchboard.core.Retention;
import io.switchboard.protocol.ServerFrames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Broker} must do, run against each implementation. A "node" is one broker
 * instance; the memory broker has a single node (every {@link #node()} is the same one), the Redis
 * brokers start one instance per node against one Redis, as separate processes would.
 */
public abstract class BrokerContractTest {
    static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Node> started = new ArrayList<>();

    /** A started broker with its own listener. */
    record Node(Broker broker, Recording seen) {}

    /** Starts a broker instance for a new node; the memory broker returns its only instance. */
    protected abstract Broker newBroker();

    /** Whether nodes are separate brokers sharing state (false: one node, memory). */
    protected abstract boolean distributed();

    /** Stops {@code broker} as a crashed process would, leaving its state behind. */
    protected void crash(Broker broker) {
        throw new UnsupportedOperationException();
    }

    /** How many nodes the shared store currently delivers {@code channel}'s events to. */
    protected int deliveringTo(ChannelKey channel) {
        throw new UnsupportedOperationException();
    }

    /** Removes every key from the shared store, as a restarted store without persistence. */
    protected void loseAllData() {
        throw new UnsupportedOperationException();
    }

    Node node() {
        Broker broker = newBroker();
        for (Node n : started) {
            if (n.broker() == broker) {
                return n;
            }
        }
        Recording seen = new Recording();
        broker.start(seen);
        Node node = new Node(broker, seen);
        started.add(node);
        return node;
    }

    @AfterEach
    void closeNodes() {
        for (Node n : started) {
            n.broker().close();
        }
    }

    // --- publish / subscribe ------------------------------------------------------------------------

    @Test
    void publishReachesEverySubscribedNodeExactlyOnce() {
        Node a = node();
        Node b = node();
        Node c = node();
        ChannelKey ch = new ChannelKey("app", "news");
        subscribe(a, ch);
        subscribe(b, ch);

        c.broker().publish(ch, event("e1", null));
        c.broker().publish(ch, event("e2", null));

        awaitFrames(a, ch, "e1", "e2");
        awaitFrames(b, ch, "e1", "e2");
    }

    /**
     * What a publisher that waits for each REST answer relies on: once {@code publish} has settled,
     * an event published next, through any node, is delivered after it.
     */
    @Test
    void anEventPublishedAfterAnotherSettledComesAfterItWhicheverNodePublishes() {
        Node a = node();
        Node b = node();
        Node c = node();
        ChannelKey ch = new ChannelKey("app", "in-turn");
        subscribe(c, ch);
        String[] names = new String[200];
        for (int i = 0; i < names.length; i++) {
            names[i] = "e" + i;
            Node via = i % 2 == 0 ? a : b;
            via.broker()
                    .publish(ch, event(names[i], null))
                    .toCompletableFuture()
                    .join();
        }
        awaitFrames(c, ch, names);
    }

    @Test
    void nodesWithoutSubscribersReceiveNothing() {
        assumeTrue(distributed(), "a single node receives everything it publishes");
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "quiet");
        subscribe(a, ch);
        b.broker().publish(ch, event("before", null));
        awaitFrames(a, ch, "before");

        subscribe(b, ch);
        a.broker().publish(ch, event("after", null));
        awaitFrames(a, ch, "before", "after");
        awaitFrames(b, ch, "after");
    }

    @Test
    void unsubscribedNodeStopsReceiving() {
        assumeTrue(distributed(), "a single node receives everything it publishes");
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "churn");
        subscribe(a, ch);
        subscribe(b, ch);
        assertThat(deliveringTo(ch)).isEqualTo(2);
        b.broker().unsubscribe(ch);
        await().atMost(WAIT).until(() -> deliveringTo(ch) == 1);
        a.broker().publish(ch, event("while-away", null));
        awaitFrames(a, ch, "while-away");

        subscribe(b, ch);
        a.broker().publish(ch, event("back", null));
        awaitFrames(a, ch, "while-away", "back");
        awaitFrames(b, ch, "back");
    }

    @Test
    void interleavedFirstAndLastReportsKeepTheSubscription() {
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "flap");
        // A new first subscriber may be reported before the previous last one: still subscribed.
        a.broker().subscribe(ch);
        a.broker().subscribe(ch);
        a.broker().unsubscribe(ch);
        result(a.broker().whenSubscribed(ch));
        b.broker().publish(ch, event("still-here", null));
        awaitFrames(a, ch, "still-here");
    }

    @Test
    void excludedSocketIdTravelsWithTheEvent() {
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "private-x");
        subscribe(a, ch);
        b.broker().publish(ch, event("skip-me", "123.456"));
        b.broker().publish(ch, event("to-all", null));
        awaitFrames(a, ch, "skip-me", "to-all");
        List<Received> got = a.seen().on(ch);
        assertThat(got.get(0).exclude()).isEqualTo("123.456");
        assertThat(got.get(1).exclude()).isNull();
        assertThat(got.get(0).frame()).isEqualTo(new String(frame("skip-me"), StandardCharsets.UTF_8));
    }

    @Test
    void channelsOfDifferentAppsNeverMeet() {
        Node a = node();
        Node b = node();
        ChannelKey one = new ChannelKey("app1", "same-name");
        ChannelKey two = new ChannelKey("app2", "same-name");
        subscribe(a, one);
        subscribe(a, two);
        b.broker().publish(two, event("for-two", null));
        b.broker().publish(one, event("for-one", null));
        awaitFrames(a, one, "for-one");
        awaitFrames(a, two, "for-two");
    }

    @Test
    void broadcastRunsOnEveryNodeIncludingThePublisher() {
        Node a = node();
        Node b = node();
        Node c = node();
        a.broker().broadcast(new Command.TerminateUser("app", "u1"));
        a.broker().broadcast(new Command.TerminateUser("app", "u2"));
        for (Node n : List.of(a, b, c)) {
            await().atMost(WAIT).until(() -> n.seen().commands.size() >= 2);
            assertThat(n.seen().commands)
                    .containsExactly(new Command.TerminateUser("app", "u1"), new Command.TerminateUser("app", "u2"));
        }
    }

    // --- presence -------------------------------------------------------------------------------------

    @Test
    void presenceCountsUsersNotConnectionsAcrossNodes() {
        Node a = node();
        Node b = node();
        Node c = node();
        ChannelKey ch = new ChannelKey("app", "presence-room");
        Member alice = new Member("alice", "{\"name\":\"Alice\"}");
        Member bob = new Member("bob", null);

        PresenceStore.JoinResult first = join(a, ch, "1.1", alice, 100);
        assertThat(first.accepted()).isTrue();
        assertThat(first.firstConnection()).isTrue();
        assertThat(first.members()).containsExactly(alice);

        PresenceStore.JoinResult again = join(b, ch, "2.1", alice, 100);
        assertThat(again.accepted()).isTrue();
        assertThat(again.firstConnection()).as("alice's second connection").isFalse();

        PresenceStore.JoinResult other = join(c, ch, "3.1", bob, 100);
        assertThat(other.firstConnection()).isTrue();
        assertThat(other.members()).containsExactlyInAnyOrder(alice, bob);

        for (Node n : List.of(a, b, c)) {
            assertThat(result(n.broker().presence().userCount(ch))).isEqualTo(2);
            assertThat(result(n.broker().presence().members(ch))).containsExactlyInAnyOrder(alice, bob);
        }

        assertThat(result(a.broker().presence().leave(ch, "1.1", "alice")))
                .as("alice still has a connection on another node")
                .isFalse();
        assertThat(result(b.broker().presence().leave(ch, "2.1", "alice"))).isTrue();
        assertThat(result(c.broker().presence().members(ch))).containsExactly(bob);
        assertThat(result(c.broker().presence().leave(ch, "3.1", "bob"))).isTrue();
        assertThat(result(a.broker().presence().userCount(ch))).isZero();
        assertThat(result(a.broker().presence().members(ch))).isEmpty();
    }

    @Test
    void fullPresenceChannelRefusesNewUsersButNotMoreConnectionsOfAMember() {
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "presence-small");
        assertThat(join(a, ch, "1.1", new Member("u1", null), 2).accepted()).isTrue();
        assertThat(join(b, ch, "2.1", new Member("u2", null), 2).accepted()).isTrue();

        PresenceStore.JoinResult refused = join(b, ch, "2.2", new Member("u3", null), 2);
        assertThat(refused.accepted()).isFalse();
        assertThat(result(a.broker().presence().userCount(ch))).isEqualTo(2);

        assertThat(join(b, ch, "2.3", new Member("u1", null), 2).accepted()).isTrue();
        assertThat(result(a.broker().presence().leave(ch, "2.2", "u3")))
                .as("a refused join left nothing to leave")
                .isFalse();
    }

    @Test
    void leavingAConnectionThatNeverJoinedIsNotALastLeave() {
        Node a = node();
        ChannelKey ch = new ChannelKey("app", "presence-empty");
        assertThat(result(a.broker().presence().leave(ch, "9.9", "ghost"))).isFalse();
        join(a, ch, "1.1", new Member("u1", null), 10);
        assertThat(result(a.broker().presence().leave(ch, "1.2", "u1"))).isFalse();
        assertThat(result(a.broker().presence().userCount(ch))).isEqualTo(1);
    }

    @Test
    void aUserIsOnlineFromTheirFirstSignedInConnectionUntilTheirLastAcrossNodes() {
        Node a = node();
        Node b = node();
        PresenceStore onA = a.broker().presence();
        PresenceStore onB = b.broker().presence();
        assertThat(result(onA.online("app", "alice"))).isZero();
        assertThat(result(onA.signOut("app", "alice", "9.9")))
                .as("signing out a connection that never signed in")
                .isFalse();

        assertThat(result(onA.signIn("app", "alice", "1.1")))
                .as("alice's first")
                .isTrue();
        assertThat(result(onB.signIn("app", "alice", "2.1")))
                .as("alice's second, on another node")
                .isFalse();
        assertThat(result(onA.signIn("app", "alice", "1.1")))
                .as("the same connection again")
                .isFalse();
        assertThat(result(onB.signIn("other", "alice", "2.2")))
                .as("another app's alice")
                .isTrue();
        for (PresenceStore store : List.of(onA, onB)) {
            assertThat(result(store.online("app", "alice"))).isEqualTo(1);
            assertThat(result(store.online("app", "bob"))).isZero();
        }

        assertThat(result(onA.signOut("app", "alice", "1.3")))
                .as("a connection alice never had")
                .isFalse();
        assertThat(result(onA.signOut("app", "alice", "1.1")))
                .as("one left on the other node")
                .isFalse();
        assertThat(result(onB.online("app", "alice"))).isEqualTo(1);
        assertThat(result(onB.signOut("app", "alice", "2.1")))
                .as("alice's last")
                .isTrue();
        assertThat(result(onA.online("app", "alice"))).isZero();
        assertThat(result(onA.online("other", "alice"))).isEqualTo(1);
        assertThat(result(onB.signOut("app", "alice", "2.1")))
                .as("signed out twice")
                .isFalse();
    }

    // --- counts ---------------------------------------------------------------------------------------

    @Test
    void subscriptionCountsAreClusterWideAndOccupiedFiltersByPrefix() {
        Node a = node();
        Node b = node();
        ChannelKey room = new ChannelKey("app", "presence-room");
        ChannelKey news = new ChannelKey("app", "news");
        ChannelKey otherApp = new ChannelKey("other", "presence-room");

        assertThat(result(a.broker().counts().increment(room)).count()).isEqualTo(1);
        assertThat(result(b.broker().counts().increment(room)).count()).isEqualTo(2);
        assertThat(result(b.broker().counts().increment(news)).count()).isEqualTo(1);
        assertThat(result(a.broker().counts().increment(otherApp)).count()).isEqualTo(1);

        assertThat(result(a.broker().counts().count(room))).isEqualTo(2);
        assertThat(result(b.broker().counts().occupied("app", ""))).isEqualTo(Map.of("presence-room", 2L, "news", 1L));
        assertThat(result(a.broker().counts().occupied("app", "presence-"))).isEqualTo(Map.of("presence-room", 2L));

        assertThat(result(a.broker().counts().decrement(room)).count()).isEqualTo(1);
        assertThat(result(b.broker().counts().decrement(room)).count()).isZero();
        assertThat(result(a.broker().counts().count(room))).isZero();
        assertThat(result(a.broker().counts().occupied("app", "presence-"))).isEmpty();
        assertThat(result(a.broker().counts().occupied("other", ""))).isEqualTo(Map.of("presence-room", 1L));
    }

    @Test
    void aChannelOccupiedAgainOnAnyNodeTakesTheVacancyMarkExactlyOnce() {
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "marked");
        assertThat(result(a.broker().counts().increment(ch)).returning()).isFalse();
        assertThat(result(a.broker().counts().decrement(ch, 60_000)).count()).isZero();

        CountStore.Change back = result(b.broker().counts().increment(ch));
        assertThat(back.count()).isEqualTo(1);
        assertThat(back.returning())
                .as("occupied again on another node within the hold")
                .isTrue();
        assertThat(result(a.broker().counts().claimVacancy(ch)))
                .as("the return took the mark: the held vacancy is not sent")
                .isFalse();

        assertThat(result(b.broker().counts().decrement(ch, 60_000)).count()).isZero();
        assertThat(result(a.broker().counts().claimVacancy(ch)))
                .as("nobody came back")
                .isTrue();
        assertThat(result(b.broker().counts().increment(ch)).returning())
                .as("a claimed mark is gone")
                .isFalse();
        assertThat(result(b.broker().counts().decrement(ch)).count()).isZero();
        assertThat(result(a.broker().counts().claimVacancy(ch)))
                .as("a vacancy not held leaves no mark")
                .isFalse();
    }

    @Test
    void aUserBackOnAnyNodeTakesTheDepartureMarkExactlyOnce() {
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "presence-marked");
        Member alice = new Member("alice", null);
        assertThat(join(a, ch, "1.1", alice, 10).returning()).isFalse();
        assertThat(result(a.broker().presence().leave(ch, "1.1", "alice", 60_000)))
                .isTrue();

        PresenceStore.JoinResult back = join(b, ch, "2.1", alice, 10);
        assertThat(back.firstConnection()).isTrue();
        assertThat(back.returning()).as("back on another node within the hold").isTrue();
        assertThat(result(a.broker().presence().claimDeparture(ch, "alice"))).isFalse();

        PresenceStore.JoinResult second = join(a, ch, "1.2", alice, 10);
        assertThat(second.returning())
                .as("only a first connection takes a mark")
                .isFalse();
        assertThat(result(a.broker().presence().leave(ch, "1.2", "alice", 60_000)))
                .isFalse();
        assertThat(result(b.broker().presence().leave(ch, "2.1", "alice", 60_000)))
                .isTrue();
        assertThat(result(a.broker().presence().claimDeparture(ch, "bob")))
                .as("marks are per user")
                .isFalse();
        assertThat(result(a.broker().presence().claimDeparture(ch, "alice"))).isTrue();
        assertThat(join(b, ch, "2.2", alice, 10).returning()).isFalse();
    }

    @Test
    void connectionQuotaIsClusterWide() {
        Node a = node();
        Node b = node();
        Node c = node();
        assertThat(result(a.broker().counts().acquireConnection("app", 2))).isTrue();
        assertThat(result(b.broker().counts().acquireConnection("app", 2))).isTrue();
        assertThat(result(c.broker().counts().acquireConnection("app", 2))).isFalse();
        assertThat(result(c.broker().counts().acquireConnection("other", 2)))
                .as("quotas are per app")
                .isTrue();

        a.broker().counts().releaseConnection("app");
        await().atMost(WAIT).until(() -> result(c.broker().counts().acquireConnection("app", 2)));
        assertThat(result(b.broker().counts().acquireConnection("app", 0)))
                .as("0 means unlimited")
                .isTrue();
    }

    /**
     * Three nodes each take {@code limit} requests at once. A cluster-wide limit lets through at
     * most a second's worth per second (the Redis window restarts on the second, so one boundary
     * inside the burst lets through at most twice the limit); a limit kept by each node would let
     * through all three nodes' worth. Bursts taking a second or more prove nothing and are tried
     * again on a fresh app.
     */
    @Test
    void restRequestRateIsSharedByEveryNode() {
        int limit = 50;
        List<Node> nodes = distributed() ? List.of(node(), node(), node()) : List.of(node());
        int requests = 3 * limit;
        assertThat(result(nodes.get(0).broker().counts().acquireRequest("other", 5)))
                .as("rates are per app")
                .isTrue();
        for (int attempt = 1; attempt <= 5; attempt++) {
            String app = "rate-" + attempt;
            long start = System.nanoTime();
            List<CompletionStage<Boolean>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                answers.add(nodes.get(i % nodes.size()).broker().counts().acquireRequest(app, limit));
            }
            long allowed = answers.stream().filter(BrokerContractTest::result).count();
            if (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1)) {
                assertThat(allowed)
                        .as("requests let through of %d, limit %d a second cluster-wide", requests, limit)
                        .isBetween((long) limit, 2L * limit);
                return;
            }
        }
        throw new AssertionError("no burst of " + requests + " requests took less than a second");
    }

    // --- cache ----------------------------------------------------------------------------------------

    @Test
    void cacheKeepsTheLastFrameForItsTimeToLive() {
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "cache-prices");
        assertThat(result(b.broker().cache().get(ch))).isNull();
        a.broker().cache().put(ch, frame("v1"), 60);
        a.broker().cache().put(ch, frame("v2"), 60);
        await().atMost(WAIT).until(() -> result(b.broker().cache().get(ch)) != null);
        assertThat(result(b.broker().cache().get(ch))).isEqualTo(frame("v2"));

        ChannelKey brief = new ChannelKey("app", "cache-brief");
        a.broker().cache().put(brief, frame("soon gone"), 1);
        await().atMost(WAIT).until(() -> result(b.broker().cache().get(brief)) == null);
    }

    // --- failures (distributed brokers) ---------------------------------------------------------------

    @Test
    void closingANodeRemovesItsMembersCountsAndConnectionsAtOnce() {
        assumeTrue(distributed());
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "presence-close");
        subscribe(a, ch);
        join(a, ch, "1.1", new Member("stays", null), 10);
        join(b, ch, "2.1", new Member("goes", null), 10);
        result(b.broker().counts().increment(ch));
        result(b.broker().counts().acquireConnection("app", 1));

        b.broker().close();

        awaitFrames(a, ch, memberRemoved(ch, "goes"));
        assertThat(result(a.broker().presence().members(ch))).containsExactly(new Member("stays", null));
        assertThat(result(a.broker().counts().count(ch))).isZero();
        assertThat(result(a.broker().counts().acquireConnection("app", 1))).isTrue();
        assertThat(a.seen().reapedMembers)
                .as("a clean leave is reported by the leaving node")
                .isEmpty();
    }

    @Test
    void aDeadNodeIsReapedExactlyOnceBySurvivors() {
        assumeTrue(distributed());
        Node a = node();
        Node b = node();
        Node dead = node();
        ChannelKey ch = new ChannelKey("app", "presence-crash");
        subscribe(a, ch);
        subscribe(b, ch);
        join(a, ch, "1.1", new Member("survivor", null), 10);
        result(a.broker().counts().increment(ch));
        join(dead, ch, "3.1", new Member("victim", null), 10);
        join(dead, ch, "3.2", new Member("survivor", null), 10);
        result(dead.broker().counts().increment(ch));
        result(dead.broker().counts().increment(new ChannelKey("app", "only-on-dead")));
        result(dead.broker().counts().acquireConnection("app", 1));

        crash(dead.broker());

        awaitFrames(a, ch, memberRemoved(ch, "victim"));
        awaitFrames(b, ch, memberRemoved(ch, "victim"));
        await().atMost(WAIT)
                .until(() ->
                        a.seen().reapedMembers.size() + b.seen().reapedMembers.size() >= 1
                                && a.seen().reapedChannels.size()
                                                + b.seen().reapedChannels.size()
                                        >= 1);
        List<String> reaped = new ArrayList<>(a.seen().reapedMembers);
        reaped.addAll(b.seen().reapedMembers);
        assertThat(reaped).containsExactly("presence-crash/victim");
        List<ChannelKey> vacated = new ArrayList<>(a.seen().reapedChannels);
        vacated.addAll(b.seen().reapedChannels);
        assertThat(vacated).containsExactly(new ChannelKey("app", "only-on-dead"));

        assertThat(result(a.broker().presence().members(ch))).containsExactly(new Member("survivor", null));
        assertThat(result(b.broker().counts().count(ch))).isEqualTo(1);
        assertThat(result(b.broker().counts().acquireConnection("app", 1))).isTrue();
        // Nothing else was sent on the channel: one member_removed each, no duplicates.
        a.broker().publish(ch, event("after", null));
        awaitFrames(a, ch, memberRemoved(ch, "victim"), "after");
        awaitFrames(b, ch, memberRemoved(ch, "victim"), "after");
    }

    @Test
    void aDeadNodesEntriesUnderNamesWithColonsAreReapedWhole() {
        assumeTrue(distributed());
        Node a = node();
        Node dead = node();
        ChannelKey online = new ChannelKey("app", "#user:a:b");
        join(a, new ChannelKey("app", "#user"), "1.1", new Member("a:b", null), 10);
        join(dead, online, "3.1", new Member("a:b", null), 10);
        subscribe(a, online);

        crash(dead.broker());

        await().atMost(WAIT).until(() -> !a.seen().reapedMembers.isEmpty());
        assertThat(a.seen().reapedMembers).containsExactly("#user:a:b/a:b");
        assertThat(result(a.broker().presence().userCount(online))).isZero();
        assertThat(result(a.broker().presence().userCount(new ChannelKey("app", "#user"))))
                .as("an entry whose name is the start of the dead one's is not touched")
                .isEqualTo(1);
        a.broker().publish(online, event("after", null));
        awaitFrames(a, online, "after"); // and no member_removed before it: not a presence channel
    }

    @Test
    void aStoreThatLostItsDataGetsEveryNodesShareBack() {
        assumeTrue(distributed());
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "presence-lost");
        join(a, ch, "1.1", new Member("u1", "{\"n\":1}"), 10);
        join(b, ch, "2.1", new Member("u2", null), 10);
        result(a.broker().counts().increment(ch));
        result(b.broker().counts().increment(ch));
        result(a.broker().counts().acquireConnection("app", 2));
        result(b.broker().counts().acquireConnection("app", 2));
        subscribe(a, ch);

        loseAllData();

        await().atMost(WAIT)
                .until(() -> result(a.broker().presence().userCount(ch)) == 2
                        && result(a.broker().counts().count(ch)) == 2);
        assertThat(result(b.broker().presence().members(ch)))
                .containsExactlyInAnyOrder(new Member("u1", "{\"n\":1}"), new Member("u2", null));
        assertThat(result(a.broker().counts().acquireConnection("app", 2)))
                .as("both connections are counted again")
                .isFalse();
        b.broker().publish(ch, event("still-subscribed", null));
        awaitFrames(a, ch, "still-subscribed");
    }

    // --- history --------------------------------------------------------------------------------------

    static final Retention KEEP_5 = new Retention(5, 3_600_000, Long.MAX_VALUE);

    static Envelope historyEvent(String name, Retention retention) {
        return new Envelope(frame(name), null, 0, retention);
    }

    @Test
    void historyEventsGetIncreasingSerialsFromTheClockAndAreReadBackInOrder() {
        Node a = node();
        Node b = node();
        ChannelKey ch = new ChannelKey("app", "chat-read");
        subscribe(a, ch);
        long before = System.currentTimeMillis() - 60_000;
        for (int i = 1; i <= 3; i++) {
            b.broker().publish(ch, historyEvent("e" + i, KEEP_5));
        }
        awaitFrames(a, ch, "e1", "e2", "e3");
        b.broker().publish(ch, event("plain", null));
        awaitFrames(a, ch, "e1", "e2", "e3", "plain");
        List<Received> got = a.seen().on(ch);
        assertThat(got.get(0).serial()).isGreaterThan(before * 1000).isLessThan(1L << 53);
        assertThat(got.get(1).serial()).isEqualTo(got.get(0).serial() + 1);
        assertThat(got.get(2).serial()).isEqualTo(got.get(0).serial() + 2);
        assertThat(got.get(3).serial())
                .as("an event without retention has no serial")
                .isZero();
        assertThat(got.get(0).frame()).as("the frame travels as published").isEqualTo(new String(frame("e1"), UTF8));

        HistoryStore.Page all = result(b.broker().history().after(ch, KEEP_5, 0, 100));
        assertThat(all.events())
                .extracting(HistoryStore.Stored::serial)
                .containsExactly(
                        got.get(0).serial(), got.get(1).serial(), got.get(2).serial());
        assertThat(new String(all.events().get(1).frame(), UTF8)).isEqualTo(new String(frame("e2"), UTF8));
        assertThat(all.events().get(0).publishedAt()).isGreaterThan(before);
        assertThat(all.earliest()).isEqualTo(got.get(0).serial());
        assertThat(all.latest()).isEqualTo(got.get(2).serial());

        HistoryStore.Page after =
                result(a.broker().history().after(ch, KEEP_5, got.get(0).serial(), 1));
        assertThat(after.events())
                .extracting(HistoryStore.Stored::serial)
                .containsExactly(got.get(1).serial());
        HistoryStore.Page newest = result(a.broker().history().before(ch, KEEP_5, Long.MAX_VALUE, 2));
        assertThat(newest.events())
                .extracting(HistoryStore.Stored::serial)
                .containsExactly(got.get(2).serial(), got.get(1).serial());
        HistoryStore.Page older =
                result(a.broker().history().before(ch, KEEP_5, got.get(1).serial(), 10));
        assertThat(older.events())
                .extracting(HistoryStore.Stored::serial)
                .containsExactly(got.get(0).serial());
    }

    @Test
    void historyKeepsTheLastMaxEventsAndKnowsTheLatestSerial() {
        Node a = node();
        ChannelKey ch = new ChannelKey("app", "chat-trim");
        for (int i = 1; i <= 8; i++) {
            a.broker().publish(ch, historyEvent("e" + i, KEEP_5));
        }
        await().atMost(WAIT)
                .until(() ->
                        result(a.broker().history().after(ch, KEEP_5, 0, 100)).latest() > 0
                                && result(a.broker().history().after(ch, KEEP_5, 0, 100))
                                                .events()
                                                .size()
                                        == 5
                                && names(result(a.broker().history().after(ch, KEEP_5, 0, 100)))
                                        .getLast()
                                        .equals("e8"));
        HistoryStore.Page page = result(a.broker().history().after(ch, KEEP_5, 0, 100));
        assertThat(names(page)).containsExactly("e4", "e5", "e6", "e7", "e8");
        assertThat(page.earliest()).isEqualTo(page.events().get(0).serial());
        assertThat(page.latest()).isEqualTo(page.events().get(4).serial());
        assertThat(result(a.broker().history().after(ch, KEEP_5, 0, 100)).events())
                .extracting(HistoryStore.Stored::serial)
                .isSorted()
                .doesNotHaveDuplicates();
    }

    @Test
    void historyDropsEventsPastTheirAgeButKeepsTheSequence() {
        Node a = node();
        ChannelKey ch = new ChannelKey("app", "chat-age");
        Retention brief = new Retention(100, 1, Long.MAX_VALUE);
        a.broker().publish(ch, historyEvent("old", brief));
        await().atMost(WAIT)
                .until(() ->
                        result(a.broker().history().after(ch, brief, 0, 10)).latest() > 0);
        await().atMost(WAIT)
                .until(() -> result(a.broker().history().after(ch, brief, 0, 10))
                        .events()
                        .isEmpty());
        HistoryStore.Page page = result(a.broker().history().after(ch, brief, 0, 10));
        assertThat(page.earliest()).isZero();
        long latest = page.latest();
        subscribe(a, ch);
        a.broker().publish(ch, historyEvent("next", KEEP_5));
        await().atMost(WAIT).until(() -> a.seen().names(ch).contains("next"));
        assertThat(a.seen().on(ch).getLast().serial()).isEqualTo(latest + 1);
    }

    @Test
    void aReadKnowsWhetherTheHistoryStillHoldsTheSequencesFirstEventAndALimitOfZeroReadsOnlyTheBounds() {
        Node a = node();
        ChannelKey ch = new ChannelKey("app", "chat-complete");
        HistoryStore.Page none = result(a.broker().history().before(ch, KEEP_5, Long.MAX_VALUE, 0));
        assertThat(none.complete()).as("no event issued yet").isTrue();
        assertThat(none.latest()).isZero();
        for (int i = 1; i <= 5; i++) {
            a.broker().publish(ch, historyEvent("e" + i, KEEP_5));
        }
        await().atMost(WAIT)
                .until(() -> result(a.broker().history().after(ch, KEEP_5, 0, 100))
                                .events()
                                .size()
                        == 5);
        HistoryStore.Page all = result(a.broker().history().after(ch, KEEP_5, 0, 100));
        assertThat(all.complete()).as("all 5 kept: %s", all).isTrue();
        HistoryStore.Page bounds = result(a.broker().history().before(ch, KEEP_5, Long.MAX_VALUE, 0));
        assertThat(bounds.events()).isEmpty();
        assertThat(bounds.latest()).isEqualTo(all.latest());
        assertThat(bounds.earliest()).isEqualTo(all.earliest());
        assertThat(bounds.complete()).isTrue();

        a.broker().publish(ch, historyEvent("e6", KEEP_5));
        await().atMost(WAIT)
                .until(() ->
                        result(a.broker().history().after(ch, KEEP_5, 0, 0)).latest() > all.latest());
        HistoryStore.Page trimmed = result(a.broker().history().after(ch, KEEP_5, 0, 0));
        assertThat(trimmed.complete()).as("the first event was dropped").isFalse();
        assertThat(trimmed.events()).isEmpty();
        assertThat(trimmed.earliest()).isEqualTo(all.earliest() + 1);
    }

    @Test
    void aChannelWithoutHistoryReadsEmpty() {
        Node a = node();
        HistoryStore.Page page = result(a.broker().history().after(new ChannelKey("app", "nothing"), KEEP_5, 0, 10));
        assertThat(page.events()).isEmpty();
        assertThat(page.earliest()).isZero();
        assertThat(page.latest()).isZero();
    }

    @Test
    void concurrentPublishersOnSeveralNodesAreDeliveredInSerialOrderEverywhere() throws Exception {
        Node a = node();
        Node b = node();
        Node c = node();
        ChannelKey ch = new ChannelKey("app", "chat-race");
        Retention keep = new Retention(10_000, 3_600_000, Long.MAX_VALUE);
        subscribe(a, ch);
        subscribe(b, ch);
        int perPublisher = 300;
        List<Thread> publishers = new ArrayList<>();
        for (Node from : List.of(a, b, c)) {
            for (int t = 0; t < 2; t++) {
                publishers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perPublisher; i++) {
                        from.broker().publish(ch, historyEvent("e", keep));
                    }
                }));
            }
        }
        for (Thread t : publishers) {
            t.join(WAIT.toMillis());
        }
        int total = publishers.size() * perPublisher;
        for (Node n : List.of(a, b)) {
            await().atMost(WAIT).until(() -> n.seen().on(ch).size() >= total);
            List<Long> serials = n.seen().on(ch).stream().map(Received::serial).toList();
            assertThat(serials).hasSize(total).isSorted().doesNotHaveDuplicates();
            assertThat(serials.getLast() - serials.getFirst()).isEqualTo(total - 1);
        }
        HistoryStore.Page stored = result(c.broker().history().after(ch, keep, 0, 10_000));
        assertThat(stored.events())
                .extracting(HistoryStore.Stored::serial)
                .isEqualTo(a.seen().on(ch).stream().map(Received::serial).toList());
    }

    private static List<String> names(HistoryStore.Page page) {
        List<String> out = new ArrayList<>();
        for (HistoryStore.Stored s : page.events()) {
            try {
                out.add(JSON.readTree(s.frame()).path("event").asText());
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

    // --- helpers --------------------------------------------------------------------------------------

    static void subscribe(Node n, ChannelKey ch) {
        n.broker().subscribe(ch);
        result(n.broker().whenSubscribed(ch));
    }

    static PresenceStore.JoinResult join(Node n, ChannelKey ch, String socket, Member member, int max) {
        return result(n.broker().presence().join(ch, socket, member, max));
    }

    static <T> T result(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("broker call did not complete", e);
        }
    }

    static byte[] frame(String name) {
        return ServerFrames.event(name, "c", "{}");
    }

    static Envelope event(String name, String exclude) {
        return new Envelope(frame(name), exclude);
    }

    static String memberRemoved(ChannelKey ch, String userId) {
        return "member_removed:" + userId;
    }

    /** Waits until exactly {@code names} (event names, in order) arrived on {@code ch}. */
    static void awaitFrames(Node n, ChannelKey ch, String... names) {
        await().atMost(WAIT).until(() -> n.seen().names(ch).size() >= names.length);
        assertThat(n.seen().names(ch)).containsExactly(names);
    }

    record Received(ChannelKey channel, String frame, String exclude, long serial) {}

    static final class Recording implements Broker.Listener {
        final List<Received> events = new CopyOnWriteArrayList<>();
        final List<Command> commands = new CopyOnWriteArrayList<>();
        final List<String> reapedMembers = new CopyOnWriteArrayList<>();
        final List<ChannelKey> reapedChannels = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(ChannelKey channel, Envelope envelope) {
            events.add(new Received(
                    channel,
                    new String(envelope.frame(), StandardCharsets.UTF_8),
                    envelope.excludeSocketId(),
                    envelope.serial()));
        }

        @Override
        public void onCommand(Command command) {
            commands.add(command);
        }

        @Override
        public void memberReaped(ChannelKey channel, String userId) {
            reapedMembers.add(channel.name() + "/" + userId);
        }

        @Override
        public void channelReaped(ChannelKey channel) {
            reapedChannels.add(channel);
        }

        List<Received> on(ChannelKey ch) {
            return events.stream().filter(r -> r.channel().equals(ch)).toList();
        }

        /** Event names on {@code ch}; member_removed as {@code member_removed:user}. */
        List<String> names(ChannelKey ch) {
            List<String> out = new ArrayList<>();
            for (Received r : on(ch)) {
                try {
                    JsonNode frame = JSON.readTree(r.frame());
                    String event = frame.path("event").asText();
                    if (event.equals("pusher_internal:member_removed")) {
                        out.add("member_removed:"
                                + JSON.readTree(frame.path("data").asText())
                                        .path("user_id")
                                        .asText());
                    } else {
                        out.add(event);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            return out;
        }
    }
}
