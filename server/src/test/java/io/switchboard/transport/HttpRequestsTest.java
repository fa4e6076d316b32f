package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.app.App;
import io.switchboard.testing.RawHttp;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How the server reads HTTP requests a client may send however it likes: against a real server. */
class HttpRequestsTest {
    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(app);

    @Test
    void aHeadRequestIsAnsweredWithoutABodyAndTheConnectionServesTheNext() {
        try (RawHttp connection = RawHttp.raw(server.port(), "HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            assertThat(connection.status()).isEqualTo(200);
            assertThat(Integer.parseInt(connection.header("content-length"))).isPositive();
            connection.next().send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            // Had the HEAD answer carried a body, it would be read here as the next status line.
            assertThat(connection.status()).isEqualTo(200);
            assertThat(connection.readToEnd()).contains("\"status\":\"ok\"");
        }
    }

    @Test
    void aTriggerWithAChunkedBodyIsPublished() {
        RawWebSocket subscriber = server.raw(app);
        subscriber.established();
        subscriber.subscribe("news");
        String body = "{\"name\":\"chunked\",\"channel\":\"news\",\"data\":\"in two pieces\"}";
        String path = SignedHttp.to(server, app).post("/events", body).pathAndQuery();
        String first = body.substring(0, 20);
        String second = body.substring(20);
        try (RawHttp connection = RawHttp.raw(
                server.port(),
                "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(first.length()) + "\r\n" + first + "\r\n")) {
            assertThat(connection.silentFor(Duration.ofMillis(200)))
                    .as("no answer before the body has ended")
                    .isTrue();
            connection.send(Integer.toHexString(second.length()) + ";ext=1\r\n" + second + "\r\n0\r\n\r\n");
            assertThat(connection.status()).isEqualTo(200);
        }
        JsonNode event = subscriber.awaitEvent("chunked");
        assertThat(event.path("data").asText()).isEqualTo("in two pieces");
        subscriber.close();
    }

    @Test
    void anAnswerQuotesALongPathCutShort() {
        String name = "p".repeat(4000);
        for (String path : new String[] {"/" + name, "/apps/" + name + "/events", "/app/" + name}) {
            try (RawHttp connection =
                    RawHttp.raw(server.port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
                assertThat(connection.status()).isIn(400, 404);
                assertThat(connection.readToEnd()).hasSizeLessThan(200).contains("p".repeat(50) + "\u2026");
            }
        }
    }

    @Test
    void aRequestThatCannotBeReadIsAnsweredWithItsReasonAndTheConnectionClosed() {
        String[][] cases = {
            {"GET /health HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
            {"GET /health HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "501"},
            {"GET /health HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", "417"},
            {"GET /health HTTP/3.0\r\n\r\n", "505"},
            {"GET /" + "a".repeat(HttpRequestReader.MAX_REQUEST_LINE + 1), "414"},
            {"GET /health HTTP/1.1\r\nX: " + "a".repeat(HttpRequestReader.MAX_HEAD) + "\r\n\r\n", "431"},
        };
        for (String[] c : cases) {
            try (RawHttp connection = RawHttp.raw(server.port(), c[0])) {
                assertThat(connection.status())
                        .as(c[0].substring(0, Math.min(40, c[0].length())))
                        .isEqualTo(Integer.parseInt(c[1]));
                assertThat(connection.header("connection")).isEqualTo("close");
                assertThat(connection.readToEnd()).contains("\"error\"");
                assertThat(connection.closedWithin(Duration.ofSeconds(5))).isTrue();
            }
        }
        assertThat(server.httpStatus("/health")).isEqualTo(200);
    }
}
