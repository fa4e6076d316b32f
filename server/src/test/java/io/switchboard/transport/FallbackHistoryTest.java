package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.app.App;
import io.switchboard.testing.FallbackClient;
import io.switchboard.testing.RawClient;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Resume and rewind over xhr_streaming and xhr_polling: the same connection logic as WebSocket. */
class FallbackHistoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final App app = TestApps.withHistory(TestApps.app("a"), TestApps.history("chat-*", 50, 1));
    private final TestServer server = TestServer.start(app);

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void resumeAndRewindWorkOverHttpFallbacks(boolean streaming) throws Exception {
        long seen;
        try (RawClient live = RawClient.connect(server, app)) {
            live.subscribe("chat-http");
            Rest.trigger(server.rest(app), "chat-http", "seen", Map.of());
            seen = live.expect("seen").path("serial").asLong();
        }
        Rest.trigger(server.rest(app), "chat-http", "missed", Map.of("n", 1));

        try (FallbackClient client = streaming
                ? FallbackClient.streaming(server.port(), app.key())
                : FallbackClient.polling(server.port(), app.key())) {
            client.established();
            client.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"chat-http\",\"resume_after\":" + seen
                    + "}}");
            assertThat(client.nextEvent().path("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
            JsonNode missed = client.nextEvent();
            assertThat(missed.path("event").asText()).isEqualTo("missed");
            assertThat(missed.path("serial").asLong()).isEqualTo(seen + 1);
            assertThat(missed.path("data").asText()).isEqualTo("{\"n\":1}");
            JsonNode marker = client.nextEvent();
            assertThat(marker.path("event").asText()).isEqualTo("switchboard:resumed");
            assertThat(JSON.readTree(marker.path("data").asText())
                            .path("replayed")
                            .asInt())
                    .isEqualTo(1);
            Rest.trigger(server.rest(app), "chat-http", "live", Map.of());
            assertThat(client.nextEvent().path("serial").asLong()).isEqualTo(seen + 2);

            client.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"chat-other\"}}");
            assertThat(client.nextEvent().path("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
        }
        try (FallbackClient rewound = streaming
                ? FallbackClient.streaming(server.port(), app.key())
                : FallbackClient.polling(server.port(), app.key())) {
            rewound.established();
            rewound.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"chat-http\"}}");
            assertThat(rewound.nextEvent().path("event").asText()).isEqualTo("pusher_internal:subscription_succeeded");
            JsonNode last = rewound.nextEvent();
            assertThat(last.path("event").asText()).as("rewind: 1").isEqualTo("live");
            assertThat(last.path("serial").asLong()).isEqualTo(seen + 2);
        }
    }
}
