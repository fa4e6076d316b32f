package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.protocol.ClientText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The request reader on its own: what it passes on for the bytes a client sends, and when. */
class HttpRequestReaderTest {
    private static final int MAX_BODY = 64;

    private final EmbeddedChannel channel = new EmbeddedChannel();

    HttpRequestReaderTest() {
        ServerResponseEncoder encoder = new ServerResponseEncoder();
        channel.pipeline()
                .addLast(
                        encoder,
                        new HttpRequestReader(new HttpLimits(MAX_BODY, 10, 10, LimitRejections.NONE), encoder));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aRequestArrivesWholeWithItsHeadersAndBody() {
        FullHttpRequest request = single("POST /apps/1/events?auth_key=k&x=%20 HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "Content-Type:application/json \r\n"
                + "X-Empty:\r\n"
                + "Content-Length: 7\r\n\r\n"
                + "{\"a\":1}");
        assertThat(request.decoderResult().isSuccess()).isTrue();
        assertThat(request.method()).isEqualTo(HttpMethod.POST);
        assertThat(request.uri()).isEqualTo("/apps/1/events?auth_key=k&x=%20");
        assertThat(request.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(request.headers().get("content-type")).isEqualTo("application/json");
        assertThat(request.headers().get("x-empty")).isEmpty();
        assertThat(request.headers().get("HOST")).isEqualTo("127.0.0.1");
        assertThat(body(request)).isEqualTo("{\"a\":1}");
        assertThat(HttpUtil.isKeepAlive(request)).isTrue();
        request.release();
    }

    @Test
    void aRequestSentByteByByteArrivesOnceItsLastByteIs() {
        String text = "\r\nPOST /x HTTP/1.0\nContent-Length: 3\n\nabc";
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[i]}));
            if (i < bytes.length - 1) {
                assertThat(channel.<Object>readInbound()).as("after byte %d", i).isNull();
            }
        }
        FullHttpRequest request = channel.readInbound();
        assertThat(request.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_0);
        assertThat(body(request)).isEqualTo("abc");
        assertThat(HttpUtil.isKeepAlive(request)).isFalse();
        request.release();
    }

    @Test
    void pipelinedRequestsArriveInOrder() {
        List<FullHttpRequest> requests = read("GET /one HTTP/1.1\r\n\r\n"
                + "POST /two HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
                + "GET /three HTTP/1.1\r\n\r\n");
        assertThat(requests).extracting(FullHttpRequest::uri).containsExactly("/one", "/two", "/three");
        assertThat(body(requests.get(1))).isEqualTo("hi");
        requests.forEach(FullHttpRequest::release);
    }

    @Test
    void aChunkedBodyIsJoinedAndGivenItsLength() {
        send("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n");
        assertThat(channel.<Object>readInbound()).isNull();
        FullHttpRequest request = single("A\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n");
        assertThat(body(request)).isEqualTo("abc0123456789");
        assertThat(request.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("13");
        assertThat(request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING))
                .isFalse();
        request.release();
    }

    @Test
    void anExpectedContinueIsGivenWhileTheBodyIsAwaited() {
        send("POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        assertThat(outbound()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        FullHttpRequest request = single("ok");
        assertThat(body(request)).isEqualTo("ok");
        request.release();
    }

    @Test
    void noContinueGoesOutAheadOfAnEarlierRequestsAnswer() {
        List<FullHttpRequest> first = read("GET /one HTTP/1.1\r\n\r\n");
        send("POST /two HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        assertThat(outbound()).as("nothing before the answer to /one").isEmpty();
        channel.writeOutbound(answer("{}"));
        assertThat(outbound()).startsWith("HTTP/1.1 200 OK").endsWith("{}");
        FullHttpRequest second = single("ok");
        assertThat(second.uri()).isEqualTo("/two");
        assertThat(body(second)).isEqualTo("ok");
        first.forEach(FullHttpRequest::release);
        second.release();
    }

    @Test
    void noContinueGoesOutInsideAStreamedAnswer() {
        List<FullHttpRequest> first = read("GET /stream HTTP/1.1\r\n\r\n");
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        channel.writeOutbound(head);
        outbound();
        send("POST /two HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        assertThat(outbound()).as("the stream is still open").isEmpty();
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(outbound()).isEqualTo("0\r\n\r\n");
        first.forEach(FullHttpRequest::release);
    }

    @Test
    void aTooLargeBodyIsRefusedThenSkippedOnAKeptAliveConnection() {
        String body = "x".repeat(MAX_BODY + 1);
        List<FullHttpRequest> requests =
                read("POST /big HTTP/1.1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body.substring(0, 10));
        assertRefused(requests.get(0), 413, true);
        requests = read(body.substring(10) + "GET /next HTTP/1.1\r\n\r\n");
        assertThat(requests).extracting(FullHttpRequest::uri).containsExactly("/next");
        assertThat(requests.get(0).decoderResult().isSuccess()).isTrue();
    }

    @Test
    void aTooLargeBodyThatWasToWaitForContinueIsNotReadPast() {
        List<FullHttpRequest> requests = read(
                "POST /big HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
        assertRefused(requests.get(0), 413, true);
        assertThat(requests.get(1).uri()).isEqualTo("/next");
        assertThat(outbound()).as("no 100 Continue").isEmpty();
    }

    @Test
    void aTooLargeChunkedBodyIsRefusedAndTheConnectionReadNoFurther() {
        List<FullHttpRequest> requests = read("POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + "41\r\n"
                + "x".repeat(65) + "\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
        assertThat(requests).hasSize(1);
        assertRefused(requests.get(0), 413, false);
    }

    @Test
    void malformedHeadsAreRefusedWithTheirStatusAndEndTheConnection() {
        String[][] cases = {
            {"GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n", "400"},
            {"GET /x HTTP/1.1\r\nName: v\r\n folded\r\n\r\n", "400"},
            {"GET /x HTTP/1.1\r\nName: a\u0001b\r\n\r\n", "400"},
            {"GET /x HTTP/1.1\r\n: empty name\r\n\r\n", "400"},
            {"GET  /x HTTP/1.1\r\n\r\n", "400"},
            {"GET /x\r\n\r\n", "400"},
            {"G(T /x HTTP/1.1\r\n\r\n", "400"},
            {"GET /x HTTP/2.0\r\n\r\n", "505"},
            {"GET /x SPDY/1.1\r\n\r\n", "400"},
            {"POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
            {"POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "400"},
            {"POST /x HTTP/1.1\r\nContent-Length: -3\r\n\r\n", "400"},
            {"POST /x HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n", "400"},
            {"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501"},
            {"POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
            {"POST /x HTTP/1.1\r\nExpect: the-unexpected\r\n\r\n", "417"},
            {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"},
            {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", "400"},
        };
        for (String[] c : cases) {
            HttpRequestReaderTest fresh = new HttpRequestReaderTest();
            List<FullHttpRequest> requests = fresh.read(c[0] + "GET /after HTTP/1.1\r\n\r\n");
            assertThat(requests).as(c[0]).hasSize(1);
            fresh.assertRefused(requests.get(0), Integer.parseInt(c[1]), false);
            fresh.close();
        }
    }

    @Test
    void aRefusalQuotesTheClientsTextCutShort() {
        String coding = "x".repeat(10_000);
        List<FullHttpRequest> requests = read("POST /x HTTP/1.1\r\nTransfer-Encoding: " + coding + "\r\n\r\n");
        HttpRequestReader.Refusal refusal =
                (HttpRequestReader.Refusal) requests.get(0).decoderResult().cause();
        assertThat(refusal.status).isEqualTo(501);
        assertThat(refusal.getMessage()).hasSizeLessThan(100).contains("x".repeat(ClientText.MAX_QUOTED));
        requests.forEach(FullHttpRequest::release);
    }

    @Test
    void aTooLongRequestLineIsRefusedBeforeItEnds() {
        List<FullHttpRequest> requests = read("GET /" + "a".repeat(HttpRequestReader.MAX_REQUEST_LINE));
        assertRefused(requests.get(0), 414, false);
    }

    @Test
    void aTooLargeHeadIsRefusedBeforeItEnds() {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\n");
        while (head.length() <= HttpRequestReader.MAX_HEAD) {
            head.append("X-Filler: ").append("f".repeat(100)).append("\r\n");
        }
        List<FullHttpRequest> requests = read(head.toString());
        assertRefused(requests.get(0), 431, false);
    }

    @Test
    void theAnswerToAHeadRequestHasNoBody() {
        List<FullHttpRequest> requests = read("HEAD /health HTTP/1.1\r\n\r\nGET /health HTTP/1.1\r\n\r\n");
        assertThat(requests).hasSize(2);
        channel.writeOutbound(answer("{\"ok\":true}"));
        String headAnswer = outbound();
        assertThat(headAnswer)
                .startsWith("HTTP/1.1 200 OK\r\n")
                .contains("content-length: 11")
                .endsWith("\r\n\r\n");
        channel.writeOutbound(answer("{\"ok\":true}"));
        assertThat(outbound()).endsWith("\r\n\r\n{\"ok\":true}");
        requests.forEach(FullHttpRequest::release);
    }

    // --- helpers -------------------------------------------------------------------------------------

    private void send(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    private List<FullHttpRequest> read(String text) {
        send(text);
        List<FullHttpRequest> requests = new ArrayList<>();
        FullHttpRequest r;
        while ((r = channel.readInbound()) != null) {
            requests.add(r);
        }
        return requests;
    }

    private FullHttpRequest single(String text) {
        List<FullHttpRequest> requests = read(text);
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private void assertRefused(FullHttpRequest request, int status, boolean keepOpen) {
        assertThat(request.decoderResult().isFailure()).as("refused").isTrue();
        HttpRequestReader.Refusal refusal =
                (HttpRequestReader.Refusal) request.decoderResult().cause();
        assertThat(refusal.status).isEqualTo(status);
        assertThat(refusal.keepOpen).as("keep open").isEqualTo(keepOpen);
        assertThat(refusal.getMessage()).isNotBlank();
        request.release();
    }

    private String outbound() {
        StringBuilder text = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            text.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return text.toString();
    }

    private static String body(FullHttpRequest request) {
        return request.content().toString(StandardCharsets.UTF_8);
    }

    private static DefaultFullHttpResponse answer(String body) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return response;
    }
}
