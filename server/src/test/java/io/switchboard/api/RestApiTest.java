package io.switchboard.api;

import com.pusher.rest.Pusher;
import io.switchboard.app.App;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What every REST suite starts from: a server with app {@code a}, the official server SDK for it,
 * a signing HTTP client for requests the SDK cannot send, and raw WebSocket clients.
 */
abstract class RestApiTest {
    protected final App app = TestApps.app("a");

    @RegisterExtension
    protected final TestServer server = TestServer.start(app);

    protected final Pusher rest = server.rest(app);
    protected final SignedHttp http = SignedHttp.to(server, app);
    protected final RestFixtures.Clients clients = new RestFixtures.Clients(server, app);

    @AfterEach
    void stop() throws Exception {
        clients.close();
        rest.close();
    }
}
