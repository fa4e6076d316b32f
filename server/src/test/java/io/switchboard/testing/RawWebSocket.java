package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A deliberately low-level WebSocket client for exact wire checks: it sends any frame (bad UTF-8,
 * binary, oversized, fragmented, compressed) and reads every frame the server sends, control
 * frames included. Offered permessage-deflate ({@link #connectOffering}), it inflates compressed
 * events in {@link #nextEvent} and keeps the raw frames for the test to check.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int TEXT = 1;
    public static final int BINARY = 2;
    public static final int CLOSE = 8;
    public static final int PING = 9;
    public static final int PONG = 10;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final SecureRandom random = new SecureRandom();
    private final List<Frame> received = new ArrayList<>();
    private final int status;
    private final String responseHead;

    /**
     * One frame from the server; {@code compressed} when RSV1 is set (its payload is then DEFLATE
     * data, see {@link #inflated}).
     */
    public record Frame(int opcode, byte[] payload, boolean compressed) {
        public Frame(int opcode, byte[] payload) {
            this(opcode, payload, false);
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /**
         * The payload of a compressed frame inflated as RFC 7692 §7.2.2 says (the server takes over
         * no context, so each message inflates on its own); the payload itself otherwise.
         */
        public byte[] inflated() {
            if (!compressed) {
                return payload;
            }
            Inflater inflater = new Inflater(true);
            try {
                byte[] input = Arrays.copyOf(payload, payload.length + 4);
                input[payload.length + 2] = (byte) 0xff;
                input[payload.length + 3] = (byte) 0xff;
                inflater.setInput(input);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] chunk = new byte[4096];
                while (!inflater.finished() && !inflater.needsInput()) {
                    int n = inflater.inflate(chunk);
                    out.write(chunk, 0, n);
                    if (n == 0 && inflater.needsDictionary()) {
                        throw new AssertionError("compressed frame needs a dictionary");
                    }
                }
                return out.toByteArray();
            } catch (DataFormatException e) {
                throw new AssertionError("compressed frame does not inflate: " + e.getMessage(), e);
            } finally {
                inflater.end();
            }
        }

        /** The close code of a close frame, or -1. */
        public int closeCode() {
            return opcode == CLOSE && payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }

        public String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    private volatile String socketId;

    private RawWebSocket(Socket socket, int status, String responseHead) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.status = status;
        this.responseHead = responseHead;
    }

    public static RawWebSocket connect(int port, String pathAndQuery) {
        return connect(port, pathAndQuery, 0);
    }

    /**
     * Connects with a receive buffer of about {@code receiveBufferBytes} (0: the system's default).
     * A small one makes the server's data back up quickly when the test stops reading: the kernel
     * holds little for a client that does not read.
     */
    public static RawWebSocket connect(int port, String pathAndQuery, int receiveBufferBytes) {
        return connect(port, pathAndQuery, receiveBufferBytes, "");
    }

    /**
     * Connects with a {@code Sec-WebSocket-Extensions} offer, e.g. {@code "permessage-deflate;
     * client_max_window_bits"} as browsers send it.
     */
    public static RawWebSocket connectOffering(int port, String pathAndQuery, String extensions) {
        return connect(port, pathAndQuery, 0, "Sec-WebSocket-Extensions: " + extensions + "\r\n");
    }

    private static RawWebSocket connect(int port, String pathAndQuery, int receiveBufferBytes, String headers) {
        try {
            Socket socket = new Socket();
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes); // before connecting: sets the window
            }
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout((int) DEFAULT_WAIT.toMillis());
            byte[] nonce = new byte[16];
            new SecureRandom().nextBytes(nonce);
            String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + port + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n" + headers + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String head = readHead(socket.getInputStream());
            int status = Integer.parseInt(head.substring(9, 12));
            return new RawWebSocket(socket, status, head);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An HTTP response head, up to and including its empty line, read byte by byte. */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during handshake: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** The HTTP status of the upgrade response (101 when upgraded). */
    public int status() {
        return status;
    }

    /**
     * A header of the upgrade response (the first, case-insensitive name), or {@code null}: e.g.
     * {@code Sec-WebSocket-Extensions}, the extensions the server accepted.
     */
    public String responseHeader(String name) {
        for (String line : responseHead.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /**
     * Sends {@code text} as one compressed message (RSV1 set): raw DEFLATE with a sync flush and its
     * trailing {@code 00 00 ff ff} removed (RFC 7692 §7.2.1), as a browser sends it.
     */
    public RawWebSocket sendCompressedText(String text) {
        return sendCompressed(deflate(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Sends {@code deflated} as the payload of one text frame with RSV1 set. */
    public RawWebSocket sendCompressed(byte[] deflated) {
        try {
            byte[] frame = frame(TEXT, deflated, true);
            frame[0] |= 0x40; // RSV1
            out.write(frame);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one frame with RSV1 set, compressed or not, final or not (RFC 7692 §6.1). */
    public RawWebSocket sendFrameWithRsv1(int opcode, byte[] payload, boolean fin) {
        try {
            byte[] frame = frame(opcode, payload, fin);
            frame[0] |= 0x40;
            out.write(frame);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code data} compressed as a permessage-deflate message. */
    public static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(data);
            byte[] buf = new byte[data.length + 64];
            int length = 0;
            while (true) {
                length += deflater.deflate(buf, length, buf.length - length, Deflater.SYNC_FLUSH);
                if (length < buf.length) {
                    break;
                }
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            return Arrays.copyOf(buf, length - 4);
        } finally {
            deflater.end();
        }
    }

    public RawWebSocket sendText(String text) {
        return sendFrame(TEXT, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Sends a JSON frame built from a Java text block or string. */
    public RawWebSocket send(String json) {
        return sendText(json);
    }

    /** Sends text frames in one write, so the server reads them together. */
    public RawWebSocket sendTextsAtOnce(List<String> texts) {
        try {
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            for (String text : texts) {
                frames.write(frame(TEXT, text.getBytes(StandardCharsets.UTF_8), true));
            }
            out.write(frames.toByteArray());
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code bytes} as they are: frames a client should not send, or half of one. */
    public RawWebSocket sendBytes(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawWebSocket sendFrame(int opcode, byte[] payload, boolean fin) {
        try {
            out.write(frame(opcode, payload, fin));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One masked frame, as a client sends it. */
    private byte[] frame(int opcode, byte[] payload, boolean fin) {
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        return clientFrame((fin ? 0x80 : 0) | opcode, payload, mask);
    }

    /**
     * A frame as a client sends it: {@code firstByte} (FIN, RSV bits, opcode), the payload length
     * in its shortest form, {@code mask}, and the payload masked with it.
     */
    public static byte[] clientFrame(int firstByte, byte[] payload, byte[] mask) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(firstByte);
        int len = payload.length;
        if (len < 126) {
            frame.write(0x80 | len);
        } else if (len <= 0xFFFF) {
            frame.write(0x80 | 126);
            frame.write(len >> 8);
            frame.write(len);
        } else {
            frame.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                frame.write((int) ((long) len >> (8 * i)));
            }
        }
        frame.write(mask, 0, 4);
        for (int i = 0; i < len; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        return frame.toByteArray();
    }

    /** Reads the next frame of any kind; fails after the default wait. */
    public Frame nextFrame() {
        return nextFrame(DEFAULT_WAIT);
    }

    public Frame nextFrame(Duration wait) {
        try {
            socket.setSoTimeout((int) wait.toMillis());
            return readFrame();
        } catch (SocketTimeoutException e) {
            throw new AssertionError(
                    "no frame from the server within " + wait.toMillis() + " ms; received so far: " + describe());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next text frame parsed as JSON, answering and skipping control pings. */
    public JsonNode nextEvent() {
        return nextEvent(DEFAULT_WAIT);
    }

    public JsonNode nextEvent(Duration wait) {
        while (true) {
            Frame f = nextFrame(wait);
            if (f.opcode() == PING) {
                sendFrame(PONG, f.payload(), true);
                continue;
            }
            if (f.opcode() == CLOSE) {
                throw new AssertionError(
                        "server closed with " + f.closeCode() + " " + f.closeReason() + "; received: " + describe());
            }
            byte[] text = f.inflated();
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + new String(text, StandardCharsets.UTF_8));
            }
        }
    }

    /** Skips events until one named {@code event} arrives, and returns it. */
    public JsonNode awaitEvent(String event) {
        while (true) {
            JsonNode e = nextEvent();
            if (event.equals(e.path("event").asText())) {
                return e;
            }
        }
    }

    /** The {@code data} of an event, decoded when it is a JSON string (as the server sends it). */
    public static JsonNode data(JsonNode event) {
        JsonNode data = event.get("data");
        if (data != null && data.isTextual()) {
            try {
                return JSON.readTree(data.asText());
            } catch (IOException e) {
                return data;
            }
        }
        return data;
    }

    /** Reads {@code connection_established} and returns the socket id. */
    public String established() {
        JsonNode e = nextEvent();
        if (!"pusher:connection_established".equals(e.path("event").asText())) {
            throw new AssertionError("expected pusher:connection_established, got " + e);
        }
        socketId = data(e).path("socket_id").asText();
        return socketId;
    }

    /** The socket id {@link #established} read, or {@code null} before. */
    public String socketId() {
        return socketId;
    }

    /** Reads frames until the close frame and returns it; skips other frames. */
    public Frame awaitClose() {
        while (true) {
            Frame f = nextFrame();
            if (f.opcode() == CLOSE) {
                return f;
            }
        }
    }

    /** Asserts nothing but control frames arrives within {@code wait}. */
    public void expectSilence(Duration wait) {
        long end = System.nanoTime() + wait.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Frame f;
            try {
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                f = readFrame();
            } catch (SocketTimeoutException e) {
                return;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (f.opcode() == PING) {
                sendFrame(PONG, f.payload(), true);
            } else {
                throw new AssertionError("expected nothing, got opcode " + f.opcode() + ": " + f.text());
            }
        }
    }

    private Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        Frame frame = new Frame(b0 & 0x0f, payload, (b0 & 0x40) != 0);
        received.add(frame);
        return frame;
    }

    /** Sends {@code pusher:subscribe} for a public channel and waits for its success. */
    public JsonNode subscribe(String channel) {
        sendText("{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":\"\",\"channel\":\"" + channel + "\"}}");
        return awaitEvent("pusher_internal:subscription_succeeded");
    }

    /** Whether the server has closed the TCP connection. */
    public boolean isClosedByServer(Duration wait) {
        try {
            socket.setSoTimeout((int) wait.toMillis());
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private String describe() {
        StringBuilder s = new StringBuilder();
        for (Frame f : received) {
            s.append("\n  [")
                    .append(f.opcode())
                    .append("] ")
                    .append(f.opcode() == CLOSE ? f.closeCode() + " " + f.closeReason() : f.text());
        }
        return s.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Drops the connection with a TCP reset: no close frame, no orderly shutdown. */
    public void reset() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing anyway
        }
        close();
    }
}
