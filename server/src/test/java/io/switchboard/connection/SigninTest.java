package io.switchboard.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.Rest;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** User sign-in and {@code #server-to-user-{id}} (pusher-protocol.md §4.4, §4.5). */
class SigninTest {
    private final App app = TestApps.app("a");
    private final App strict = TestApps.requiringSignin(TestApps.app("strict"), 1);
    private final App shortIds = TestApps.withLimits(TestApps.app("short"), l -> {
        l.maxUserIdLength = 8;
        return l;
    });

    @RegisterExtension
    final TestServer server = TestServer.start(app, strict, shortIds);

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(RawClient::close);
    }

    @Test
    void signinSuccessEchoesTheUserDataStringAsSigned() {
        RawClient client = connect(app);
        String userData = "{ \"id\": \"u1\", \"user_info\": {\"name\": \"Ann\"} }";

        client.sendSignin(userData);

        JsonNode success = client.expect("pusher:signin_success");
        assertThat(success.get("data").isTextual()).isTrue();
        assertThat(RawWebSocket.data(success).path("user_data").asText()).isEqualTo(userData);
    }

    @Test
    void badSignatureClosesWith4009() {
        RawClient client = connect(app);

        client.sendSignin("{\"id\":\"u1\"}", client.auth(client.socketId() + "::user::{\"id\":\"u2\"}"));

        assertThat(client.expectError().path("code").asInt()).isEqualTo(4009);
        assertThat(client.awaitCloseCode()).isEqualTo(4009);
    }

    @Test
    void signingInAgainAsTheSameUserIsAllowed() {
        RawClient client = connect(app);
        client.signin("u1");

        client.signin("u1");

        client.expectOnlyPong();
    }

    @Test
    void signingInAsAnotherUserClosesWith4009() {
        RawClient client = connect(app);
        client.signin("u1");

        client.sendSignin("{\"id\":\"u2\"}");

        assertThat(client.expectError().path("code").asInt()).isEqualTo(4009);
        assertThat(client.awaitCloseCode()).isEqualTo(4009);
    }

    @Test
    void aUserIdLongerThanMaxUserIdLengthClosesWith4009() {
        RawClient atLimit = connect(shortIds);
        atLimit.signin("u2345678");
        RawClient over = connect(shortIds);

        over.sendSignin("{\"id\":\"u23456789\"}");

        JsonNode error = over.expectError();
        assertThat(error.path("code").asInt()).isEqualTo(4009);
        assertThat(error.path("message").asText()).isEqualTo("User id is longer than 8 characters");
        assertThat(over.awaitCloseCode()).isEqualTo(4009);
        atLimit.expectOnlyPong();
    }

    @Test
    void serverToUserChannelNeedsTheMatchingSignin() {
        RawClient anonymous = connect(app);
        RawClient other = connect(app);
        other.signin("u2");
        RawClient owner = connect(app);
        owner.signin("u1");

        for (RawClient refused : List.of(anonymous, other)) {
            refused.sendSubscribe("#server-to-user-u1");
            refused.expectError();
            refused.expectSubscriptionError("#server-to-user-u1");
            refused.expectOnlyPong();
        }
        owner.subscribe("#server-to-user-u1");
    }

    @Test
    void restEventsForAUserReachEveryConnectionOfThatUserOnly() {
        RawClient phone = signedInToUserChannel("u1");
        RawClient laptop = signedInToUserChannel("u1");
        RawClient stranger = signedInToUserChannel("u2");

        Rest.sendToUser(server.rest(app), "u1", "notice", "{\"text\":\"hi\"}");

        for (RawClient device : List.of(phone, laptop)) {
            JsonNode event = device.expect("notice", "#server-to-user-u1");
            assertThat(RawWebSocket.data(event).path("text").asText()).isEqualTo("hi");
        }
        Rest.sendToUser(server.rest(app), "u2", "fence", "{}");
        stranger.expect("fence", "#server-to-user-u2");
    }

    @Test
    void javaClientSignsInAndReceivesEventsSentToItsUser() {
        try (SdkClient client = SdkClient.connect(server, app, TestAuth.of(server, app, "u1"))) {
            client.signin("u1");

            Rest.sendToUser(server.rest(app), "u1", "notice", "{\"text\":\"hi\"}");

            assertThat(client.awaitEvent("#server-to-user-u1", "notice").getData())
                    .isEqualTo("{\"text\":\"hi\"}");
        }
    }

    @Test
    void appRequiringSigninClosesUnsignedConnectionsAfterTheTimeout() {
        RawClient signedIn = connect(strict);
        signedIn.signin("u1");
        RawClient unsigned = connect(strict);

        assertThat(unsigned.expectError().path("code").asInt()).isEqualTo(4009);
        assertThat(unsigned.awaitCloseCode()).isEqualTo(4009);
        // The signed-in connection opened first, so its deadline has passed too.
        signedIn.expectOnlyPong();
    }

    private RawClient connect(App target) {
        RawClient client = RawClient.connect(server, target);
        clients.add(client);
        return client;
    }

    private RawClient signedInToUserChannel(String userId) {
        RawClient client = connect(app);
        client.signin(userId);
        client.subscribe("#server-to-user-" + userId);
        return client;
    }
}
