package io.switchboard.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Apps share a server but never a channel, a member list or credentials. */
class AppIsolationTest {
    private final App a = TestApps.app("a");
    private final App b = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(a, b);

    @Test
    void restEventsStayInTheirApp() {
        try (RawClient inA = RawClient.connect(server, a);
                RawClient inB = RawClient.connect(server, b)) {
            inA.subscribe("news");
            inB.subscribe("news");

            Rest.trigger(server.rest(a), "news", "for-a", Map.of());
            Rest.trigger(server.rest(b), "news", "for-b", Map.of());

            inA.expect("for-a", "news");
            inB.expect("for-b", "news");
            inA.expectOnlyPong();
        }
    }

    @Test
    void clientEventsStayInTheirApp() {
        try (RawClient sender = RawClient.connect(server, a);
                RawClient inA = RawClient.connect(server, a);
                RawClient inB = RawClient.connect(server, b)) {
            sender.subscribe("private-chat");
            inA.subscribe("private-chat");
            inB.subscribe("private-chat");

            sender.trigger("private-chat", "client-hello", "{}");

            inA.expect("client-hello", "private-chat");
            Rest.trigger(server.rest(b), "private-chat", "fence", Map.of());
            inB.expect("fence", "private-chat");
        }
    }

    @Test
    void presenceMembersAreCountedPerApp() {
        try (RawClient inA = RawClient.connect(server, a);
                RawClient inB = RawClient.connect(server, b)) {
            inA.joinAs("presence-room", "ann");

            JsonNode presence = inB.joinAs("presence-room", "bob");

            assertThat(presence.path("count").asInt()).isEqualTo(1);
            assertThat(presence.path("hash").has("ann")).isFalse();
            inA.expectOnlyPong();
        }
    }

    @Test
    void channelAuthSignedWithAnotherAppsSecretIsRefused() {
        try (RawClient inB = RawClient.connect(server, b)) {
            String toSign = inB.socketId() + ":private-chat";

            inB.sendSubscribe("private-chat", a.key() + ":" + TestAuth.hmac(a.secret(), toSign), null);

            assertThat(inB.expectError().path("message").asText()).startsWith("Invalid signature");
            assertThat(inB.expectSubscriptionError("private-chat")
                            .path("status")
                            .asInt())
                    .isEqualTo(401);
        }
    }

    @Test
    void oneAppsCredentialsCannotPublishToAnother() {
        try (RawClient inB = RawClient.connect(server, b)) {
            inB.subscribe("news");
            Pusher impostor = new Pusher(
                    "http://" + a.key() + ":" + a.secret() + "@127.0.0.1:" + server.port() + "/apps/" + b.id());

            Result result = impostor.trigger("news", "forged", Map.of());

            assertThat(result.getStatus()).isNotEqualTo(Result.Status.SUCCESS);
            assertThat(result.getHttpStatus()).isIn(401, 404);
            Rest.trigger(server.rest(b), "news", "genuine", Map.of());
            inB.expect("genuine", "news");
        }
    }

    @Test
    void unknownAppIdIsRefused() {
        Pusher lost = new Pusher("http://" + a.key() + ":" + a.secret() + "@127.0.0.1:" + server.port() + "/apps/zz");

        Result result = lost.trigger("news", "lost", Map.of());

        assertThat(result.getHttpStatus()).isEqualTo(404);
    }
}
