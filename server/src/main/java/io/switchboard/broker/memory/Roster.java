package io.switchboard.broker.memory;

import io.switchboard.broker.PresenceStore;
import io.switchboard.core.Member;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/** The members of one presence channel in join order, with each member's connections. */
final class Roster {
    private final LinkedHashMap<String, Entry> users = new LinkedHashMap<>();

    private record Entry(Member member, Set<String> sockets) {}

    synchronized PresenceStore.JoinResult join(String socketId, Member member, int maxMembers) {
        Entry existing = users.get(member.userId());
        if (existing == null) {
            if (users.size() >= maxMembers) {
                return new PresenceStore.JoinResult(false, false, false, List.of());
            }
            Set<String> sockets = new HashSet<>();
            sockets.add(socketId);
            users.put(member.userId(), new Entry(member, sockets));
            return new PresenceStore.JoinResult(true, true, false, members());
        }
        existing.sockets().add(socketId);
        return new PresenceStore.JoinResult(true, false, false, members());
    }

    synchronized boolean leave(String socketId, String userId) {
        Entry e = users.get(userId);
        if (e == null || !e.sockets().remove(socketId)) {
            return false;
        }
        if (e.sockets().isEmpty()) {
            users.remove(userId);
            return true;
        }
        return false;
    }

    synchronized boolean isEmpty() {
        return users.isEmpty();
    }

    List<Member> members() {
        List<Member> out = new ArrayList<>(users.size());
        for (Entry e : users.values()) {
            out.add(e.member());
        }
        return out;
    }

    int userCount() {
        return users.size();
    }
}
