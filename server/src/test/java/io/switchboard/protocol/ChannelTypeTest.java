package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Prefix classification, most specific first and anchored (pusher-protocol.md §3). */
class ChannelTypeTest {

    @ParameterizedTest
    @CsvSource({
        "private-encrypted-cache-x, PRIVATE_ENCRYPTED_CACHE",
        "private-encrypted-x, PRIVATE_ENCRYPTED",
        "private-cache-x, PRIVATE_CACHE",
        "private-x, PRIVATE",
        "presence-cache-x, PRESENCE_CACHE",
        "presence-x, PRESENCE",
        "#server-to-user-42, SERVER_TO_USER",
        "cache-x, PUBLIC_CACHE",
        "x, PUBLIC",
        "private-encrypted-, PRIVATE_ENCRYPTED",
        "private-cache-encrypted-x, PRIVATE_CACHE",
        "private-presence-x, PRIVATE",
        "presence-private-x, PRESENCE",
        "cache-private-x, PUBLIC_CACHE"
    })
    void classifiesByTheLongestMatchingPrefix(String name, ChannelType type) {
        assertThat(ChannelType.of(name)).isEqualTo(type);
    }

    @ParameterizedTest
    @CsvSource({
        "my-private-channel",
        "xprivate-x",
        "private",
        "privatex",
        "presence",
        "encrypted-private-x",
        "my-cache-x",
        "cache",
        "Private-x",
        "server-to-user-1"
    })
    void prefixesMatchOnlyAtTheStart(String name) {
        assertThat(ChannelType.of(name)).isEqualTo(ChannelType.PUBLIC);
    }

    @Test
    void clientEventsOnlyOnPrivateAndPresence() {
        assertThat(ChannelType.values())
                .filteredOn(ChannelType::allowsClientEvents)
                .containsExactlyInAnyOrder(
                        ChannelType.PRIVATE,
                        ChannelType.PRIVATE_CACHE,
                        ChannelType.PRESENCE,
                        ChannelType.PRESENCE_CACHE);
    }

    @Test
    void signedKinds() {
        assertThat(ChannelType.values())
                .filteredOn(ChannelType::signed)
                .containsExactlyInAnyOrder(
                        ChannelType.PRIVATE,
                        ChannelType.PRIVATE_CACHE,
                        ChannelType.PRIVATE_ENCRYPTED,
                        ChannelType.PRIVATE_ENCRYPTED_CACHE,
                        ChannelType.PRESENCE,
                        ChannelType.PRESENCE_CACHE);
    }

    @Test
    void cacheKinds() {
        assertThat(ChannelType.values())
                .filteredOn(ChannelType::cache)
                .containsExactlyInAnyOrder(
                        ChannelType.PUBLIC_CACHE,
                        ChannelType.PRIVATE_CACHE,
                        ChannelType.PRIVATE_ENCRYPTED_CACHE,
                        ChannelType.PRESENCE_CACHE);
    }

    @Test
    void encryptedAndPresenceKinds() {
        assertThat(ChannelType.values())
                .filteredOn(ChannelType::encrypted)
                .containsExactlyInAnyOrder(ChannelType.PRIVATE_ENCRYPTED, ChannelType.PRIVATE_ENCRYPTED_CACHE);
        assertThat(ChannelType.values())
                .filteredOn(ChannelType::presence)
                .containsExactlyInAnyOrder(ChannelType.PRESENCE, ChannelType.PRESENCE_CACHE);
    }
}
