package io.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The test vectors of pusher-protocol.md, all signed with the document's test app. */
class SignaturesTest {
    private static final String KEY = "278d425bdf160c739803";
    private static final String SECRET = "7ad3773142a6692b25b8";

    @Test
    void privateChannelAuthVector() {
        assertThat(Signatures.hmacSha256Hex(SECRET, "1234.1234:private-foobar"))
                .isEqualTo("58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
    }

    @Test
    void presenceChannelAuthVector() {
        assertThat(Signatures.hmacSha256Hex(
                        SECRET, "1234.1234:presence-foobar:{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Pusher\"}}"))
                .isEqualTo("afaed3695da2ffd16931f457e338e6c9f2921fa133ce7dac49f529792be6304c");
    }

    @Test
    void eachSignatureUsesItsOwnSecretWhateverTheThreadSignedBefore() {
        String message = "1234.1234:private-foobar";
        String vector = "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";
        String other = Signatures.hmacSha256Hex("another-secret", message);
        assertThat(other).isNotEqualTo(vector);
        for (int i = 0; i < 3; i++) {
            assertThat(Signatures.hmacSha256Hex(SECRET, message)).isEqualTo(vector);
            assertThat(Signatures.hmacSha256Hex(SECRET, message)).isEqualTo(vector);
            assertThat(Signatures.hmacSha256Hex("another-secret", message)).isEqualTo(other);
        }
        assertThat(Signatures.hmacSha256Hex(new String(SECRET.toCharArray()), message))
                .isEqualTo(vector);
    }

    @Test
    void signinVector() {
        assertThat(Signatures.hmacSha256Hex(SECRET, "1234.1234::user::{\"id\":\"12345\"}"))
                .isEqualTo("4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba");
    }

    @Test
    void restRequestVector() {
        String body = "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}";
        String md5 = Signatures.md5Hex(body.getBytes(StandardCharsets.UTF_8));
        assertThat(md5).isEqualTo("ec365a775a4cd0599faeb73354201b6f");

        String toSign =
                "POST\n/apps/3/events\nauth_key=" + KEY + "&auth_timestamp=1353088179&auth_version=1.0&body_md5=" + md5;

        assertThat(Signatures.hmacSha256Hex(SECRET, toSign))
                .isEqualTo("da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
    }

    @Test
    void webhookVector() {
        byte[] body = "{\"time_ms\":1327078148132,\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"test\"}]}"
                .getBytes(StandardCharsets.UTF_8);

        assertThat(Signatures.hmacSha256Hex(SECRET, body))
                .isEqualTo("abfea5004a8dd261c09cf7357e59a6dbdbfd3d6a9846970f7d549e8e2b57bb32");
    }

    @Test
    void signsUtf8() {
        assertThat(Signatures.hmacSha256Hex(SECRET, "ünï"))
                .isEqualTo(Signatures.hmacSha256Hex(SECRET, "ünï".getBytes(StandardCharsets.UTF_8)))
                .hasSize(64)
                .matches("[0-9a-f]+");
    }

    @Test
    void verifyAuthAcceptsKeyColonSignature() {
        String auth = KEY + ":58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";

        assertThat(Signatures.verifyAuth(KEY, SECRET, "1234.1234:private-foobar", auth))
                .isTrue();
    }

    @Test
    void verifyAuthRefusesAnythingElse() {
        String sig = "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";
        String toSign = "1234.1234:private-foobar";

        assertThat(Signatures.verifyAuth(KEY, SECRET, toSign, null)).isFalse();
        assertThat(Signatures.verifyAuth(KEY, SECRET, toSign, "")).isFalse();
        assertThat(Signatures.verifyAuth(KEY, SECRET, toSign, sig)).isFalse();
        assertThat(Signatures.verifyAuth(KEY, SECRET, toSign, "other-key:" + sig))
                .isFalse();
        assertThat(Signatures.verifyAuth(KEY, SECRET, toSign, KEY + ":" + sig.toUpperCase()))
                .isFalse();
        assertThat(Signatures.verifyAuth(KEY, SECRET, "1234.1235:private-foobar", KEY + ":" + sig))
                .isFalse();
        assertThat(Signatures.verifyAuth(KEY, SECRET, toSign, KEY + ":" + sig + "0"))
                .isFalse();
        assertThat(Signatures.verifyAuth(KEY, SECRET, toSign, KEY + "::" + sig)).isFalse();
    }

    @Test
    void constantTimeEqualsComparesWholeStrings() {
        assertThat(Signatures.constantTimeEquals("abc", "abc")).isTrue();
        assertThat(Signatures.constantTimeEquals("abc", "abd")).isFalse();
        assertThat(Signatures.constantTimeEquals("abc", "ab")).isFalse();
        assertThat(Signatures.constantTimeEquals(null, "abc")).isFalse();
        assertThat(Signatures.constantTimeEquals("abc", null)).isFalse();
    }
}
