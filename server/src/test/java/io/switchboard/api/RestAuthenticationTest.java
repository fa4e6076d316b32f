package io.switchboard.api;

import static io.switchboard.api.RestFixtures.assertError;
import static io.switchboard.api.RestFixtures.assertFailure;
import static io.switchboard.api.RestFixtures.assertNextEvent;
import static io.switchboard.api.RestFixtures.assertOk;
import static io.switchboard.api.RestFixtures.assertSuccess;
import static io.switchboard.api.RestFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import io.switchboard.api.RestFixtures.Client;
import io.switchboard.api.RestFixtures.Clients;
import io.switchboard.app.App;
import io.switchboard.config.ServerSettings;
import io.switchboard.testing.SignedHttp;
import io.switchboard.testing.TestApps;
import io.switchboard.testing.TestAuth;
import io.switchboard.testing.TestServer;
import io.switchboard.testing.TestSettings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Request authentication and the status codes of refused requests (pusher-protocol.md §7.1). */
class RestAuthenticationTest {
    private static final int MAX_BODY = 16 * 1024;
    private static final String EVENT = "{\"name\":\"e\",\"channel\":\"news\",\"data\":\"x\"}";

    private final App app = TestApps.app("a");
    private final App other = TestApps.app("b");
    private final App disabled = TestApps.disabled(TestApps.app("off"));

    @RegisterExtension
    final TestServer server = TestServer.start(s -> withMaxRequestBody(s, MAX_BODY), app, other, disabled);

