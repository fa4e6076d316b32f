package io.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.switchboard.testing.RawWebSocket;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link WebSocketReader}: frames as RFC 6455 §5 defines them, however the socket splits them. */
class WebSocketReaderTest {
    private static final int MAX = 1024;
    private static final int FIN = 0x80;
    private static final int RSV1 = 0x40;
    private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

    @Test
    void framesReadTheSameWhereverTheSocketSplitsThem() {
        byte[] stream = concat(
                frame(FIN | 1, utf8("{\"event\":\"one\"}")),
                frame(1, utf8("frag")), // a message in three frames, a ping between them
                frame(FIN | 9, utf8("mid")),
                frame(0, utf8("ment")),
                frame(FIN, utf8("ed")),
                frame(FIN | 2, new byte[300]), // 16-bit length
                frame(FIN | 10, new byte[0]),
                frame(FIN | 1, utf8("x".repeat(200))),
                frame(FIN | 8, closeBody(4001, "bye")));
        List<String> whole = read(List.of(stream));
        assertThat(whole)
                .containsExactly(
                        "text {\"event\":\"one\"}",
                        "ping mid",
                        "text fragmented",
                        "binary 300",
                        "pong",
                        "text " + "x".repeat(200),
                        "close 4001 bye");

        for (int cut = 1; cut < stream.length; cut++) {
            assertThat(read(List.of(Arrays.copyOf(stream, cut), Arrays.copyOfRange(stream, cut, stream.length))))
                    .as("split at %d", cut)
                    .isEqualTo(whole);
        }
        List<byte[]> bytes = new ArrayList<>();
        for (byte b : stream) {
            bytes.add(new byte[] {b});
        }
        assertThat(read(bytes)).as("one byte at a time").isEqualTo(whole);
    }

    @Test
    void aLargeFrameUsesTheLongestLengthForm() {
        WebSocketReader reader = new WebSocketReader(ByteBufAllocator.DEFAULT, 100_000, false);
        Recorder recorder = new Recorder();
        reader.add(Unpooled.wrappedBuffer(frame(FIN | 2, new byte[70_000])));

        assertThat(reader.next(recorder)).isTrue();
        assertThat(recorder.seen).containsExactly("binary 70000");
    }

    @Test
    void anUnfinishedFrameWaitsInABufferItsSizeNotInTheRead() {
        WebSocketReader reader = new WebSocketReader(ByteBufAllocator.DEFAULT, MAX, false);
        Recorder recorder = new Recorder();
        byte[] whole = frame(FIN | 1, utf8("{\"event\":\"late\"}"));
        for (int sent : new int[] {1, 5, whole.length - 1}) {
            ByteBuf read = Unpooled.buffer(65_536).writeBytes(whole, 0, sent);
            reader.add(read);

            assertThat(reader.next(recorder)).isFalse();
            assertThat(read.refCnt())
                    .as("the 64 KiB read holding %d bytes is let go", sent)
                    .isZero();

            reader.add(Unpooled.wrappedBuffer(Arrays.copyOfRange(whole, sent, whole.length)));
            assertThat(reader.next(recorder)).isTrue();
        }
        assertThat(recorder.seen).containsOnly("text {\"event\":\"late\"}").hasSize(3);
    }

    @Test
    void aCompressedMessageIsMarkedWhenDeflateWasNegotiated() {
        WebSocketReader reader = new WebSocketReader(ByteBufAllocator.DEFAULT, MAX, true);
        Recorder recorder = new Recorder();
        reader.add(Unpooled.wrappedBuffer(
                concat(frame(FIN | RSV1 | 1, utf8("zipped")), frame(RSV1 | 1, utf8("a")), frame(FIN, utf8("b")))));

        while (reader.next(recorder)) {}
        assertThat(recorder.seen).containsExactly("compressed text zipped", "compressed text ab");
    }

