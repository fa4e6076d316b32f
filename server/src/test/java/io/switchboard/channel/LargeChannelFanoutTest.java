package io.switchboard.channel;

import com.pusher.rest.Pusher;
import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A channel with more subscribers than one flush slice (512 per event loop): every subscriber gets
 * every event, in order, while events keep arriving in the middle of a pass.
 */
class LargeChannelFanoutTest {
    private static final int SUBSCRIBERS = 1200;
    private static final int EVENTS = 30;

    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(s -> TestSettings.change(s, t -> t.ioThreads = 1), app);

    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(RawClient::close);
    }

    @Test
    void everySubscriberGetsEveryEventInOrder() {
        for (int i = 0; i < SUBSCRIBERS; i++) {
            RawClient c = RawClient.connect(server, app);
            clients.add(c);
            c.subscribe("big");
        }
        RawClient small = RawClient.connect(server, app);
        clients.add(small);
        small.subscribe("small");

        Pusher rest = server.rest(app);
        for (int e = 0; e < EVENTS; e++) {
            Rest.trigger(rest, "big", "e" + e, Map.of("n", e));
            Rest.trigger(rest, "small", "s" + e, Map.of("n", e));
        }

        for (RawClient c : clients.subList(0, SUBSCRIBERS)) {
            for (int e = 0; e < EVENTS; e++) {
                c.expect("e" + e, "big");
            }
        }
        for (int e = 0; e < EVENTS; e++) {
            small.expect("s" + e, "small");
        }
    }
}
