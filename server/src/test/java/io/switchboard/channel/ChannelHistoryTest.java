package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.app.HistoryRule;
import io.switchboard.config.BrokerSettings;
import io.switchboard.testing.Encryption;
import io.switchboard.testing.NodeClient;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestRedis;
import io.switchboard.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Channel history seen by real clients (docs/history.md): serials in frames, rewind on subscribe,
 * resume with {@code resume_after}, the markers, client events and encrypted channels, and the REST
 * history endpoint through pusher-http-java. Every test runs on the memory and the Redis broker.
 */
class ChannelHistoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Keeps 20 events; {@code rewind-*} replays the last 3 to new subscribers. */
    static final App APP = TestApps.withHistory(
            TestApps.app("h"),
            TestApps.history("rewind-*", 20, 3),
            TestApps.history("busy-*", 1000, 0),
            TestApps.history("*chat-*", 20, 0),
            new HistoryRule("recent-*", 20, 86_400, 0, 3600),
            new HistoryRule("second-*", 20, 86_400, 0, 1));

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnMemory extends Contract {
        @Override
        TestServer start() {
            return TestServer.start(APP);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnRedis extends Contract {
        private TestRedis redis;

        @BeforeAll
        void startRedis() {
            redis = TestRedis.standalone();
        }

        @AfterAll
        void stopRedis() {
            redis.close();
        }

        @Override
        TestServer start() {
            return TestServer.start(BrokerSettings.redis(redis.settings()), APP);
        }
    }

    abstract static class Contract {
        TestServer server;
        Pusher rest;
        final List<AutoCloseable> open = new ArrayList<>();

        abstract TestServer start();

        @BeforeEach
        void startServer() {
            published.set(0);
            markers.clear();
            server = start();
            rest = server.rest(APP);
        }

        @AfterEach
        void stop() throws Exception {
            for (AutoCloseable c : open) {
                c.close();
            }
            server.close();
        }

        RawClient client() {
            RawClient c = RawClient.connect(server, APP);
            open.add(c);
            return c;
        }

        @Test
        void eventsOnHistoryChannelsCarryConsecutiveSerialsAndOtherChannelsNone() {
            RawClient c = client();
            c.subscribe("chat-serials");
            c.subscribe("news");
            Rest.trigger(rest, "chat-serials", "e1", Map.of());
            Rest.trigger(rest, "chat-serials", "e2", Map.of());
            Rest.trigger(rest, "news", "plain", Map.of());

            JsonNode e1 = c.expect("e1", "chat-serials");
            JsonNode e2 = c.expect("e2", "chat-serials");
            JsonNode plain = c.expect("plain", "news");
            assertThat(e1.path("serial").isIntegralNumber())
                    .as("serial is a JSON number: %s", e1)
                    .isTrue();
            assertThat(e1.path("serial").asLong())
                    .isGreaterThan(1_700_000_000_000_000L)
                    .isLessThan(1L << 53);
            assertThat(e2.path("serial").asLong()).isEqualTo(e1.path("serial").asLong() + 1);
            assertThat(plain.has("serial")).isFalse();
            assertThat(e1.path("data").asText()).isEqualTo("{}");
        }

        @Test
        void rewindSendsTheLastEventsRightAfterSubscriptionSucceeded() {
            for (int i = 1; i <= 5; i++) {
                Rest.trigger(rest, "rewind-last", "e" + i, Map.of());
            }
            RawClient c = client();
            c.subscribe("rewind-last");
            long s3 = c.expect("e3", "rewind-last").path("serial").asLong();
            assertThat(c.expect("e4").path("serial").asLong()).isEqualTo(s3 + 1);
            assertThat(c.expect("e5").path("serial").asLong()).isEqualTo(s3 + 2);
            c.expectOnlyPong();
            Rest.trigger(rest, "rewind-last", "e6", Map.of());
            assertThat(c.expect("e6").path("serial").asLong()).isEqualTo(s3 + 3);
        }

        @Test
        void rewindBySecondsSendsTheEventsOfThatTime() {
            Rest.trigger(rest, "recent-a", "e1", Map.of());
            Rest.trigger(rest, "recent-a", "e2", Map.of());
            RawClient c = client();
            c.subscribe("recent-a");
            c.expect("e1");
            c.expect("e2");
            c.expectOnlyPong();
        }

        @Test
        void rewindBySecondsLeavesOutOlderEvents() {
            Rest.trigger(rest, "second-a", "old", Map.of());
            long publishedOld = System.currentTimeMillis();
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> System.currentTimeMillis() - publishedOld > 1500);
            Rest.trigger(rest, "second-a", "new", Map.of());
            RawClient c = client();
            c.subscribe("second-a");
            c.expect("new");
            c.expectOnlyPong();
        }

        @Test
        void rewindWhileEventsArePublishedLeavesNoGapAndNoDuplicate() throws Exception {
            String channel = "rewind-busy";
            Thread publisher = publish(channel, 150);
            RawClient c = client();
            awaitPublished(channel, 30);
            c.subscribe(channel);
            List<Long> serials = untilEnd(c, channel, publisher);
            assertThat(serials.size()).isGreaterThanOrEqualTo(4);
            assertConsecutive(serials);
            assertThat(markers).as("a rewind sends no marker").isEmpty();
        }

        @Test
        void resumeWhileEventsArePublishedLeavesNoGapAndNoDuplicate() throws Exception {
            String channel = "busy-resume";
            RawClient first = client();
            first.subscribe(channel);
            Rest.trigger(rest, channel, "start", Map.of());
            long start = first.expect("start").path("serial").asLong();
            Thread publisher = publish(channel, 150);
            awaitPublished(channel, 20);
            RawClient c = client();
            subscribe(c, channel, JSON.getNodeFactory().numberNode(start));
            List<Long> serials = untilEnd(c, channel, publisher);
            assertThat(serials.getFirst()).isEqualTo(start + 1);
            assertConsecutive(serials);
            assertThat(markers).containsExactly("switchboard:resumed");
        }

        @Test
        void subscriptionSucceededCarriesTheLatestSerialOnHistoryChannelsOnly() throws Exception {
            RawClient c = client();
            JsonNode never = c.subscribe("chat-succeeded");
            assertThat(never.path("serial").isIntegralNumber())
                    .as("a channel without events: %s", never)
                    .isTrue();
            assertThat(never.path("serial").asLong()).isZero();
            Rest.trigger(rest, "chat-succeeded", "e1", Map.of());
            long e1 = c.expect("e1").path("serial").asLong();

            RawClient later = client();
            assertThat(later.subscribe("chat-succeeded").path("serial").asLong())
                    .isEqualTo(e1);
            assertThat(later.subscribe("news").has("serial")).isFalse();
            String channelData = RawClient.channelData("dan");
            later.sendJoin("presence-chat-s", channelData);
            JsonNode presence = later.expectSubscribed("presence-chat-s");
            assertThat(presence.path("serial").asLong()).isZero();
            assertThat(JSON.readTree(presence.path("data").asText())
                            .path("presence")
                            .path("ids"))
                    .containsExactly(JSON.getNodeFactory().textNode("dan"));
            later.expectOnlyPong();
        }

        @Test
        void aSubscriberThatSawNoEventResumesFromTheSerialOfItsSubscriptionSucceeded() throws Exception {
            String channel = "chat-quiet";
            RawClient page = client();
            long start = page.subscribe(channel).path("serial").asLong();
            assertThat(start).as("nothing published yet").isZero();
            page.close(); // cut before the first event
            for (int i = 1; i <= 3; i++) {
                Rest.trigger(rest, channel, "missed" + i, Map.of());
            }

            RawClient back = client();
            JsonNode succeeded = resubscribe(back, channel, start);
            long first = back.expect("missed1").path("serial").asLong();
            assertThat(back.expect("missed2").path("serial").asLong()).isEqualTo(first + 1);
            assertThat(back.expect("missed3").path("serial").asLong()).isEqualTo(first + 2);
            assertThat(succeeded.path("serial").asLong()).isEqualTo(first + 2);
            JsonNode marker = back.expect("switchboard:resumed", channel);
            assertThat(JSON.readTree(marker.path("data").asText()))
                    .isEqualTo(JSON.readTree("{\"after\":0,\"replayed\":3,\"latest\":" + (first + 2) + "}"));
            back.expectOnlyPong();
            Rest.trigger(rest, channel, "live", Map.of());
            assertThat(back.expect("live").path("serial").asLong()).isEqualTo(first + 3);

            RawClient alsoQuiet = client();
            long now = alsoQuiet.subscribe(channel).path("serial").asLong();
            assertThat(now).isEqualTo(first + 3);
            alsoQuiet.close();
            Rest.trigger(rest, channel, "missed4", Map.of());
            RawClient again = client();
            resubscribe(again, channel, now);
            assertThat(again.expect("missed4").path("serial").asLong()).isEqualTo(now + 1);
            again.expect("switchboard:resumed");
        }

        @Test
        void resumeAfterZeroOnAChannelThatNeverHadAnEventReplaysNothingAndGoesLive() throws Exception {
            RawClient c = client();
            JsonNode succeeded = resubscribe(c, "chat-empty", 0);
            assertThat(succeeded.path("serial").asLong()).isZero();
            JsonNode marker = c.expect("switchboard:resumed", "chat-empty");
            assertThat(JSON.readTree(marker.path("data").asText()))
                    .isEqualTo(JSON.readTree("{\"after\":0,\"replayed\":0,\"latest\":0}"));
            Rest.trigger(rest, "chat-empty", "live", Map.of());
            assertThat(c.expect("live").path("serial").asLong()).isPositive();
        }

        @Test
        void resumeAfterZeroFailsAsExpiredOnceTheChannelsFirstEventsAreGone() throws Exception {
            String channel = "chat-zero-expired"; // keeps 20
            for (int i = 0; i < 21; i++) {
                Rest.trigger(rest, channel, "e" + i, Map.of());
            }
            RawClient c = client();
            JsonNode succeeded = resubscribe(c, channel, 0);
            long latest = succeeded.path("serial").asLong();
            JsonNode failed = JSON.readTree(
                    c.expect("switchboard:resume_failed", channel).path("data").asText());
            assertThat(failed.path("reason").asText()).isEqualTo("expired");
            assertThat(failed.path("after").asLong()).isZero();
            assertThat(failed.path("earliest").asLong()).isEqualTo(latest - 19);
            assertThat(failed.path("latest").asLong()).isEqualTo(latest);
            c.expectOnlyPong();
        }

        @Test
        void aPlainSubscribeWhileEventsArePublishedHasNoGapAfterItsSucceededSerial() throws Exception {
            String channel = "busy-plain";
            Thread publisher = publish(channel, 150);
            awaitPublished(channel, 30);
            RawClient c = client();
            long start = c.subscribe(channel).path("serial").asLong();
            assertThat(start).as("events were published before the subscribe").isPositive();
            List<Long> serials = untilEnd(c, channel, publisher);
            assertThat(serials.getFirst())
                    .as("the first live event follows the succeeded serial")
                    .isEqualTo(start + 1);
            assertConsecutive(serials);
            assertThat(markers).isEmpty();
        }

        @Test
        void resumeReplaysWhatWasMissedThenTellsThenGoesLive() throws Exception {
            RawClient first = client();
            first.subscribe("chat-resume");
            Rest.trigger(rest, "chat-resume", "seen", Map.of());
            long seen = first.expect("seen").path("serial").asLong();
            Rest.trigger(rest, "chat-resume", "missed1", Map.of());
            Rest.trigger(rest, "chat-resume", "missed2", Map.of());

            RawClient back = client();
            subscribe(back, "chat-resume", JSON.getNodeFactory().textNode(Long.toString(seen)));
            assertThat(back.expect("missed1").path("serial").asLong()).isEqualTo(seen + 1);
            assertThat(back.expect("missed2").path("serial").asLong()).isEqualTo(seen + 2);
            JsonNode marker = back.expect("switchboard:resumed", "chat-resume");
            assertThat(JSON.readTree(marker.path("data").asText()))
                    .isEqualTo(JSON.readTree("{\"after\":" + seen + ",\"replayed\":2,\"latest\":" + (seen + 2) + "}"));
            back.expectOnlyPong();
            Rest.trigger(rest, "chat-resume", "live", Map.of());
            assertThat(back.expect("live").path("serial").asLong()).isEqualTo(seen + 3);
        }

        @Test
        void resumeAtTheLatestSerialReplaysNothing() throws Exception {
            RawClient first = client();
            first.subscribe("chat-uptodate");
            Rest.trigger(rest, "chat-uptodate", "last", Map.of());
            long last = first.expect("last").path("serial").asLong();
            RawClient back = client();
            subscribe(back, "chat-uptodate", JSON.getNodeFactory().numberNode(last));
            JsonNode marker = back.expect("switchboard:resumed");
            assertThat(JSON.readTree(marker.path("data").asText())
                            .path("replayed")
                            .asInt())
                    .isZero();
        }

        @Test
        void resumeBeyondTheHistoryFailsAsExpiredAndGoesLive() throws Exception {
            RawClient first = client();
            first.subscribe("chat-expired");
            Rest.trigger(rest, "chat-expired", "first", Map.of());
            long firstSerial = first.expect("first").path("serial").asLong();
            for (int i = 0; i < 24; i++) {
                Rest.trigger(rest, "chat-expired", "e" + i, Map.of());
            }
            RawClient back = client();
            subscribe(back, "chat-expired", JSON.getNodeFactory().numberNode(firstSerial));
            JsonNode failed = JSON.readTree(back.expect("switchboard:resume_failed", "chat-expired")
                    .path("data")
                    .asText());
            assertThat(failed.path("reason").asText()).isEqualTo("expired");
            assertThat(failed.path("after").asLong()).isEqualTo(firstSerial);
            assertThat(failed.path("earliest").asLong()).isEqualTo(firstSerial + 5);
            assertThat(failed.path("latest").asLong()).isEqualTo(firstSerial + 24);
            back.expectOnlyPong();
            Rest.trigger(rest, "chat-expired", "live", Map.of());
            assertThat(back.expect("live").path("serial").asLong()).isEqualTo(firstSerial + 25);
        }

        @Test
        void resumeWithAnUnknownSerialOrWithoutHistoryFailsWithTheReason() throws Exception {
            Rest.trigger(rest, "chat-unknown", "one", Map.of());
            RawClient first = client();
            first.subscribe("chat-unknown");
            Rest.trigger(rest, "chat-unknown", "two", Map.of());
            long latest = first.expect("two").path("serial").asLong();

            RawClient c = client();
            subscribe(c, "chat-unknown", JSON.getNodeFactory().numberNode(latest + 100));
            JsonNode unknown = JSON.readTree(
                    c.expect("switchboard:resume_failed").path("data").asText());
            assertThat(unknown.path("reason").asText()).isEqualTo("unknown_serial");
            assertThat(unknown.path("latest").asLong()).isEqualTo(latest);

            subscribe(c, "news", JSON.getNodeFactory().numberNode(5));
            JsonNode none = JSON.readTree(
                    c.expect("switchboard:resume_failed", "news").path("data").asText());
            assertThat(none)
                    .isEqualTo(
                            JSON.readTree("{\"after\":5,\"earliest\":null,\"latest\":null,\"reason\":\"no_history\"}"));

            subscribe(c, "chat-never", JSON.getNodeFactory().numberNode(5));
            JsonNode never = JSON.readTree(
                    c.expect("switchboard:resume_failed").path("data").asText());
            assertThat(never.path("reason").asText()).isEqualTo("unknown_serial");
            assertThat(never.path("latest").isNull()).isTrue();
            c.expectOnlyPong();
        }

        @Test
        void aResumeAfterThatIsNoSerialIsAnErrorWithItsCodeAndTheConnectionStays() {
            RawClient c = client();
            for (String bad : List.of("-1", "1.5", "\"12a\"", "true", "{}", "9007199254740992")) {
                c.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"chat-bad\",\"resume_after\":" + bad
                        + "}}");
                JsonNode error = c.expectError();
                assertThat(error.path("code").asInt()).as(bad).isEqualTo(4303);
                assertThat(error.path("message").asText()).contains("resume_after");
            }
            c.expectOnlyPong();
            c.subscribe("chat-bad");
        }

        @Test
        void clientEventsOnHistoryChannelsGetSerialsAndAreReplayedAndListed() throws Exception {
            RawClient sender = client();
            RawClient other = client();
            sender.joinAs("presence-chat-room", "alice");
            other.joinAs("presence-chat-room", "bob");
            sender.await("pusher_internal:member_added");
            sender.trigger("presence-chat-room", "client-typing", "{\"on\":true}");
            JsonNode got = other.ws().nextEvent();
            if (got.path("event").asText().equals("pusher_internal:member_added")) {
                // Over Redis, alice's member_added travels through pub/sub and can reach bob after
                // his own subscription_succeeded, which already listed her (docs/scaling.md, known
                // limits).
                assertThat(RawWebSocket.data(got).path("user_id").asText()).isEqualTo("alice");
                got = other.ws().nextEvent();
            }
            assertThat(got.path("event").asText()).as("%s", got).isEqualTo("client-typing");
            assertThat(got.path("channel").asText()).isEqualTo("presence-chat-room");
            long serial = got.path("serial").asLong();
            assertThat(serial).isPositive();
            assertThat(got.path("user_id").asText()).isEqualTo("alice");

            RawClient late = client();
            String channelData = RawClient.channelData("carol");
            ObjectNode join = JSON.createObjectNode()
                    .put("channel", "presence-chat-room")
                    .put("auth", late.auth(late.socketId() + ":presence-chat-room:" + channelData))
                    .put("channel_data", channelData)
                    .put("resume_after", serial - 1);
            late.send("pusher:subscribe", null, join);
            late.expectSubscribed("presence-chat-room");
            assertThat(late.expect("client-typing").path("serial").asLong()).isEqualTo(serial);
            late.expect("switchboard:resumed");

            JsonNode page = get("/channels/presence-chat-room/events", Map.of());
            JsonNode event = page.path("events").get(0);
            assertThat(event.path("event").asText()).isEqualTo("client-typing");
            assertThat(event.path("data").asText()).isEqualTo("{\"on\":true}");
            assertThat(event.path("user_id").asText()).isEqualTo("alice");
            assertThat(event.path("serial").asLong()).isEqualTo(serial);
        }

        @Test
        void encryptedPayloadsAreStoredAndReplayedAsPublished() throws Exception {
            String channel = "private-encrypted-chat-e";
            RawClient live = client();
            live.subscribe(channel);
            Rest.trigger(Encryption.rest(server, APP), channel, "secret", Map.of("x", 1));
            JsonNode original = live.expect("secret", channel);
            long serial = original.path("serial").asLong();

            RawClient back = client();
            subscribe(back, channel, JSON.getNodeFactory().numberNode(serial - 1));
            JsonNode replayed = back.expect("secret", channel);
            assertThat(replayed).isEqualTo(original);
            JsonNode stored = get("/channels/" + channel + "/events", Map.of())
                    .path("events")
                    .get(0);
            assertThat(stored.path("data").asText())
                    .isEqualTo(original.path("data").asText());
            assertThat(JSON.readTree(stored.path("data").asText()).has("ciphertext"))
                    .isTrue();
        }

        @Test
        void restHistoryPagesNewestFirstAndOldestFirst() throws Exception {
            String channel = "chat-pages";
            for (int i = 1; i <= 7; i++) {
                Rest.trigger(rest, channel, "e" + i, Map.of("n", i));
            }
            String path = "/channels/" + channel + "/events";
            JsonNode newest = get(path, Map.of("limit", "3"));
            assertThat(names(newest)).containsExactly("e7", "e6", "e5");
            long e1 = newest.path("latest").asLong() - 6;
            assertThat(newest.path("earliest").asLong()).isEqualTo(e1);
            assertThat(newest.path("events").get(0).path("data").asText()).isEqualTo("{\"n\":7}");
            assertThat(newest.path("events").get(0).path("published_at").asLong())
                    .isGreaterThan(System.currentTimeMillis() - 600_000);
            JsonNode older =
                    get(path, Map.of("limit", "3", "before", newest.path("next").asText()));
            assertThat(names(older)).containsExactly("e4", "e3", "e2");
            JsonNode oldest =
                    get(path, Map.of("limit", "3", "before", older.path("next").asText()));
            assertThat(names(oldest)).containsExactly("e1");
            assertThat(oldest.path("next").isNull()).isTrue();

            JsonNode first = get(path, Map.of("limit", "3", "after", "0"));
            assertThat(names(first)).containsExactly("e1", "e2", "e3");
            assertThat(first.path("next").asText()).isEqualTo(Long.toString(e1 + 2));
            JsonNode second =
                    get(path, Map.of("limit", "3", "after", first.path("next").asText()));
            assertThat(names(second)).containsExactly("e4", "e5", "e6");
            JsonNode last =
                    get(path, Map.of("limit", "3", "after", second.path("next").asText()));
            assertThat(names(last)).containsExactly("e7");
            assertThat(last.path("next").isNull()).isTrue();
            assertThat(names(get(path, Map.of()))).hasSize(7);
        }

        @Test
        void restHistoryRefusesWhatItCannotAnswer() {
            assertThat(rest.get("/channels/news/events").getHttpStatus()).isEqualTo(404);
            assertThat(rest.get("/channels/news/events").getMessage()).contains("keeps no history");
            assertThat(rest.get("/channels/chat-x/events", Map.of("limit", "0")).getHttpStatus())
                    .isEqualTo(400);
            assertThat(rest.get("/channels/chat-x/events", Map.of("limit", "1001"))
                            .getHttpStatus())
                    .isEqualTo(400);
            assertThat(rest.get("/channels/chat-x/events", Map.of("before", "x"))
                            .getHttpStatus())
                    .isEqualTo(400);
            assertThat(rest.get("/channels/chat-x/events", Map.of("before", "5", "after", "1"))
                            .getHttpStatus())
                    .isEqualTo(400);
            assertThat(server.httpStatus("/apps/h/channels/chat-x/events"))
                    .as("unsigned")
                    .isEqualTo(401);
            Result empty = rest.get("/channels/chat-x/events");
            assertThat(empty.getHttpStatus()).isEqualTo(200);
            assertThat(empty.getMessage()).isEqualTo("{\"events\":[],\"earliest\":null,\"latest\":null,\"next\":null}");
        }

        @Test
        void stockJavaClientIgnoresTheSerialAndGetsTheRewind() {
            for (int i = 1; i <= 4; i++) {
                Rest.trigger(rest, "rewind-java", "e" + i, Map.of());
            }
            NodeClient java = NodeClient.connect(server, APP);
            open.add(java);
            java.subscribe("rewind-java");
            java.awaitNames("rewind-java", "e2", "e3", "e4");
            Rest.trigger(rest, "rewind-java", "e5", Map.of());
            java.awaitNames("rewind-java", "e2", "e3", "e4", "e5");
        }

        // --- helpers -------------------------------------------------------------------------------

        final AtomicInteger published = new AtomicInteger();
        final List<String> markers = new ArrayList<>();

        /** Publishes {@code count} events named {@code n<i>} on a thread of its own. */
        Thread publish(String channel, int count) {
            return Thread.ofPlatform().start(() -> {
                for (int i = 0; i < count; i++) {
                    Rest.trigger(rest, channel, "n" + i, Map.of());
                    published.incrementAndGet();
                }
            });
        }

        void awaitPublished(String channel, int count) {
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> published.get() >= count);
        }

        /** Serials of the channel's events up to the {@code end} fence published after {@code publisher}. */
        List<Long> untilEnd(RawClient c, String channel, Thread publisher) throws InterruptedException {
            publisher.join(60_000);
            Rest.trigger(rest, channel, "end", Map.of());
            List<Long> serials = new ArrayList<>();
            while (true) {
                JsonNode e = c.next();
                if (!channel.equals(e.path("channel").asText())) {
                    continue;
                }
                if (e.path("event").asText().startsWith("switchboard:")) {
                    markers.add(e.path("event").asText());
                    continue;
                }
                serials.add(e.path("serial").asLong());
                if (e.path("event").asText().equals("end")) {
                    return serials;
                }
            }
        }

        static void assertConsecutive(List<Long> serials) {
            for (int i = 1; i < serials.size(); i++) {
                assertThat(serials.get(i)).as("serial %d of %s", i, serials).isEqualTo(serials.get(i - 1) + 1);
            }
        }

        static void subscribe(RawClient c, String channel, JsonNode resumeAfter) {
            ObjectNode data = JSON.createObjectNode().put("channel", channel);
            if (channel.startsWith("private-")) {
                data.put("auth", c.auth(c.socketId() + ":" + channel));
            }
            data.set("resume_after", resumeAfter);
            c.send("pusher:subscribe", null, data);
            c.expectSubscribed(channel);
        }

        /** Subscribes to a public channel with {@code resume_after}; returns the succeeded frame. */
        static JsonNode resubscribe(RawClient c, String channel, long resumeAfter) {
            ObjectNode data = JSON.createObjectNode().put("channel", channel).put("resume_after", resumeAfter);
            c.send("pusher:subscribe", null, data);
            return c.expectSubscribed(channel);
        }

        JsonNode get(String path, Map<String, String> params) throws Exception {
            Result r = rest.get(path, params);
            assertThat(r.getHttpStatus()).as(r.getMessage()).isEqualTo(200);
            return JSON.readTree(r.getMessage());
        }

        static List<String> names(JsonNode page) {
            List<String> out = new ArrayList<>();
            page.path("events").forEach(e -> out.add(e.path("event").asText()));
            return out;
        }
    }
}
