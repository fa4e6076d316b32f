package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.app.App;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.config.TlsSettings;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TrustedCertificate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resume plugin is served as the repository's one copy, cacheable, on the public and TLS ports. */
class ResumeScriptTest {
    private static final Path CANONICAL = Path.of("..", "clients", "js", "switchboard-resume.js");

    @TempDir
    static Path dir;

    private static final App app = TestApps.app("a");
    private static TestServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(SwitchboardConfig.of(TestServer.settings(), List.of(app))
                .withTls(new TlsSettings(0, "", "", true, dir.toString())));
        http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(TrustedCertificate.sslContext(dir.resolve("dev-cert.pem")))
                .build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void servesTheRepositorysPluginAsJavaScriptWithAStrongEtag() throws Exception {
        HttpResponse<byte[]> response = send("GET", "http://127.0.0.1:" + server.port() + ResumeScript.PATH, null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Files.readAllBytes(CANONICAL));
        assertThat(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("SwitchboardResume", "MIT License");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/javascript; charset=utf-8");
        assertThat(response.headers().firstValue("cache-control")).hasValue("public, max-age=3600");
        assertThat(response.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        String etag = response.headers().firstValue("etag").orElseThrow();
        assertThat(etag).as("strong").startsWith("\"").endsWith("\"").hasSizeGreaterThan(10);
    }

    @Test
    void revalidationWithTheEtagIsA304WithoutBody() throws Exception {
        String url = "http://127.0.0.1:" + server.port() + ResumeScript.PATH;
        String etag = send("GET", url, null).headers().firstValue("etag").orElseThrow();

        HttpResponse<byte[]> same = send("GET", url, etag);
        assertThat(same.statusCode()).isEqualTo(304);
        assertThat(same.body()).isEmpty();
        assertThat(same.headers().firstValue("etag")).hasValue(etag);
        assertThat(send("GET", url, "\"other\", W/" + etag).statusCode())
                .as("weak comparison, in a list")
                .isEqualTo(304);
        assertThat(send("GET", url, "*").statusCode()).isEqualTo(304);

        HttpResponse<byte[]> stale = send("GET", url, "\"an-older-version\"");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(Files.readAllBytes(CANONICAL));
    }

    @Test
    void headAnswersTheHeadersOnlyAndOtherMethodsAreRefused() throws Exception {
        String url = "http://127.0.0.1:" + server.port() + ResumeScript.PATH;
        HttpResponse<byte[]> head = send("HEAD", url, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-length")).hasValue(String.valueOf(Files.size(CANONICAL)));
        assertThat(head.headers().firstValue("etag")).hasValue(ResumeScript.etag());

        HttpResponse<byte[]> post = send("POST", url, null);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    @Test
    void servedOnTheTlsPortButNotOnTheAdminPort() throws Exception {
        HttpResponse<byte[]> tls =
                send("GET", "https://localhost:" + server.server().tlsPort() + ResumeScript.PATH, null);
        assertThat(tls.statusCode()).isEqualTo(200);
        assertThat(tls.body()).isEqualTo(Files.readAllBytes(CANONICAL));

        assertThat(send("GET", "http://127.0.0.1:" + server.adminPort() + ResumeScript.PATH, null)
                        .statusCode())
                .isEqualTo(404);
    }

    private static HttpResponse<byte[]> send(String method, String url, String ifNoneMatch) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
