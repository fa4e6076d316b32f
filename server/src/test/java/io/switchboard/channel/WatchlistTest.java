package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WatchlistTest {
    private final App app = TestApps.withLimits(TestApps.app("a"), l -> {
        l.maxWatchlistSize = 3;
        return l;
    });

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    /**
     * Each transition is read as the watcher's very next frame, and every "nothing here" is fenced
     * by a later transition the watcher must see first: a wrong {@code offline} sent when a user's
     * first connection closed would arrive before the fence.
     */
    @Test
    void watcherLearnsCurrentStatusThenOnlineAndOfflineTransitionsOnce() {
        RawWebSocket bob = signIn("bob", "[]");
        try (RawWebSocket ann = signIn("ann", "[\"bob\",\"carl\",\"dave\"]")) {
            assertThat(watchlist(ann.nextEvent())).containsExactly("online:bob", "offline:carl", "offline:dave");

            RawWebSocket carl1 = signIn("carl", "[]");
            assertThat(watchlist(ann.nextEvent())).containsExactly("online:carl");
            RawWebSocket carl2 = signIn("carl", "[]"); // a second connection: no new transition
            carl1.close();
            awaitGone(carl1);
            RawWebSocket dave = signIn("dave", "[]");
            assertThat(watchlist(ann.nextEvent()))
                    .as("carl is still online: the first transition after carl1 left is dave's")
                    .containsExactly("online:dave");

            carl2.close(); // the last one
            assertThat(watchlist(ann.nextEvent())).containsExactly("offline:carl");
            RawWebSocket carl3 = signIn("carl", "[]");
            assertThat(watchlist(ann.nextEvent()))
                    .as("one offline for carl, then back online")
                    .containsExactly("online:carl");
            carl3.close();
            dave.close();
        } finally {
            bob.close();
        }
    }

    /** Waits until the server has cleaned up after {@code ws}'s connection. */
    private void awaitGone(RawWebSocket ws) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.server().connections().all().stream()
                        .noneMatch(c -> c.socketId().equals(ws.socketId())));
    }

    @Test
    void watchlistOverTheLimitKeepsTheFirstIdsAndSays4302WithoutClosing() {
        try (RawWebSocket ann = server.raw(app)) {
            String socketId = ann.established();
            signin(ann, socketId, "ann", "[\"u1\",\"u2\",\"u3\",\"u4\"]");
            ann.awaitEvent("pusher:signin_success");
            JsonNode error = ann.awaitEvent("pusher:error");
            assertThat(RawWebSocket.data(error).path("code").asInt()).isEqualTo(4302);
            assertThat(watchlist(ann.awaitEvent("pusher_internal:watchlist_events")))
                    .containsExactly("offline:u1", "offline:u2", "offline:u3");
            ann.send("{\"event\":\"pusher:ping\",\"data\":{}}");
            assertThat(ann.awaitEvent("pusher:pong")).isNotNull();
        }
    }

    private RawWebSocket signIn(String user, String watchlist) {
        RawWebSocket ws = server.raw(app);
        String socketId = ws.established();
        signin(ws, socketId, user, watchlist);
        ws.awaitEvent("pusher:signin_success");
        return ws;
    }

    private void signin(RawWebSocket ws, String socketId, String user, String watchlist) {
        String userData = "{\"id\":\"" + user + "\",\"watchlist\":" + watchlist + "}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), socketId + "::user::" + userData);
        ws.send("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"" + auth + "\",\"user_data\":" + quote(userData)
                + "}}");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\\\"") + "\"";
    }

    /** "online:bob"-style entries of a watchlist_events frame. */
    private static List<String> watchlist(JsonNode frame) {
        assertThat(frame.has("channel")).isFalse();
        List<String> out = new ArrayList<>();
        for (JsonNode e : RawWebSocket.data(frame).path("events")) {
            for (JsonNode id : e.path("user_ids")) {
                out.add(e.path("name").asText() + ":" + id.asText());
            }
        }
        return out;
    }
}
