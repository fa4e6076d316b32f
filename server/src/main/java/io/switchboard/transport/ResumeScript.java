package io.switchboard.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code GET /switchboard/resume.js} on the public listener: the browser plugin for gap-free
 * resume (docs/history.md). The file is {@code clients/js/switchboard-resume.js}, copied into the
 * jar by the build, read once; its strong ETag is a hash of its bytes, so a page revalidates with
 * {@code If-None-Match} and gets {@code 304} until the server runs another version of it.
 */
final class ResumeScript {
    static final String PATH = "/switchboard/resume.js";

    private static final String RESOURCE = "/io/switchboard/transport/clients/switchboard-resume.js";
    private static final String CONTENT_TYPE = "application/javascript; charset=utf-8";
    /** Short enough that an upgraded server's plugin reaches pages soon; revalidation is a 304. */
    private static final String CACHE_CONTROL = "public, max-age=3600";

    private static final byte[] BODY = read();
    private static final String ETAG = etag(BODY);

    private ResumeScript() {}

    static boolean handles(String path) {
        return path.equals(PATH);
    }

    /** Answers {@code GET} and {@code HEAD}; any other method gets 405. */
    static void answer(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            FullHttpResponse response = response(HttpResponseStatus.METHOD_NOT_ALLOWED, new byte[0], 0);
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            HttpResponses.write(ctx, response, keepAlive);
            return;
        }
        if (matches(request.headers().get(HttpHeaderNames.IF_NONE_MATCH))) {
            HttpResponses.write(ctx, response(HttpResponseStatus.NOT_MODIFIED, new byte[0], -1), keepAlive);
            return;
        }
        boolean head = method.equals(HttpMethod.HEAD);
        HttpResponses.write(ctx, response(HttpResponseStatus.OK, head ? new byte[0] : BODY, BODY.length), keepAlive);
    }

    /** If-None-Match compares weakly (RFC 9110 §13.1.2): {@code W/"x"} matches {@code "x"}. */
    static boolean matches(String ifNoneMatch) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || t.equals(ETAG)) {
                return true;
            }
        }
        return false;
    }

    static String etag() {
        return ETAG;
    }

    /** {@code contentLength} -1 leaves the header out (a 304 has no body to describe). */
    private static FullHttpResponse response(HttpResponseStatus status, byte[] body, int contentLength) {
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        HttpHeaders h = response.headers();
        if (status.code() != 405) {
            h.set(HttpHeaderNames.ETAG, ETAG);
            h.set(HttpHeaderNames.CACHE_CONTROL, CACHE_CONTROL);
        }
        if (status.code() == 200) {
            h.set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
            h.set("X-Content-Type-Options", "nosniff");
        }
        HttpResponses.cors(h);
        if (contentLength >= 0) {
            HttpUtil.setContentLength(response, contentLength);
        }
        return response;
    }

    private static byte[] read() {
        try (InputStream in = ResumeScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE
                        + " (the build copies clients/js/switchboard-resume.js into the jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String etag(byte[] body) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(hash, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
