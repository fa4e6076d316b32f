package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.app.App;
import io.switchboard.testing.NodeSdk;
import io.switchboard.testing.Rest;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The history endpoint through the official Node.js server SDK's generic {@code get}: its signing
 * of a GET with query parameters is accepted and pages follow {@code next}.
 */
class ChannelHistoryRestSdkTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final App app = TestApps.withHistory(TestApps.app("a"), TestApps.history("chat-*", 100, 0));
    private final TestServer server = TestServer.start(app);

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theNodeSdkPagesThroughAChannelsHistory() throws Exception {
        for (int i = 1; i <= 5; i++) {
            Rest.trigger(server.rest(app), "chat-node", "e" + i, Map.of("n", i));
        }
        String out = NodeSdk.run("""
                const Pusher = require('pusher');
                const pusher = new Pusher({appId: '%s', key: '%s', secret: '%s',
                    host: '127.0.0.1', port: '%d', useTLS: false});
                (async () => {
                  const path = '/channels/chat-node/events';
                  const first = await (await pusher.get({path, params: {limit: 3}})).json();
                  console.log(JSON.stringify(first));
                  const second = await (await pusher.get({path, params: {limit: 3, before: first.next}})).json();
                  console.log(JSON.stringify(second));
                  const forward = await (await pusher.get({path, params: {after: 0, limit: 2}})).json();
                  console.log(JSON.stringify(forward));
                  try {
                    await pusher.get({path: '/channels/news/events'});
                  } catch (e) {
                    console.log(e.status);
                  }
                })().catch(e => { console.error(e); process.exit(1); });
                """.formatted(app.id(), app.key(), app.secret(), server.port()));
        String[] lines = out.strip().split("\n");
        assertThat(lines).as(out).hasSize(4);
        assertThat(names(JSON.readTree(lines[0]))).containsExactly("e5", "e4", "e3");
        assertThat(names(JSON.readTree(lines[1]))).containsExactly("e2", "e1");
        assertThat(JSON.readTree(lines[1]).path("next").isNull()).isTrue();
        assertThat(names(JSON.readTree(lines[2]))).containsExactly("e1", "e2");
        assertThat(JSON.readTree(lines[0]).path("events").get(0).path("data").asText())
                .isEqualTo("{\"n\":5}");
        assertThat(lines[3]).as("no history rule names the channel").isEqualTo("404");
    }

    private static List<String> names(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.path("events").forEach(e -> out.add(e.path("event").asText()));
        return out;
    }
}
