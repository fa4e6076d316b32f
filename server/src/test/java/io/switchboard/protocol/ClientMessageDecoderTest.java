package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding client frames (pusher-protocol.md §1.3, §2.1). */
class ClientMessageDecoderTest {
    private final ClientMessageDecoder decoder = new ClientMessageDecoder();

    @Test
    void subscribeWithDataObject() throws Exception {
        assertThat(decoder.decode(
                        "{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":\"k:s\",\"channel\":\"private-x\"}}"))
                .isEqualTo(new ClientMessage.Subscribe("private-x", "k:s", null));
    }

    @Test
    void subscribeWithDataAsAJsonString() throws Exception {
        assertThat(decoder.decode("{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"news\\\"}\"}"))
                .isEqualTo(new ClientMessage.Subscribe("news", null, null));
    }

    @Test
    void subscribeKeepsChannelDataExactlyAsSent() throws Exception {
        String channelData = "{ \"user_id\" : 10,\n \"user_info\":{\"name\":\"Mr. Pusher\"} }";
        String frame = "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-x\",\"auth\":\"k:s\","
                + "\"channel_data\":" + quote(channelData) + "}}";

        ClientMessage.Subscribe subscribe = (ClientMessage.Subscribe) decoder.decode(frame);

        assertThat(subscribe.channelData()).isEqualTo(channelData);
    }

    @Test
    void subscribeReadsResumeAfterAsANumberOrAStringOfDigits() throws Exception {
        assertThat(
                        decoder.decode(
                                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c\",\"resume_after\":1733362000000001}}"))
                .isEqualTo(new ClientMessage.Subscribe("c", null, null, 1733362000000001L));
        assertThat(decoder.decode(
                        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c\",\"resume_after\":\"42\"}}"))
                .isEqualTo(new ClientMessage.Subscribe("c", null, null, 42));
        assertThat(
                        decoder.decode(
                                "{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"c\\\",\\\"resume_after\\\":0}\"}"))
                .isEqualTo(new ClientMessage.Subscribe("c", null, null, 0));
        assertThat(decoder.decode(
                        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c\",\"resume_after\":null}}"))
                .isEqualTo(new ClientMessage.Subscribe("c", null, null));
    }

    @Test
    void aResumeAfterThatIsNoSerialIsRefusedWithItsCode() {
        for (String bad : List.of(
                "-1",
                "1.0",
                "1e3",
                "\"\"",
                "\" 1\"",
                "\"12345678901234567\"",
                "[1]",
                "9007199254740992",
                "123456789012345678901234567890")) {
            assertThatThrownBy(() -> decoder.decode(
                            "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c\",\"resume_after\":" + bad
                                    + "}}"))
                    .as(bad)
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("resume_after")
                    .extracting(e -> ((ProtocolException) e).code())
                    .isEqualTo(ErrorCodes.INVALID_RESUME_AFTER);
        }
    }

    @Test
    void subscribeIgnoresUnknownFieldsAndKeyOrder() throws Exception {
        assertThat(decoder.decode(
                        "{\"data\":{\"extra\":[1,{}],\"channel\":\"news\"},\"id\":7,\"event\":\"pusher:subscribe\"}"))
                .isEqualTo(new ClientMessage.Subscribe("news", null, null));
    }

    @Test
    void unsubscribe() throws Exception {
        assertThat(decoder.decode("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"news\"}}"))
                .isEqualTo(new ClientMessage.Unsubscribe("news"));
    }

    @Test
    void signinKeepsUserDataExactlyAsSent() throws Exception {
        String userData = "{ \"id\": \"12345\" }";

        assertThat(decoder.decode("{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"k:s\",\"user_data\":"
                        + quote(userData) + "}}"))
                .isEqualTo(new ClientMessage.Signin("k:s", userData));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"event\":\"pusher:ping\"}",
                "{\"event\":\"pusher:ping\",\"data\":{}}",
                "{\"event\":\"pusher:ping\",\"data\":\"{}\"}",
                "{\"event\":\"pusher:ping\",\"data\":null}"
            })
    void pingWithOrWithoutData(String frame) throws Exception {
        assertThat(decoder.decode(frame)).isInstanceOf(ClientMessage.Ping.class);
    }

    @Test
    void pong() throws Exception {
        assertThat(decoder.decode("{\"event\":\"pusher:pong\",\"data\":{}}")).isInstanceOf(ClientMessage.Pong.class);
    }

    @Test
    void clientEventWithObjectData() throws Exception {
        assertThat(decoder.decode("{\"event\":\"client-typing\",\"channel\":\"private-x\",\"data\":{\"on\":true}}"))
                .isEqualTo(new ClientMessage.ClientEvent("client-typing", "private-x", "{\"on\":true}"));
    }

    @Test
    void clientEventWithStringDataStaysAString() throws Exception {
        assertThat(decoder.decode(
                        "{\"event\":\"client-typing\",\"channel\":\"private-x\",\"data\":\"{\\\"on\\\":true}\"}"))
                .isEqualTo(new ClientMessage.ClientEvent("client-typing", "private-x", "\"{\\\"on\\\":true}\""));
    }

    @Test
    void clientEventWithoutData() throws Exception {
        assertThat(decoder.decode("{\"event\":\"client-typing\",\"channel\":\"private-x\"}"))
                .isEqualTo(new ClientMessage.ClientEvent("client-typing", "private-x", null));
    }

    @Test
    void otherEventsAreUnsupported() throws Exception {
        assertThat(decoder.decode("{\"event\":\"pusher:dance\",\"data\":{}}"))
                .isEqualTo(new ClientMessage.Unsupported("pusher:dance"));
        assertThat(decoder.decode("{\"event\":\"typing\",\"channel\":\"private-x\",\"data\":{}}"))
                .isEqualTo(new ClientMessage.Unsupported("typing"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "not json",
                "[]",
                "42",
                "\"pusher:ping\"",
                "{\"event\":\"pusher:ping\"",
                "{\"event\":\"pusher:ping\"}{}",
                "{\"data\":{}}",
                "{\"event\":null}",
                "{\"event\":42}",
                "{\"event\":{\"name\":\"pusher:ping\"}}",
                "{\"event\":\"pusher:subscribe\"}",
                "{\"event\":\"pusher:subscribe\",\"data\":42}",
                "{\"event\":\"pusher:subscribe\",\"data\":[]}",
                "{\"event\":\"pusher:subscribe\",\"data\":\"news\"}",
                "{\"event\":\"pusher:subscribe\",\"data\":{}}",
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":42}}",
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"x\",\"channel_data\":{\"user_id\":1}}}",
                "{\"event\":\"pusher:unsubscribe\",\"data\":{}}",
                "{\"event\":\"pusher:signin\",\"data\":{\"auth\":\"k:s\"}}",
                "{\"event\":\"pusher:signin\",\"data\":{\"user_data\":\"{}\"}}",
                "{\"event\":\"client-typing\",\"data\":{}}",
                "{\"event\":\"client-typing\",\"channel\":7,\"data\":{}}"
            })
    void refusesFramesItCannotUse(String frame) {
        assertThatThrownBy(() -> decoder.decode(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessageNotContaining("Exception");
    }

    @Test
    void refusesDeeplyNestedData() {
        String deep = "[".repeat(1000) + "]".repeat(1000);

        assertThatThrownBy(() ->
                        decoder.decode("{\"event\":\"client-x\",\"channel\":\"private-x\",\"data\":" + deep + "}"))
                .isInstanceOf(ProtocolException.class);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
