package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The leak check the fuzz tests rely on really fails on a lost buffer. Tagged like the fuzz tests
 * so it runs in their JVM, where paranoid tracking is on and a deliberate leak bothers no one else.
 */
@Tag("jazzer")
class NettyLeaksTest {

    @Test
    void failsOnABufferThatWasNeverReleased() {
        NettyLeaks.track();
        NettyLeaks.assertNone();
        lose(ByteBufAllocator.DEFAULT.directBuffer(16).writeLong(42));

        assertThatThrownBy(NettyLeaks::assertNone)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Netty buffer leak")
                .hasMessageContaining("failsOnABufferThatWasNeverReleased");
        NettyLeaks.assertNone();
    }

    @Test
    void passesWhenEveryBufferWasReleased() {
        NettyLeaks.track();
        ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(16).writeLong(42);
        buffer.release();

        NettyLeaks.assertNone();
    }

    private static void lose(ByteBuf buffer) {
        buffer.touch("deliberately lost");
    }
}
