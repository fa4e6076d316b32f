package io.switchboard.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.pusher.rest.data.Result;
import io.switchboard.app.App;
import io.switchboard.testing.RawWebSocket;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TerminateUserConnectionsTest {
    private final App app = TestApps.app("a");
    private final TestServer server = TestServer.start(app);

    @AfterEach
    void stop() {
        server.close();
    }

    private RawWebSocket signedIn(String userId) {
        RawWebSocket ws = server.raw(app);
        String socketId = ws.established();
        String userData = "{\"id\":\"" + userId + "\"}";
        String auth = app.key() + ":" + TestAuth.hmac(app.secret(), socketId + "::user::" + userData);
        ws.send("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"" + auth + "\",\"user_data\":" + "\""
                + userData.replace("\"", "\\\"") + "\"}}");
        ws.awaitEvent("pusher:signin_success");
        return ws;
    }

    @Test
    void closesEveryConnectionOfTheUserAndNoOther() {
        signedIn("u1").close();
        try (RawWebSocket first = signedIn("u1");
                RawWebSocket second = signedIn("u1");
                RawWebSocket other = signedIn("u2")) {
            Result result = server.rest(app).post("/users/u1/terminate_connections", "{}");

            assertThat(result.getHttpStatus()).isEqualTo(200);
            assertThat(first.awaitClose().closeCode()).isEqualTo(4009);
            assertThat(second.awaitClose().closeCode()).isEqualTo(4009);
            assertThat(other.isClosedByServer(Duration.ofMillis(300))).isFalse();
        }
    }

    @Test
    void forgetsAUserWhoseConnectionsAllClosed() {
        signedIn("u1").close();
        try (RawWebSocket again = signedIn("u1")) {
            server.rest(app).post("/users/u1/terminate_connections", "{}");
            assertThat(again.awaitClose().closeCode()).isEqualTo(4009);
        }
    }
}
