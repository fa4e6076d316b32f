package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a REST path is cut into segments and named for metrics. */
class RestApiPathsTest {
    @Test
    void aPathIsCutAtEverySlashKeepingEmptySegments() {
        assertThat(RestApi.segments("/apps/1/events")).containsExactly("apps", "1", "events");
        assertThat(RestApi.segments("/apps/1/channels/a%2Fb/users"))
                .containsExactly("apps", "1", "channels", "a%2Fb", "users");
        assertThat(RestApi.segments("/apps/")).containsExactly("apps", "");
        assertThat(RestApi.segments("/apps//events/")).containsExactly("apps", "", "events", "");
        assertThat(RestApi.segments("/")).containsExactly("");
    }

    @Test
    void segmentsNameTheirEndpointTemplate() {
        assertThat(RestApi.endpoint(RestApi.segments("/apps/1/events"))).isEqualTo("/apps/{id}/events");
        assertThat(RestApi.endpoint(RestApi.segments("/apps/1/channels/news/users")))
                .isEqualTo("/apps/{id}/channels/{name}/users");
        assertThat(RestApi.endpoint(RestApi.segments("/apps/1/events/"))).isEqualTo("other");
    }
}
