package io.switchboard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConsoleViewerTest {

    /** A stream that keeps what it is sent, and may refuse it as a client that stopped reading. */
    static final class Recording implements EventStream {
        final List<String> sent = new CopyOnWriteArrayList<>();
        volatile boolean reading = true;
        volatile boolean ended;

        @Override
        public boolean send(String text) {
            if (!reading) {
                return false;
            }
            sent.add(text);
            return true;
        }

        @Override
        public boolean writable() {
            return reading;
        }

        @Override
        public void end() {
            ended = true;
        }

        @Override
        public void onEnd(Runnable whenEnded) {}

        long count(String type) {
            return sent.stream()
                    .filter(s -> s.contains("\"type\":\"" + type + "\""))
                    .count();
        }
    }

    private static ConsoleEvents.Received event(String type, String channel) {
        byte[] json = ("{\"type\":\"" + type + "\",\"at\":1,\"node\":\"n\",\"channel\":\"" + channel + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        return ConsoleEvents.read(json);
    }

    private static ConsoleViewer viewer(Set<String> types, String channel, int perSecond, Recording stream) {
        return new ConsoleViewer("a", "n", types, channel, perSecond, TimeUnit.MINUTES.toNanos(1), null, stream);
    }

    @Test
    void showsOnlyTheChosenTypesOnMatchingChannels() {
        Recording stream = new Recording();
        ConsoleViewer v = viewer(Set.of("client_event"), "chat", 100, stream);
        v.offer(event("client_event", "private-chat-1"));
        v.offer(event("client_event", "news"));
        v.offer(event("subscribed", "private-chat-1"));
        assertThat(stream.sent).hasSize(1);
        assertThat(stream.sent.get(0)).startsWith("data: {").endsWith("}\n\n").contains("private-chat-1");
    }

    @Test
    void leavesOutWhatIsOverItsRateAndSaysHowMuchBeforeTheNextEventShown() throws InterruptedException {
        Recording stream = new Recording();
        ConsoleViewer v = viewer(Set.of(), "", 5, stream);
        for (int i = 0; i < 20; i++) {
            v.offer(event("api_message", "news"));
        }
        long shown = stream.count("api_message");
        assertThat(shown).isBetween(5L, 8L);
        Thread.sleep(1100);
        v.tick(false);
        String marker = stream.sent.stream()
                .filter(s -> s.contains("\"sampled\""))
                .findFirst()
                .orElseThrow();
        assertThat(marker).contains("\"dropped\":" + (20 - shown), "\"where\":\"viewer\"");
    }

    @Test
    void countsEventsAClientDoesNotReadAsLeftOut() throws InterruptedException {
        Recording stream = new Recording();
        ConsoleViewer v = viewer(Set.of(), "", 100, stream);
        stream.reading = false;
        v.offer(event("api_message", "news"));
        v.offer(event("api_message", "news"));
        stream.reading = true;
        Thread.sleep(1100);
        v.offer(event("api_message", "news"));
        assertThat(stream.sent.get(0)).contains("\"sampled\"", "\"dropped\":2");
        assertThat(stream.count("api_message")).isEqualTo(1);
    }

    @Test
    void endsWithAReasonAfterItsLifetimeOrWithItsLogin() {
        Recording stream = new Recording();
        ConsoleViewer expired = new ConsoleViewer("a", "n", Set.of(), "", 10, 0, null, stream);
        assertThat(expired.tick(false)).isFalse();
        assertThat(stream.ended).isTrue();
        assertThat(stream.sent.get(0)).startsWith("event: end\n").contains("maximum time");

        Recording second = new Recording();
        Session session = new Session("csrf", System.nanoTime() + TimeUnit.MINUTES.toNanos(1));
        ConsoleViewer loggedIn =
                new ConsoleViewer("a", "n", Set.of(), "", 10, TimeUnit.MINUTES.toNanos(1), session, second);
        assertThat(loggedIn.tick(true)).isTrue();
        assertThat(second.sent).containsExactly(": keep-alive\n\n");
        session.end();
        assertThat(loggedIn.tick(false)).isFalse();
        assertThat(second.sent.get(1)).contains("login has expired");
    }
}
