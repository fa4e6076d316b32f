package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canonical query string a REST signature covers (pusher-protocol.md §7.1). */
class RequestAuthenticatorTest {
    @Test
    void sortsLowercasedKeysAsKeysNotAsKeyValuePairs() {
        // "a" sorts before "a-b", although "a=" sorts after "a-b=".
        var query =
                new ApiRequest("POST", "/apps/1/events", "a-b=2&auth_signature=x&a=1&Body_md5=m", new byte[0]).query();
        assertThat(RequestAuthenticator.canonicalQuery(query)).isEqualTo("a=1&a-b=2&body_md5=m");
    }

    @Test
    void joinsTheValuesOfKeysThatDifferOnlyInCaseInTheOrderTheyCame() {
        var query = new LinkedHashMap<String, List<String>>();
        query.put("B", List.of("2"));
        query.put("a", List.of("1", "3"));
        query.put("b", List.of("4"));
        query.put("AUTH_SIGNATURE", List.of("s"));
        assertThat(RequestAuthenticator.canonicalQuery(query)).isEqualTo("a=1,3&b=2,4");
        assertThat(RequestAuthenticator.canonicalQuery(Map.of())).isEmpty();
    }

    @Test
    void findsARepeatedKeyWithOrWithoutCase() {
        assertThat(new ApiRequest("GET", "/", "a=1&b=2&a=3", new byte[0]).repeatedKey())
                .isEqualTo("a");
        assertThat(new ApiRequest("GET", "/", "a=1&B=2&b=3", new byte[0]).repeatedKey())
                .isEqualTo("b");
        assertThat(new ApiRequest("GET", "/", "a=1&b=2&c=", new byte[0]).repeatedKey())
                .isNull();
    }
}
