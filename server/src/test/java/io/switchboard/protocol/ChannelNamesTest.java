package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Channel-name rules (pusher-protocol.md §3). */
class ChannelNamesTest {
    private static final int LIMIT = 200;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a",
                "news",
                "AZaz09_-=@,.;",
                "private-encrypted-cache-x",
                "presence-room.42",
                "#server-to-user-12345",
                "#server-to-user-a@b.c"
            })
    void acceptsTheAllowedCharacters(String name) {
        assertThat(ChannelNames.problem(name, LIMIT)).isNull();
        assertThat(ChannelNames.isValid(name, LIMIT)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "my channel",
                "#foo",
                "news#",
                "#server-to-user-",
                "#server-to-user-a#b",
                "server-to-user-#1",
                "a/b",
                "a:b",
                "ünïcode",
                "tab\there",
                "quote\"",
                "news!"
            })
    void refusesEverythingElse(String name) {
        assertThat(ChannelNames.problem(name, LIMIT)).isNotBlank();
        assertThat(ChannelNames.isValid(name, LIMIT)).isFalse();
    }

    @Test
    void refusesNull() {
        assertThat(ChannelNames.isValid(null, LIMIT)).isFalse();
    }

    @Test
    void lengthLimitIncludesThePrefix() {
        assertThat(ChannelNames.isValid("c".repeat(200), 200)).isTrue();
        assertThat(ChannelNames.isValid("c".repeat(201), 200)).isFalse();
        assertThat(ChannelNames.isValid("private-" + "c".repeat(156), 164)).isTrue();
        assertThat(ChannelNames.isValid("private-" + "c".repeat(157), 164)).isFalse();
    }

    @Test
    void problemSaysWhatIsWrong() {
        assertThat(ChannelNames.problem("c".repeat(201), 200)).contains("200");
        assertThat(ChannelNames.problem("#foo", 200)).contains("#foo");
    }

    @Test
    void serverToUserIdIsTheRestOfTheName() {
        assertThat(ChannelNames.serverToUserId("#server-to-user-12345")).isEqualTo("12345");
    }
}
