package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.app.App;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link NodeClient} reports what went wrong at once instead of waiting out its deadline. */
class NodeClientTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @Test
    void aRefusedConnectionFailsWithTheServersError() {
        App unknown = TestApps.app("unknown");
        long start = System.nanoTime();
        assertThatThrownBy(() -> NodeClient.connect(server.port(), unknown, "u1"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("connection failed")
                .hasMessageContaining("4001");
        assertThat(System.nanoTime() - start).isLessThan(NodeClient.WAIT.toNanos() / 2);
    }

    @Test
    void aRefusedSubscriptionFailsWithTheServersError() {
        App wrongSecret = new App(
                app.id(),
                app.key(),
                "not-the-secret",
                app.name(),
                app.enabled(),
                app.clientEvents(),
                app.userAuthentication(),
                app.signinTimeoutSeconds(),
                app.requireTls(),
                app.subscriptionCountEvents(),
                app.limits(),
                app.webhooks());
        try (NodeClient client = NodeClient.connect(server.port(), wrongSecret, "u1")) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.subscribePrivate("private-room"))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("subscription to private-room failed");
            assertThat(System.nanoTime() - start).isLessThan(NodeClient.WAIT.toNanos() / 2);
        }
    }
}
