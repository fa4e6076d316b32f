package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.channel.User;
import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Presence channels (pusher-protocol.md §2.2, §3, §4.2). */
class PresenceChannelTest {
    private static final String ROOM = "presence-room";

    private final App app = TestApps.app("a");
    private final App small = TestApps.withLimits(TestApps.app("small"), l -> {
        l.maxPresenceMembers = 2;
        return l;
    });

    @RegisterExtension
    final TestServer server = TestServer.start(app, small);

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(RawClient::close);
    }

    @Test
    void subscriptionSucceededListsIdsHashAndCountIncludingSelf() {
        connect().joinAs(ROOM, "u1");

        JsonNode presence = connect().joinAs(ROOM, "u2");

        assertThat(ids(presence)).containsExactlyInAnyOrder("u1", "u2");
        assertThat(presence.path("hash").path("u1").path("name").asText()).isEqualTo("u1");
        assertThat(presence.path("hash").path("u2").path("name").asText()).isEqualTo("u2");
        assertThat(presence.path("count").asInt()).isEqualTo(2);
    }

    @Test
    void memberWithoutUserInfoMapsToNull() {
        JsonNode presence = connect().join(ROOM, "{\"user_id\":\"u1\"}");

        assertThat(presence.path("hash").has("u1")).isTrue();
        assertThat(presence.path("hash").get("u1").isNull()).isTrue();
    }

    @Test
    void userWithManySocketsIsOneMember() {
        connect().joinAs(ROOM, "u1");
        connect().joinAs(ROOM, "u1");

        JsonNode presence = connect().joinAs(ROOM, "u2");

        assertThat(ids(presence)).containsExactlyInAnyOrder("u1", "u2");
        assertThat(presence.path("count").asInt()).isEqualTo(2);
    }

    @Test
    void memberAddedGoesToOthersOnTheUsersFirstConnectionOnly() {
        RawClient watcher = connect();
        watcher.joinAs(ROOM, "u0");

        RawClient first = connect();
        first.joinAs(ROOM, "u1");
        JsonNode added = RawWebSocket.data(watcher.expect("pusher_internal:member_added", ROOM));
        assertThat(added.path("user_id").asText()).isEqualTo("u1");
        assertThat(added.path("user_info").path("name").asText()).isEqualTo("u1");
        fence();
        first.expect("fence", ROOM);
        watcher.expect("fence", ROOM);

        connect().joinAs(ROOM, "u1");
        fence();
        watcher.expect("fence", ROOM);
    }

    @Test
    void memberRemovedOnlyWhenTheLastConnectionUnsubscribes() {
        RawClient watcher = connect();
        watcher.joinAs(ROOM, "u0");
        RawClient first = connect();
        first.joinAs(ROOM, "u1");
        RawClient second = connect();
        second.joinAs(ROOM, "u1");
        watcher.expect("pusher_internal:member_added", ROOM);

        first.unsubscribe(ROOM);
        first.expectOnlyPong();
        fence();
        watcher.expect("fence", ROOM);

        second.unsubscribe(ROOM);
        JsonNode removed = RawWebSocket.data(watcher.expect("pusher_internal:member_removed", ROOM));
        assertThat(removed.path("user_id").asText()).isEqualTo("u1");
    }

    @Test
    void memberRemovedOnlyWhenTheLastConnectionDisconnects() {
        RawClient watcher = connect();
        watcher.joinAs(ROOM, "u0");
        RawClient first = connect();
        first.joinAs(ROOM, "u1");
        RawClient second = connect();
        second.joinAs(ROOM, "u1");
        watcher.expect("pusher_internal:member_added", ROOM);

        first.close();
        awaitSubscriptionCount(2);
        fence();
        watcher.expect("fence", ROOM);

        second.close();
        JsonNode removed = RawWebSocket.data(watcher.expect("pusher_internal:member_removed", ROOM));
        assertThat(removed.path("user_id").asText()).isEqualTo("u1");
    }

    @Test
    void numericUserIdBecomesAString() {
        RawClient watcher = connect();
        watcher.joinAs(ROOM, "u0");

        JsonNode presence = connect().join(ROOM, "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Pusher\"}}");

        assertThat(presence.path("ids").get(0).isTextual()
                        && presence.path("ids").get(1).isTextual())
                .isTrue();
        assertThat(ids(presence)).containsExactlyInAnyOrder("u0", "10");
        assertThat(presence.path("hash").path("10").path("name").asText()).isEqualTo("Mr. Pusher");
        JsonNode added = RawWebSocket.data(watcher.expect("pusher_internal:member_added", ROOM));
        assertThat(added.get("user_id").isTextual()).isTrue();
        assertThat(added.get("user_id").asText()).isEqualTo("10");
    }

    @Test
    void userInfoOverOneKilobyteIsRefused() {
        RawClient client = connect();

        client.sendJoin(ROOM, "{\"user_id\":\"u1\",\"user_info\":{\"bio\":\"" + "x".repeat(1100) + "\"}}");

        assertThat(client.expectError().get("code").isNull()).isTrue();
        assertThat(client.expectSubscriptionError(ROOM).path("status").asInt()).isEqualTo(400);
        client.expectOnlyPong();
    }

    @Test
    void userIdOver128CharactersIsRefused() {
        RawClient client = connect();

        client.sendJoin(ROOM, RawClient.channelData("u".repeat(129)));

        client.expectError();
        assertThat(client.expectSubscriptionError(ROOM).path("status").asInt()).isEqualTo(400);
        client.joinAs(ROOM, "u".repeat(128));
    }

    @Test
    void fullChannelRefusesANewUserButAcceptsAnotherSocketOfAMember() {
        connect(small).joinAs(ROOM, "u1");
        connect(small).joinAs(ROOM, "u2");
        RawClient third = connect(small);

        third.sendJoin(ROOM, RawClient.channelData("u3"));

        third.expectError();
        JsonNode error = third.expectSubscriptionError(ROOM);
        assertThat(error.path("type").asText()).isEqualTo("LimitReached");
        assertThat(error.path("status").asInt()).isEqualTo(4100);
        third.expectOnlyPong();
        JsonNode presence = connect(small).joinAs(ROOM, "u1");
        assertThat(presence.path("count").asInt()).isEqualTo(2);
    }

    @Test
    void signedInConnectionJoinsWithoutChannelDataAsItsUser() {
        RawClient client = connect();
        client.sendSignin("{\"id\":\"u1\",\"user_info\":{\"name\":\"Ann\"}}").expect("pusher:signin_success");

        client.sendSubscribe(ROOM, client.auth(client.socketId() + ":" + ROOM), null);

        JsonNode presence = RawWebSocket.data(client.expectSubscribed(ROOM)).path("presence");
        assertThat(ids(presence)).containsExactly("u1");
        assertThat(presence.path("hash").path("u1").path("name").asText()).isEqualTo("Ann");
    }

    @Test
    void joiningWithoutChannelDataNeedsASignedInConnection() {
        RawClient client = connect();

        client.sendSubscribe(ROOM, client.auth(client.socketId() + ":" + ROOM), null);

        client.expectError();
        assertThat(client.expectSubscriptionError(ROOM).path("type").asText()).isEqualTo("AuthError");
    }

    @Test
    void javaClientSeesItselfAndLaterMembers() {
        try (SdkClient ann = SdkClient.connect(server, app, TestAuth.of(server, app, "ann"));
                SdkClient bob = SdkClient.connect(server, app, TestAuth.of(server, app, "bob"))) {
            ann.subscribe(ROOM);
            assertThat(ann.members(ROOM)).extracting(User::getId).containsExactly("ann");

            bob.subscribe(ROOM);

            assertThat(bob.members(ROOM)).extracting(User::getId).containsExactlyInAnyOrder("ann", "bob");
            assertThat(bob.members(ROOM).stream()
                            .filter(u -> u.getId().equals("ann"))
                            .findFirst()
                            .orElseThrow()
                            .getInfo())
                    .isEqualTo("{\"name\":\"user ann\"}");
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(ann.members(ROOM))
                            .extracting(User::getId)
                            .contains("bob"));
        }
    }

    private RawClient connect() {
        return connect(app);
    }

    private RawClient connect(App target) {
        RawClient client = RawClient.connect(server, target);
        clients.add(client);
        return client;
    }

    /** A REST event every subscriber gets after anything the server queued for it before. */
    private void fence() {
        Rest.trigger(server.rest(app), ROOM, "fence", Map.of());
    }

    private void awaitSubscriptionCount(int count) {
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(server.rest(app)
                                .get("/channels/" + ROOM, Map.of("info", "subscription_count"))
                                .getMessage())
                        .contains("\"subscription_count\":" + count));
    }

    private static List<String> ids(JsonNode presence) {
        List<String> ids = new ArrayList<>();
        presence.path("ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }
}
