package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Presence channel_data and sign-in user_data (pusher-protocol.md §3, §4.2, §4.4). */
class UserPayloadsTest {

    @Test
    void numericUserIdBecomesItsDecimalString() throws Exception {
        assertThat(UserPayloads.channelData("{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Pusher\"}}"))
                .isEqualTo(new UserPayloads.ChannelData("10", "{\"name\":\"Mr. Pusher\"}"));
        assertThat(UserPayloads.channelData("{\"user_id\":123456789012345678901234567890}")
                        .userId())
                .isEqualTo("123456789012345678901234567890");
    }

    @Test
    void userInfoIsOptional() throws Exception {
        assertThat(UserPayloads.channelData("{\"user_id\":\"u1\"}"))
                .isEqualTo(new UserPayloads.ChannelData("u1", null));
        assertThat(UserPayloads.channelData("{\"user_id\":\"u1\",\"user_info\":null}"))
                .isEqualTo(new UserPayloads.ChannelData("u1", null));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "[]",
                "{}",
                "{\"user_id\":\"\"}",
                "{\"user_id\":null}",
                "{\"user_id\":1.5}",
                "{\"user_id\":{\"id\":1}}",
                "{\"user_id\":\"u1\"} trailing"
            })
    void channelDataNeedsAUserId(String channelData) {
        assertThatThrownBy(() -> UserPayloads.channelData(channelData)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void userDataCarriesIdInfoAndWatchlist() throws Exception {
        UserPayloads.UserData data =
                UserPayloads.userData("{\"id\":\"u1\",\"user_info\":{\"a\":[1]},\"watchlist\":[\"u2\",3]}");

        assertThat(data).isEqualTo(new UserPayloads.UserData("u1", "{\"a\":[1]}", List.of("u2", "3")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"id\":\"\"}", "{\"user_id\":\"u1\"}", "\"u1\"", "{\"id\":true}"})
    void userDataNeedsANonEmptyId(String userData) {
        assertThatThrownBy(() -> UserPayloads.userData(userData)).isInstanceOf(ProtocolException.class);
    }
}
