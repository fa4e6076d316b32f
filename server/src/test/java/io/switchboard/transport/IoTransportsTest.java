package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.switchboard.app.App;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.SdkClient;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every {@code server.io} choice carries the protocol, the fan-out and the REST API alike. */
class IoTransportsTest {
    private final App app = TestApps.app("a");

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void clientsAndTheRestApiWorkOnEverySocketImplementation(String io) {
        assumeAvailable(io);
        try (TestServer server = TestServer.start(s -> TestSettings.io(s, io), app);
                SdkClient sdk = SdkClient.connect(server, app).subscribe("news");
                RawClient raw = RawClient.connect(server, app)) {
            raw.subscribe("news");
            // A plain WebSocket on epoll is driven on its socket; elsewhere it keeps its channel.
            WebSocketTransport transport = ServerSide.of(server, app, raw.socketId());
            assertThat(ServerSide.<Object>read(transport, transport::wire))
                    .isInstanceOf(io.equals("epoll") ? EpollWire.class : ChannelWire.class);
            Rest.trigger(server.rest(app), "news", "headline", Map.of("on", io));

            assertThat(sdk.awaitEvent("news", "headline").getData()).contains(io);
            raw.expect("headline", "news");
            raw.expectOnlyPong();
        }
    }

    /**
     * Connections of one loop share the sizing of the buffers they read into ({@link
     * LoopReceiveBuffers}): messages far larger and far smaller than the last guess, sent by
     * several connections in turn, each arrive whole.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void connectionsOfOneLoopReadWholeMessagesOfEverySize(String io) {
        assumeAvailable(io);
        try (TestServer server = TestServer.start(s -> TestSettings.io(s, io), app);
                RawClient big = RawClient.connect(server, app);
                RawClient small = RawClient.connect(server, app);
                RawClient reader = RawClient.connect(server, app)) {
            for (RawClient c : new RawClient[] {big, small, reader}) {
                c.subscribe("private-sizes");
            }
            String large = "x".repeat(9_000);
            for (int i = 0; i < 3; i++) {
                big.trigger("private-sizes", "client-large", "{\"n\":" + i + ",\"pad\":\"" + large + "\"}");
                small.trigger("private-sizes", "client-small", "{\"n\":" + i + "}");
                // Two senders: their events may arrive in either order, each whole.
                Map<String, String> received = new HashMap<>();
                for (int j = 0; j < 2; j++) {
                    JsonNode event = reader.next();
                    received.put(event.get("event").asText(), event.get("data").toString());
                }
                assertThat(received)
                        .containsExactlyInAnyOrderEntriesOf(Map.of(
                                "client-large", "{\"n\":" + i + ",\"pad\":\"" + large + "\"}",
                                "client-small", "{\"n\":" + i + "}"));
            }
        }
    }

    private static void assumeAvailable(String io) {
        assumeTrue(!io.equals("epoll") || Epoll.isAvailable(), "epoll is unavailable here");
        assumeTrue(!io.equals("io_uring") || IoUring.isAvailable(), "io_uring is unavailable here");
    }
}
