package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each per-app quota at its boundary, and one tenant at its limit leaving another untouched. */
class QuotasTest {
    private final App limited = TestApps.withLimits(TestApps.app("small"), l -> {
        l.maxConnections = 2;
        l.maxChannelsPerConnection = 2;
        l.restRequestsPerSecond = 3;
        return l;
    });
    private final App other = TestApps.app("other");

    @RegisterExtension
    final TestServer server = TestServer.start(limited, other);

    private final List<RawWebSocket> sockets = new ArrayList<>();

    @AfterEach
    void stop() {
        sockets.forEach(RawWebSocket::close);
    }

    @Test
    void connectionQuotaAllowsNAndRefusesTheNextWith4004() {
        open(limited).established();
        open(limited).established();
        RawWebSocket third = open(limited);
        assertThat(RawWebSocket.data(third.nextEvent()).path("code").asInt()).isEqualTo(4004);
        assertThat(third.awaitClose().closeCode()).isEqualTo(4004);
        // another tenant is unaffected
        assertThat(open(other).established()).matches("\\d+\\.\\d+");
    }

    @Test
    void aClosedConnectionGivesItsPlaceBack() {
        open(limited).established();
        RawWebSocket second = open(limited);
        second.established();
        second.close();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> server.server().connections().count("small") == 1);
        assertThat(open(limited).established()).matches("\\d+\\.\\d+");
    }

    @Test
    void channelsPerConnectionAllowsNAndRefusesTheNext() {
        RawWebSocket ws = open(limited);
        ws.established();
        ws.subscribe("one");
        ws.subscribe("two");
        ws.send("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"three\"}}");
        var error = ws.awaitEvent("pusher:subscription_error");
        assertThat(error.path("channel").asText()).isEqualTo("three");
        assertThat(RawWebSocket.data(error).path("type").asText()).isEqualTo("LimitReached");
        ws.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"one\"}}");
        assertThat(ws.subscribe("three").path("channel").asText()).isEqualTo("three");
    }

    @Test
    void restRequestsOverTheRateGet429WithAJsonErrorAndOtherAppsAreUnaffected() {
        var rest = server.rest(limited);
        int ok = 0;
        Result refused = null;
        for (int i = 0; i < 10 && refused == null; i++) {
            Result r = rest.trigger("c", "e", Map.of("i", i));
            if (r.getHttpStatus() == 200) {
                ok++;
            } else {
                refused = r;
            }
        }
        assertThat(ok).isBetween(3, 4); // 3 per second; a request may land in the next second
        assertThat(refused).isNotNull();
        assertThat(refused.getHttpStatus()).isEqualTo(429);
        assertThat(refused.getMessage()).contains("\"error\"").contains("3 REST requests per second");
        for (int i = 0; i < 10; i++) {
            assertThat(server.rest(other).trigger("c", "e", Map.of("i", i)).getHttpStatus())
                    .isEqualTo(200);
        }
    }

    private RawWebSocket open(App app) {
        RawWebSocket ws = server.raw(app);
        sockets.add(ws);
        return ws;
    }
}
