package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.testing.NettyLeaks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link HttpRequestReader} on any bytes, sent at once and again in pieces cut where the input
 * says. Fails on any exception; on anything passed on that is not a whole request; on a request
 * whose body is not as long as its {@code Content-Length}; on a buffer left unreleased or a leak
 * report; and on the
 * two ways of sending giving different requests (method, target, headers, body, or the status a
 * refused request is answered with). Inputs: {@code HttpRequestReaderFuzzTestInputs/read/}.
 */
class HttpRequestReaderFuzzTest {
    private static final int MAX_BODY = 256;

    @BeforeAll
    static void trackLeaks() {
        NettyLeaks.track();
    }

    @AfterAll
    static void noLeaks() {
        NettyLeaks.assertNone();
    }

    // libFuzzer's dictionary syntax: \xNN for CR and LF.
    @DictionaryEntries({
        "\\x0D\\x0A",
        "\\x0D\\x0A\\x0D\\x0A",
        "HTTP/1.1",
        "HTTP/1.0",
        "Content-Length: ",
        "Transfer-Encoding: chunked",
        "Expect: 100-continue",
        "Connection: close",
        "POST /apps/1/events ",
        "HEAD / ",
        "0\\x0D\\x0A\\x0D\\x0A"
    })
    @FuzzTest
    void read(FuzzedDataProvider data) {
        int[] cuts = new int[data.consumeInt(0, 6)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = data.consumeInt(1, 64);
        }
        byte[] bytes = data.consumeRemainingAsBytes();
        List<String> whole = read(bytes, new int[0]);
        List<String> pieces = read(bytes, cuts);
        assertThat(pieces).as("the same bytes in pieces").isEqualTo(whole);
    }

    /** What the reader passes on for {@code bytes}, each request described as text. */
    private static List<String> read(byte[] bytes, int[] cuts) {
        ServerResponseEncoder encoder = new ServerResponseEncoder();
        EmbeddedChannel channel = new EmbeddedChannel(
                encoder, new HttpRequestReader(new HttpLimits(MAX_BODY, 10, 10, LimitRejections.NONE), encoder));
        List<String> requests = new ArrayList<>();
        List<ByteBuf> sent = new ArrayList<>();
        int at = 0;
        int cut = 0;
        while (at < bytes.length) {
            int n = cut < cuts.length ? Math.min(cuts[cut++], bytes.length - at) : bytes.length - at;
            ByteBuf piece = Unpooled.wrappedBuffer(bytes, at, n);
            sent.add(piece);
            channel.writeInbound(piece);
            at += n;
            Object read;
            while ((read = channel.readInbound()) != null) {
                assertThat(read).isInstanceOf(FullHttpRequest.class);
                requests.add(describe((FullHttpRequest) read));
            }
        }
        ByteBuf out;
        while ((out = channel.readOutbound()) != null) {
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            out.release();
        }
        channel.finishAndReleaseAll();
        assertThat(sent)
                .as("what was sent, once read")
                .allSatisfy(b -> assertThat(b.refCnt()).isZero());
        NettyLeaks.assertNoneAfterInput();
        return requests;
    }

    private static String describe(FullHttpRequest request) {
        try {
            if (request.decoderResult().isFailure()) {
                HttpRequestReader.Refusal refusal =
                        (HttpRequestReader.Refusal) request.decoderResult().cause();
                assertThat(refusal.status).isBetween(400, 599);
                return "refused " + refusal.status + " " + refusal.keepOpen;
            }
            String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            int body = request.content().readableBytes();
            assertThat(body).isLessThanOrEqualTo(MAX_BODY);
            if (length != null) {
                assertThat(Long.parseLong(length)).as("Content-Length").isEqualTo(body);
            } else {
                assertThat(body).isZero();
            }
            return request.method() + " " + request.uri() + " " + request.protocolVersion() + " "
                    + request.headers().entries() + " " + request.content().toString(StandardCharsets.ISO_8859_1);
        } finally {
            request.release();
        }
    }
}
