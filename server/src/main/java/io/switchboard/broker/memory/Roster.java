package io.switchboard.broker.memory;

import io.switchboard.broker.PresenceStore;
import io.switchboard.core.Member;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * The members of one presence channel in join order, with each member's connections.
 *
 * <p>Most rosters hold one member with one connection: every signed-in user has a roster of its
 * own (the user's online channel), and so do small presence channels. Those are kept in two fields;
 * the ordered map of members is made when a second member joins, and a member's set of connections
 * when it opens a second one (bench/RESULTS.md, memory per idle connection).
 */
final class Roster {
    /** The only member while there is no {@link #users} map; null when the roster is empty. */
    private Entry only;
    /** Every member in join order, from the second member on; null until then. */
    private LinkedHashMap<String, Entry> users;

    private static final class Entry {
        final Member member;
        /** The member's one socket id ({@code String}), or a {@code Set<String>} of several. */
        private Object sockets;

        Entry(Member member, String socketId) {
            this.member = member;
            this.sockets = socketId;
        }

        void add(String socketId) {
            if (sockets instanceof String one) {
                if (!one.equals(socketId)) {
                    Set<String> several = new HashSet<>(4);
                    several.add(one);
                    several.add(socketId);
                    sockets = several;
                }
            } else {
                set().add(socketId);
            }
        }

        /** Removes the socket; whether the member has no connection left. */
        boolean remove(String socketId) {
            if (sockets instanceof String one) {
                return one.equals(socketId);
            }
            Set<String> several = set();
            several.remove(socketId);
            return several.isEmpty();
        }

        boolean has(String socketId) {
            return sockets instanceof String one ? one.equals(socketId) : set().contains(socketId);
        }

        @SuppressWarnings("unchecked")
        private Set<String> set() {
            return (Set<String>) sockets;
        }
    }

    synchronized PresenceStore.JoinResult join(String socketId, Member member, int maxMembers) {
        Entry existing = get(member.userId());
        if (existing == null) {
            if (userCount() >= maxMembers) {
                return new PresenceStore.JoinResult(false, false, false, List.of());
            }
            put(new Entry(member, socketId));
            return new PresenceStore.JoinResult(true, true, false, members());
        }
        existing.add(socketId);
        return new PresenceStore.JoinResult(true, false, false, members());
    }

    synchronized boolean leave(String socketId, String userId) {
        Entry e = get(userId);
        if (e == null || !e.has(socketId)) {
            return false;
        }
        if (!e.remove(socketId)) {
            return false;
        }
        if (users == null) {
            only = null;
        } else {
            users.remove(userId);
            if (users.isEmpty()) {
                users = null;
            }
        }
        return true;
    }

    synchronized boolean isEmpty() {
        return only == null && users == null;
    }

    List<Member> members() {
        if (users == null) {
            return only == null ? List.of() : List.of(only.member);
        }
        List<Member> out = new ArrayList<>(users.size());
        for (Entry e : users.values()) {
            out.add(e.member);
        }
        return out;
    }

    int userCount() {
        return users != null ? users.size() : only != null ? 1 : 0;
    }

    private Entry get(String userId) {
        if (users != null) {
            return users.get(userId);
        }
        return only != null && only.member.userId().equals(userId) ? only : null;
    }

    private void put(Entry e) {
        if (users == null && only == null) {
            only = e;
            return;
        }
        if (users == null) {
            users = new LinkedHashMap<>();
            users.put(only.member.userId(), only);
            only = null;
        }
        users.put(e.member.userId(), e);
    }
}
