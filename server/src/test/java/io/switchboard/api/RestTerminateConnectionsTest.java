package io.switchboard.api;

import static io.switchboard.api.RestFixtures.assertNextEvent;
import static io.switchboard.api.RestFixtures.assertSuccess;
import static io.switchboard.api.RestFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.pusher.rest.Pusher;
import io.switchboard.api.RestFixtures.Client;
import io.switchboard.api.RestFixtures.Clients;
import io.switchboard.app.App;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /apps/{id}/users/{user_id}/terminate_connections} (pusher-protocol.md §7.2). */
class RestTerminateConnectionsTest {
    private final App app = TestApps.app("a");
    private final App otherApp = TestApps.app("b");

    @RegisterExtension
    final TestServer server = TestServer.start(app, otherApp);

    private final Pusher rest = server.rest(app);
    private final Pusher otherRest = server.rest(otherApp);
    private final Clients clients = new Clients(server, app);
    private final Clients otherClients = new Clients(server, otherApp);

    @AfterEach
    void stop() throws Exception {
        clients.close();
        otherClients.close();
        rest.close();
        otherRest.close();
    }

    @Test
    void closesEveryConnectionSignedInAsTheUserWith4009() {
        Client first = clients.signedIn("user-1");
        Client second = clients.signedIn("user-1");
        first.ws().subscribe("news");

        assertThat(assertSuccess(rest.post("/users/user-1/terminate_connections", "{}")))
                .isEqualTo(json("{}"));

        for (Client c : new Client[] {first, second}) {
            RawWebSocket.Frame close = c.ws().awaitClose();
            assertThat(close.closeCode()).isEqualTo(4009);
        }
    }

    @Test
    void leavesOtherUsersAnonymousConnectionsAndOtherAppsUntouched() {
        Client target = clients.signedIn("user-1");
        Client otherUser = clients.signedIn("user-2");
        Client anonymous = clients.subscriber();
        Client sameIdOtherApp = otherClients.signedIn("user-1");
        for (Client c : new Client[] {otherUser, anonymous}) {
            c.ws().subscribe("news");
        }
        sameIdOtherApp.ws().subscribe("news");

        assertSuccess(rest.post("/users/user-1/terminate_connections", "{}"));
        assertThat(target.ws().awaitClose().closeCode()).isEqualTo(4009);

        assertSuccess(rest.trigger("news", "still-here", "x"));
        assertNextEvent(otherUser.ws(), "still-here", "news");
        assertNextEvent(anonymous.ws(), "still-here", "news");
        assertSuccess(otherRest.trigger("news", "still-here", "x"));
        assertNextEvent(sameIdOtherApp.ws(), "still-here", "news");
    }

    @Test
    void answersEmptyObjectForAUserWithNoConnections() {
        assertThat(assertSuccess(rest.post("/users/nobody/terminate_connections", "{}")))
                .isEqualTo(json("{}"));
    }
}
