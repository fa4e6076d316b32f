package io.switchboard.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client on a plain socket that reads a response body line by line as it
 * arrives (chunked or fixed length). Made for the HTTP fallback transports, whose responses stay
 * open and stream lines, and for connections that misbehave on purpose (half-sent, pipelined or
 * silent requests); every read has a timeout.
 */
public final class RawHttp implements AutoCloseable {
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);

    private final Socket socket;
    private final BufferedInputStream in;
    private int status;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private PushbackInputStream body;

    private RawHttp(Socket socket, BufferedInputStream in) {
        this.socket = socket;
        this.in = in;
    }

    /**
     * Sends a request on a new connection to {@code 127.0.0.1:port}. The response head is read
     * when first needed, so a request the server holds open does not block here.
     *
     * @param body the request body, or {@code null} for none
     */
    public static RawHttp request(
            int port, String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        Socket socket = new Socket();
        try {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), (int) DEFAULT_WAIT.toMillis());
            socket.setSoTimeout((int) DEFAULT_WAIT.toMillis());
            StringBuilder head = new StringBuilder();
            head.append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n");
            head.append("Host: 127.0.0.1:").append(port).append("\r\n");
            for (Map.Entry<String, String> h : headers.entrySet()) {
                head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
            if (body != null) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return new RawHttp(socket, new BufferedInputStream(socket.getInputStream()));
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code bytes} exactly as given on a new connection to {@code 127.0.0.1:port}: part of a
     * request, several pipelined ones, or nothing at all. Responses are read as from {@link
     * #request}; {@link #next()} moves on to the next one.
     */
    public static RawHttp raw(int port, String bytes) {
        Socket socket = new Socket();
        try {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), (int) DEFAULT_WAIT.toMillis());
            socket.setSoTimeout((int) DEFAULT_WAIT.toMillis());
            RawHttp raw = new RawHttp(socket, new BufferedInputStream(socket.getInputStream()));
            raw.send(bytes);
            return raw;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException(e);
        }
    }

    /** Writes more bytes (ISO-8859-1) on this connection. */
    public RawHttp send(String bytes) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forgets the response read so far (read its body first), so the next one on this connection can be read. */
    public RawHttp next() {
        body = null;
        status = 0;
        headers.clear();
        return this;
    }

    /**
     * True when the server closes the connection (end of stream or reset) within {@code wait};
     * whatever arrives before is read and dropped.
     */
    public boolean closedWithin(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            byte[] drop = new byte[8192];
            while (true) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                socket.setSoTimeout((int) left);
                if (in.read(drop) == -1) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the status line and headers, once; the socket timeout in force applies. */
    private void readHead() throws IOException {
        if (body != null) {
            return;
        }
        String statusLine = line(in);
        if (statusLine == null) {
            throw new EOFException("connection closed before the response");
        }
        status = Integer.parseInt(statusLine.split(" ")[1]);
        String line;
        while ((line = line(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(
                    line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        InputStream decoded;
        if (status == 204 || status == 304 || status < 200) {
            decoded = InputStream.nullInputStream();
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            decoded = new Chunked(in);
        } else if (length != null) {
            decoded = new Limited(in, Long.parseLong(length.trim()));
        } else {
            decoded = in;
        }
        body = new PushbackInputStream(decoded, 1);
    }

    private void head(Duration wait) {
        try {
            socket.setSoTimeout((int) wait.toMillis());
            readHead();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no response within " + wait, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The response status; waits for the response head. */
    public int status() {
        head(DEFAULT_WAIT);
        return status;
    }

    /** A response header (case-insensitive name), or {@code null}; waits for the response head. */
    public String header(String name) {
        head(DEFAULT_WAIT);
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The next body line without its {@code \n}, or {@code null} at the end of the body. */
    public String nextLine() {
        return nextLine(DEFAULT_WAIT);
    }

    /**
     * The next body line, waiting at most {@code wait}.
     *
     * @throws AssertionError when no whole line arrives in time
     */
    public String nextLine(Duration wait) {
        try {
            socket.setSoTimeout((int) wait.toMillis());
            readHead();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = body.read()) != -1) {
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            if (line.size() > 0) {
                throw new AssertionError("body ended inside a line: " + line.toString(StandardCharsets.UTF_8));
            }
            return null;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no line within " + wait, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when nothing at all (no head, no body byte) arrives within {@code wait}. */
    public boolean silentFor(Duration wait) {
        try {
            socket.setSoTimeout((int) wait.toMillis());
            if (body == null) {
                in.mark(1);
                in.read();
                in.reset();
                return false;
            }
            int b = body.read();
            if (b != -1) {
                body.unread(b);
            }
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rest of the body as text; each read must complete within {@code wait}. */
    public String readToEnd(Duration wait) {
        try {
            socket.setSoTimeout((int) wait.toMillis());
            readHead();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int b;
            while ((b = body.read()) != -1) {
                out.write(b);
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the response did not end within " + wait, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String readToEnd() {
        return readToEnd(DEFAULT_WAIT);
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String s = out.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            out.write(b);
        }
        return out.size() == 0 ? null : out.toString(StandardCharsets.ISO_8859_1);
    }

    /** A body with a Content-Length. */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left == 0) {
                return -1;
            }
            int b = in.read();
            if (b == -1) {
                throw new EOFException("body shorter than its Content-Length");
            }
            left--;
            return b;
        }
    }

    /** A chunked body, decoded. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                if (size == null) {
                    throw new EOFException("connection closed inside a chunked body");
                }
                int semicolon = size.indexOf(';');
                left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (left == 0) {
                    while ((size = line(in)) != null && !size.isEmpty()) {
                        // trailers
                    }
                    done = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b == -1) {
                throw new EOFException("connection closed inside a chunk");
            }
            if (--left == 0) {
                line(in); // the CRLF after the chunk
            }
            return b;
        }
    }
}