    static Stream<Arguments> brokenFrames() {
        return Stream.of(
                Arguments.of("not masked", unmasked(FIN | 1, utf8("hi")), 1002),
                Arguments.of("RSV1 without deflate", frame(FIN | RSV1 | 1, utf8("hi")), 1002),
                Arguments.of("RSV2", frame(FIN | 0x20 | 1, utf8("hi")), 1002),
                Arguments.of("RSV3", frame(FIN | 0x10 | 1, utf8("hi")), 1002),
                Arguments.of("reserved data opcode", frame(FIN | 3, utf8("hi")), 1002),
                Arguments.of("reserved control opcode", frame(FIN | 11, utf8("hi")), 1002),
                Arguments.of("fragmented ping", frame(9, utf8("hi")), 1002),
                Arguments.of("ping over 125 bytes", frame(FIN | 9, new byte[126]), 1002),
                Arguments.of("close with one byte", frame(FIN | 8, new byte[] {3}), 1002),
                Arguments.of("close status 1005", frame(FIN | 8, closeBody(1005, "")), 1002),
                Arguments.of("close status 1006", frame(FIN | 8, closeBody(1006, "")), 1002),
                Arguments.of("close status 999", frame(FIN | 8, closeBody(999, "")), 1002),
                Arguments.of("close status 2999", frame(FIN | 8, closeBody(2999, "")), 1002),
                Arguments.of("close status 5000", frame(FIN | 8, closeBody(5000, "")), 1002),
                Arguments.of(
                        "close reason not UTF-8",
                        frame(FIN | 8, concat(closeBody(1000, ""), new byte[] {(byte) 0xC3, 0x28})),
                        1007),
                Arguments.of("16-bit length for a short frame", withLength16(FIN | 1, utf8("short")), 1002),
                Arguments.of("64-bit length for a short frame", withLength64(FIN | 1, new byte[200]), 1002),
                Arguments.of("64-bit length with the top bit", topBitLength(), 1002),
                Arguments.of("continuation with nothing to continue", frame(FIN, utf8("hi")), 1002),
                Arguments.of(
                        "new message inside another", concat(frame(1, utf8("a")), frame(FIN | 1, utf8("b"))), 1002),
                Arguments.of("frame over the limit", frame(FIN | 1, new byte[MAX + 1]), 1009),
                Arguments.of(
                        "fragments over the limit",
                        concat(frame(1, new byte[MAX / 2]), frame(0, new byte[MAX / 2]), frame(FIN, new byte[1])),
                        1009));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenFrames")
    void aBrokenFrameFailsTheConnectionAndNothingMoreIsRead(String name, byte[] frames, int status) {
        WebSocketReader reader = new WebSocketReader(ByteBufAllocator.DEFAULT, MAX, false);
        Recorder recorder = new Recorder();
        ByteBuf in = Unpooled.buffer().writeBytes(frames).writeBytes(frame(FIN | 1, utf8("after")));
        reader.add(in);

        while (reader.next(recorder)) {}

        assertThat(recorder.seen).last().asString().startsWith("failed " + status + " ");
        assertThat(recorder.seen).noneMatch(s -> s.contains("after"));
        assertThat(in.refCnt()).as("input released").isZero();
        ByteBuf later = Unpooled.wrappedBuffer(frame(FIN | 1, utf8("later")));
        reader.add(later);
        assertThat(reader.next(recorder)).isFalse();
        assertThat(later.refCnt()).isZero();
    }

    @Test
    void aFrameOverTheLimitFailsAsSoonAsItsHeaderArrives() {
        WebSocketReader reader = new WebSocketReader(ByteBufAllocator.DEFAULT, MAX, false);
        Recorder recorder = new Recorder();
        byte[] big = frame(FIN | 1, new byte[70_000]);
        reader.add(Unpooled.wrappedBuffer(Arrays.copyOf(big, 10)));

        assertThat(reader.next(recorder)).isFalse();
        assertThat(recorder.seen).containsExactly("failed 1009 Message larger than 1024 bytes");
    }

    @Test
    void aCloseFrameWithoutABodyHasNoStatus() {
        assertThat(read(List.of(frame(FIN | 8, new byte[0])))).containsExactly("close -1 ");
    }

    @Test
    void controlFramesMayCarryTheLongestAllowedPayloadAndTheHighestPrivateStatus() {
        assertThat(read(List.of(frame(FIN | 9, new byte[125]), frame(FIN | 8, closeBody(4999, "x")))))
                .containsExactly("ping " + new String(new byte[125], StandardCharsets.UTF_8), "close 4999 x");
    }

    @Test
    void nothingIsReadAfterACloseFrame() {
        assertThat(read(List.of(concat(frame(FIN | 8, closeBody(1000, "")), frame(FIN | 1, utf8("after"))))))
                .containsExactly("close 1000 ");
    }

    @Test
    void releaseLetsGoOfAHalfReadFrameAndAHalfReadMessage() {
        WebSocketReader reader = new WebSocketReader(ByteBufAllocator.DEFAULT, MAX, false);
        Recorder recorder = new Recorder();
        byte[] first = frame(1, utf8("part"));
        byte[] second = frame(FIN, utf8("rest"));
        ByteBuf in = Unpooled.buffer().writeBytes(first).writeBytes(second, 0, 3);
        reader.add(in);
        while (reader.next(recorder)) {}

        reader.release();
        assertThat(in.refCnt()).isZero();
        assertThat(recorder.seen).isEmpty();
    }

    @Test
    void anyBytesReadTheSameHoweverTheSocketSplitsThemAndAreAllReleased() {
        Random random = new Random(6455);
        for (int run = 0; run < 2_000; run++) {
            byte[] stream = randomStream(random);
            List<String> whole = read(List.of(stream));
            assertThat(read(randomChunks(stream, random)))
                    .as("run %d in random pieces", run)
                    .isEqualTo(whole);
            assertThat(read(randomChunks(stream, new Random(run))))
                    .as("run %d in other pieces", run)
                    .isEqualTo(whole);
        }
    }

    /** Frames as a client might send them, now and then broken, now and then not frames at all. */
    private static byte[] randomStream(Random random) {
        int[] opcodes = {0, 1, 1, 2, 8, 9, 10, 3, 11};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int frames = 1 + random.nextInt(6);
        for (int f = 0; f < frames; f++) {
            if (random.nextInt(10) == 0) {
                byte[] junk = new byte[random.nextInt(20)];
                random.nextBytes(junk);
                out.writeBytes(junk);
                continue;
            }
            int first = opcodes[random.nextInt(opcodes.length)];
            if (random.nextInt(3) > 0) {
                first |= FIN;
            }
            if (random.nextInt(20) == 0) {
                first |= 0x10 << random.nextInt(3); // an RSV bit
            }
            byte[] payload = new byte[randomLength(random)];
            random.nextBytes(payload);
            if (random.nextBoolean()) {
                Arrays.fill(payload, (byte) 'a'); // valid text, and a valid close status now and then
            }
            byte[] frame =
                    random.nextInt(25) == 0 ? unmasked(first, Arrays.copyOf(payload, 100)) : frame(first, payload);
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    private static int randomLength(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> random.nextInt(126);
            case 2 -> 126 + random.nextInt(MAX);
            default -> random.nextInt(3);
        };
    }

    private static List<byte[]> randomChunks(byte[] stream, Random random) {
        List<byte[]> chunks = new ArrayList<>();
        int at = 0;
        while (at < stream.length) {
            int size = 1 + random.nextInt(Math.min(stream.length - at, random.nextBoolean() ? 4 : 400));
            chunks.add(Arrays.copyOfRange(stream, at, at + size));
            at += size;
        }
        return chunks;
    }

    /** What {@code chunks} read as, each handed to the reader as one read of the socket. */
    private static List<String> read(List<byte[]> chunks) {
        WebSocketReader reader = new WebSocketReader(ByteBufAllocator.DEFAULT, MAX, false);
        Recorder recorder = new Recorder();
        List<ByteBuf> given = new ArrayList<>();
        for (byte[] chunk : chunks) {
            ByteBuf in = Unpooled.buffer(chunk.length).writeBytes(chunk);
            given.add(in);
            reader.add(in);
            while (reader.next(recorder)) {}
        }
        reader.release();
        assertThat(given).as("every read released").allMatch(b -> b.refCnt() == 0);
        return recorder.seen;
    }

    private static final class Recorder implements WebSocketReader.Receiver {
        final List<String> seen = new ArrayList<>();

        @Override
        public void message(boolean text, boolean compressed, ByteBuf content) {
            String prefix = compressed ? "compressed " : "";
            seen.add(prefix
                    + (text
                            ? "text " + content.toString(StandardCharsets.UTF_8)
                            : "binary " + content.readableBytes()));
        }

        @Override
        public void ping(ByteBuf payload) {
            seen.add("ping " + payload.toString(StandardCharsets.UTF_8));
        }

        @Override
        public void pong() {
            seen.add("pong");
        }

        @Override
        public void closeReceived(int status, String reason) {
            seen.add("close " + status + " " + reason);
        }

        @Override
        public void failed(int status, String reason) {
            seen.add("failed " + status + " " + reason);
        }
    }

    /** A masked frame with its payload length in the shortest form. */
    private static byte[] frame(int first, byte[] payload) {
        return RawWebSocket.clientFrame(first, payload, MASK);
    }

    private static byte[] masked(ByteArrayOutputStream header, byte[] payload) {
        header.write(MASK, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            header.write(payload[i] ^ MASK[i & 3]);
        }
        return header.toByteArray();
    }

    private static byte[] unmasked(int first, byte[] payload) {
        byte[] frame = new byte[2 + payload.length];
        frame[0] = (byte) first;
        frame[1] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        return frame;
    }

    private static byte[] withLength16(int first, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(first);
        out.write(0x80 | 126);
        out.write(0);
        out.write(payload.length);
        return masked(out, payload);
    }

    private static byte[] withLength64(int first, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(first);
        out.write(0x80 | 127);
        out.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) payload.length});
        return masked(out, payload);
    }

    private static byte[] topBitLength() {
        return new byte[] {(byte) (FIN | 1), (byte) (0x80 | 127), (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
    }

    private static byte[] closeBody(int status, String reason) {
        return concat(new byte[] {(byte) (status >> 8), (byte) status}, utf8(reason));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
