package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.app.App;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Request bodies over {@code server.max_request_body_bytes}. */
class OversizedRequestTest {
    private static final int MAX_BODY = 4096;

    private final App app = TestApps.app("a");

    @RegisterExtension
    final TestServer server = TestServer.start(s -> TestSettings.change(s, t -> t.maxRequestBodyBytes = MAX_BODY), app);

    @Test
    void answers413AsJsonBeforeTheBodyArrivesAndKeepsTheConnection() throws IOException {
        int length = 64 * 1024;
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /apps/a/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1024]);
            out.flush();

            Response tooLarge = Response.read(in);
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.head()).contains("content-type: application/json");
            assertThat(new ObjectMapper()
                            .readTree(tooLarge.body())
                            .path("error")
                            .asText())
                    .contains(Integer.toString(MAX_BODY));

            // The rest of the body is skipped and the connection serves the next request.
            out.write(new byte[length - 1024]);
            out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(Response.read(in).status()).isEqualTo(200);
        }
    }

    /** One HTTP/1.1 response with a Content-Length body. */
    private record Response(int status, String head, String body) {
        static Response read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed; read so far: " + head);
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            int length = 0;
            for (String line : text.split("\r\n")) {
                if (line.startsWith("content-length:")) {
                    length = Integer.parseInt(
                            line.substring("content-length:".length()).strip());
                }
            }
            byte[] body = in.readNBytes(length);
            return new Response(
                    Integer.parseInt(text.substring(9, 12)), text, new String(body, StandardCharsets.UTF_8));
        }
    }
}