    private final Pusher rest = server.rest(app);
    private final SignedHttp http = SignedHttp.to(server, app);
    private final Clients clients = new Clients(server, app);
    private final Clients otherClients = new Clients(server, other);
    private final List<Pusher> sdks = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        clients.close();
        otherClients.close();
        rest.close();
        for (Pusher sdk : sdks) {
            sdk.close();
        }
    }

    @Test
    void answers404ForAnUnknownAppId() {
        assertError(http.request("POST", "/apps/nope/events").body(EVENT).send(), 404);
        Pusher unknown = sdk("a-key", "a-secret", "nope");
        assertFailure(unknown.trigger("news", "e", "x"), Result.Status.NOT_FOUND, 404);
    }

    @Test
    void answers401ForAnotherAppsKey() {
        assertError(http.post("/events", EVENT).key(other.key()).send(), 401);
        assertError(
                http.post("/events", EVENT)
                        .key(other.key())
                        .secret(other.secret())
                        .send(),
                401);
        Pusher wrongKey = sdk("wrong-key", app.secret(), app.id());
        assertFailure(wrongKey.trigger("news", "e", "x"), Result.Status.AUTHENTICATION_ERROR, 401);
    }

    @Test
    void answers401ForABadSignature() {
        String message = assertError(
                http.post("/events", EVENT).signature("0".repeat(64)).send(), 401);
        assertThat(message).contains("Invalid signature");
        assertError(http.post("/events", EVENT).secret("not-the-secret").send(), 401);
        assertError(http.get("/channels").secret("not-the-secret").send(), 401);
        assertError(http.get("/channels").unsigned().send(), 401);
        // The same request, signed right, goes through.
        assertThat(assertOk(http.get("/channels").send())).isEqualTo(json("{\"channels\":{}}"));
        Pusher wrongSecret = sdk(app.key(), "not-the-secret", app.id());
        assertFailure(wrongSecret.trigger("news", "e", "x"), Result.Status.AUTHENTICATION_ERROR, 401);
        assertFailure(wrongSecret.get("/channels"), Result.Status.AUTHENTICATION_ERROR, 401);
    }

    @Test
    void answers401ForATimestampMoreThan600SecondsAway() {
        long now = System.currentTimeMillis() / 1000;

        String message =
                assertError(http.post("/events", EVENT).timestamp(now - 601).send(), 401);
        assertThat(message).contains("Timestamp expired");
        assertError(http.post("/events", EVENT).timestamp(now + 601).send(), 401);
        assertError(http.get("/channels").timestamp(now - 3600).send(), 401);
        assertOk(http.post("/events", EVENT).timestamp(now - 590).send());
        assertOk(http.post("/events", EVENT).timestamp(now + 590).send());
    }

    @Test
    void answers401ForAMissingOrWrongBodyMd5() {
        assertThat(assertError(http.post("/events", EVENT).withoutBodyMd5().send(), 401))
                .contains("body_md5");
        assertThat(assertError(
                        http.post("/events", EVENT).bodyMd5("0".repeat(32)).send(), 401))
                .contains("body_md5");
        assertError(
                http.post("/events", EVENT)
                        .bodyMd5(SignedHttp.md5("{}".getBytes(StandardCharsets.UTF_8)))
                        .send(),
                401);
    }

    @Test
    void answers403ForADisabledApp() {
        SignedHttp toDisabled = SignedHttp.to(server, disabled);

        assertError(toDisabled.post("/events", EVENT).send(), 403);
        assertError(toDisabled.get("/channels").send(), 403);
        Pusher sdk = track(server.rest(disabled));
        assertFailure(sdk.trigger("news", "e", "x"), Result.Status.MESSAGE_QUOTA_EXCEEDED, 403);
    }

    @Test
    void answers413AsJsonForABodyOverTheServerLimit() {
        String padding = "p".repeat(MAX_BODY);
        String body = "{\"name\":\"e\",\"channel\":\"news\",\"data\":\"x\",\"padding\":\"" + padding + "\"}";

        assertError(http.post("/events", body).send(), 413);
        assertError(http.post("/batch_events", body).send(), 413);
        // The server keeps working for the next request.
        assertOk(http.post("/events", EVENT).send());
    }

    @Test
    void answers405ForAWrongMethod() {
        List<SignedHttp.Request> wrong = List.of(
                http.request("GET", "/apps/a/events"),
                http.request("PUT", "/apps/a/events").body(EVENT),
                http.request("DELETE", "/apps/a/events"),
                http.request("GET", "/apps/a/batch_events"),
                http.request("POST", "/apps/a/channels").body("{}"),
                http.request("DELETE", "/apps/a/channels/news"),
                http.request("POST", "/apps/a/channels/presence-room/users").body("{}"),
                http.request("GET", "/apps/a/users/user-1/terminate_connections"));
        for (SignedHttp.Request request : wrong) {
            assertError(request.send(), 405);
        }
    }

    @Test
    void answers404ForAnUnknownPath() {
        assertError(http.get("/nothing").send(), 404);
        assertError(http.get("/channels/news/users/extra").send(), 404);
        assertError(http.get("/channels/news/members").send(), 404);
        assertError(http.post("/users/user-1", "{}").send(), 404);
        assertError(http.request("GET", "/apps/a").send(), 404);
        assertError(http.request("GET", "/nothing").unsigned().send(), 404);
    }

    @Test
    void verifiesTheSpecTestVector() {
        App vectorApp = new App(
                "3",
                "278d425bdf160c739803",
                "7ad3773142a6692b25b8",
                "vector",
                true,
                false,
                false,
                30,
                false,
                false,
                TestApps.app("x").limits(),
                List.of());
        String body = "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}";
        String query = "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0"
                + "&body_md5=ec365a775a4cd0599faeb73354201b6f";
        String signature = "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c";

        // The test signer reproduces the documented string and signature...
        assertThat(SignedHttp.md5(body.getBytes(StandardCharsets.UTF_8))).isEqualTo("ec365a775a4cd0599faeb73354201b6f");
        String toSign = SignedHttp.stringToSign("POST", "/apps/3/events", queryMap(query));
        assertThat(toSign).isEqualTo("POST\n/apps/3/events\n" + query);
        assertThat(TestAuth.hmac(vectorApp.secret(), toSign)).isEqualTo(signature);

        // ...and the server's check accepts it at that time, wherever the signature sits.
        long then = 1353088179;
        assertThat(RequestAuthenticator.problem(
                        vectorApp, vectorRequest(query + "&auth_signature=" + signature, body), then))
                .isNull();
        assertThat(RequestAuthenticator.problem(
                        vectorApp, vectorRequest("auth_signature=" + signature + "&" + query, body), then))
                .isNull();
        assertThat(RequestAuthenticator.problem(
                        vectorApp, vectorRequest(query + "&auth_signature=" + signature, body), then + 601))
                .contains("Timestamp expired");
        assertThat(RequestAuthenticator.problem(
                        vectorApp,
                        vectorRequest(query + "&auth_signature=" + signature, body.replace("foo", "bar")),
                        then))
                .contains("body_md5");
        String flipped = (signature.charAt(0) == 'd' ? "e" : "d") + signature.substring(1);
        assertThat(RequestAuthenticator.problem(
                        vectorApp, vectorRequest(query + "&auth_signature=" + flipped, body), then))
                .contains("Invalid signature");
    }

    @Test
    void acceptsUpperCaseQueryKeysAndUrlEncodedValues() {
        Client sub = clients.subscriber("a;b=c@d,e.f-1", "plain");
        JsonNode listed = json("{\"channels\":{\"a;b=c@d,e.f-1\":{}}}");

        // Keys are lowercased for signing; values are signed decoded and sent encoded.
        assertThat(assertOk(http.get("/channels")
                        .param("Custom_Key", "a value & more=/?é")
                        .param("filter_by_prefix", "a;b=c@d,e.")
                        .send()))
                .isEqualTo(listed);
        // pusher-http-java percent-encodes ; = @ , in values.
        assertThat(assertSuccess(rest.get("/channels", Map.of("filter_by_prefix", "a;b=c@d,e."))))
                .isEqualTo(listed);
        assertSuccess(rest.trigger("a;b=c@d,e.f-1", "encoded", Map.of("text", "a&b=c d")));
        assertNextEvent(sub.ws(), "encoded", "a;b=c@d,e.f-1");
    }

    @Test
    void refusesRepeatedQueryKeysSoASignedRequestCannotBeRewritten() {
        clients.subscriber("a,b");
        clients.subscriber("a");
        SignedHttp.Request signed = http.get("/channels").param("filter_by_prefix", "a,b");
        assertThat(assertOk(signed.send())).isEqualTo(json("{\"channels\":{\"a,b\":{}}}"));

        // a=1&a=2 would sign like a=1,2: the captured request rewritten must not pass.
        SignedHttp.Reply rewritten =
                signed.send(q -> q.replace("filter_by_prefix=a%2Cb", "filter_by_prefix=a&filter_by_prefix=b"));
        assertThat(assertError(rewritten, 400)).contains("given more than once");
        SignedHttp.Reply caseTwin = http.get("/channels")
                .param("filter_by_prefix", "a")
                .param("FILTER_BY_PREFIX", "b")
                .send();
        assertThat(assertError(caseTwin, 400)).contains("given more than once");
    }

    @Test
    void acceptsAPercentEncodedPathSignedAsSentOrDecoded() {
        clients.subscriber("a;b=c@d,e.f-1");
        String encoded = "/apps/a/channels/a%3Bb%3Dc%40d%2Ce.f-1";
        String decoded = "/apps/a/channels/a;b=c@d,e.f-1";
        JsonNode occupied = json("{\"occupied\":true}");

        assertThat(assertOk(http.request("GET", encoded).send())).isEqualTo(occupied);
        assertThat(assertOk(http.request("GET", encoded).signPath(decoded).send()))
                .isEqualTo(occupied);
        assertThat(assertSuccess(rest.get("/channels/a;b=c@d,e.f-1"))).isEqualTo(occupied);
        assertError(
                http.request("GET", encoded).signPath("/apps/a/channels/other").send(), 401);
    }

    @Test
    void badRequestsToOneAppNeverDisturbAnothersSubscribers() {
        Client ours = clients.subscriber("shared");
        Client theirs = otherClients.subscriber("shared");
        long now = System.currentTimeMillis() / 1000;

        assertError(
                http.post("/events", EVENT.replace("news", "shared"))
                        .signature("0".repeat(64))
                        .send(),
                401);
        assertError(
                http.post("/events", EVENT.replace("news", "shared"))
                        .timestamp(now - 601)
                        .send(),
                401);
        assertError(
                http.post("/events", "{\"name\":\"e\",\"channel\":\"shared\",").send(), 400);
        assertError(
                http.post(
                                "/events",
                                "{\"name\":\"e\",\"channel\":\"shared\",\"data\":\"" + "x".repeat(10 * 1024 + 1)
                                        + "\"}")
                        .send(),
                413);
        assertError(
                http.post("/events", "{\"padding\":\"" + "p".repeat(MAX_BODY) + "\"}")
                        .send(),
                413);
        assertError(
                http.post(
                                "/batch_events",
                                "{\"batch\":[{\"name\":\"e\",\"channel\":\"shared\",\"data\":\"x\"},"
                                        + "{\"name\":\"e\",\"channel\":\"bad name\",\"data\":\"x\"}]}")
                        .send(),
                400);
        assertError(http.request("DELETE", "/apps/a/events").send(), 405);
        // A request signed with app a's secret but aimed at app b.
        assertError(
                http.request("POST", "/apps/b/events")
                        .body(EVENT.replace("news", "shared"))
                        .send(),
                401);

        Pusher theirRest = track(server.rest(other));
        assertSuccess(theirRest.trigger("shared", "for-b", "x"));
        assertSuccess(rest.trigger("shared", "for-a", "x"));
        assertNextEvent(theirs.ws(), "for-b", "shared");
        assertNextEvent(ours.ws(), "for-a", "shared");
    }

    private Pusher sdk(String key, String secret, String appId) {
        return track(new Pusher("http://" + key + ":" + secret + "@127.0.0.1:" + server.port() + "/apps/" + appId));
    }

    private Pusher track(Pusher sdk) {
        sdks.add(sdk);
        return sdk;
    }

    private static ApiRequest vectorRequest(String query, String body) {
        return new ApiRequest("POST", "/apps/3/events", query, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> queryMap(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return out;
    }

    private static ServerSettings withMaxRequestBody(ServerSettings s, int max) {
        return TestSettings.change(s, t -> t.maxRequestBodyBytes = max);
    }
}
