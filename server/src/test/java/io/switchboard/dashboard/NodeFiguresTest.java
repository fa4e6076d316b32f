package io.switchboard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeFiguresTest {

    @Test
    void reportsAtMostTwentyClientLibrariesWithShortNames() {
        Map<String, Integer> clients = new HashMap<>();
        clients.put("js 8.6.0", 1000);
        clients.put("x".repeat(5000), 500);
        for (int i = 0; i < 10_000; i++) {
            clients.put("made-up-" + i, 1);
        }
        Map<String, Integer> top = NodeFigures.topClients(clients);
        assertThat(top).hasSize(NodeFigures.MAX_CLIENTS);
        assertThat(top).containsEntry("js 8.6.0", 1000).containsEntry("x".repeat(64) + "\u2026", 500);
        assertThat(top.get("other")).isEqualTo(10_000 - (NodeFigures.MAX_CLIENTS - 3));
        assertThat(top.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(11_500);
    }

    @Test
    void leavesAFewShortNamesAsTheyAre() {
        Map<String, Integer> clients = Map.of("js 8.6.0", 3, "java-client 2.4.4", 2);
        assertThat(NodeFigures.topClients(clients)).isSameAs(clients);
    }
}
