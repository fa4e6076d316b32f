package io.switchboard.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /apps/{id}/users/{user}/terminate_connections} (pusher-protocol.md §7.2). */
class TerminateConnectionsTest {
    private final App app = TestApps.app("a");
    private final App otherApp = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(app, otherApp);

    @Test
    void closesEveryConnectionOfTheUserWith4009AndNoOtherConnection() {
        try (RawClient phone = signedIn(app, "u1");
                RawClient laptop = signedIn(app, "u1");
                RawClient colleague = signedIn(app, "u2");
                RawClient anonymous = RawClient.connect(server, app);
                RawClient sameIdOtherApp = signedIn(otherApp, "u1")) {
            anonymous.subscribe("news");

            Rest.terminateUserConnections(server.rest(app), "u1");

            for (RawClient device : List.of(phone, laptop)) {
                assertThat(device.expectError().path("code").asInt()).isEqualTo(4009);
                assertThat(device.awaitCloseCode()).isEqualTo(4009);
            }
            colleague.expectOnlyPong();
            sameIdOtherApp.expectOnlyPong();
            Rest.trigger(server.rest(app), "news", "still-here", Map.of());
            anonymous.expect("still-here", "news");
        }
    }

    @Test
    void unknownUserIsANoOp() {
        try (RawClient client = signedIn(app, "u1")) {
            Rest.terminateUserConnections(server.rest(app), "nobody");

            client.expectOnlyPong();
        }
    }

    @Test
    void forgetsAUserWhoseConnectionsAllClosed() {
        signedIn(app, "u1").close();
        try (RawClient again = signedIn(app, "u1");
                RawClient colleague = signedIn(app, "u2")) {
            Rest.terminateUserConnections(server.rest(app), "u1");

            assertThat(again.expectError().path("code").asInt()).isEqualTo(4009);
            assertThat(again.awaitCloseCode()).isEqualTo(4009);
            colleague.expectOnlyPong();
        }
    }

    private RawClient signedIn(App target, String userId) {
        RawClient client = RawClient.connect(server, target);
        client.signin(userId);
        return client;
    }
}
