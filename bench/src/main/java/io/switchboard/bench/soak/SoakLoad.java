package io.switchboard.bench.soak;

import io.switchboard.bench.Options;
import io.switchboard.bench.RestClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Everything the soak runs against the server, built from the options: fan-out channels with their
 * publisher and WebSocket subscribers, HTTP fallback sessions on the same channels, presence churn
 * with client events, and the hostile clients. Opens, starts, stops and closes them together.
 */
final class SoakLoad {
    final SoakContext ctx;
    final RestClient rest;
    final List<String> fanoutChannels = new ArrayList<>();
    final FanoutPublisher publisher;
    final List<FanoutSubscriber> subscribers = new ArrayList<>();
    final List<FallbackSession> fallbacks = new ArrayList<>();
    final List<Integer> fallbackChannel = new ArrayList<>();
    final FallbackSession.Counters streaming = new FallbackSession.Counters();
    final FallbackSession.Counters polling = new FallbackSession.Counters();
    final PresenceChurn presence;
    final HostileClients hostile;
    private final int perChannel;
    private final int subscriberCount;
    private final int steadyMembers;

    SoakLoad(SoakContext ctx, Options o) {
        this.ctx = ctx;
        int channels = o.integer("fanout-channels", 3);
        perChannel = o.integer("fanout-subscribers", 200);
        double rate = o.number("fanout-rate", 10);
        int payload = o.integer("payload", 100);
        int breakEvery = o.integer("break-subscriber", 0);
        for (int i = 0; i < channels; i++) {
            fanoutChannels.add("soak-fanout-" + i);
        }
        rest = new RestClient(ctx.io, ctx.loop, ctx.target);
        publisher = new FanoutPublisher(rest, ctx.target.appId(), fanoutChannels, rate, payload);
        for (int ch = 0; ch < channels; ch++) {
            for (int i = 0; i < perChannel; i++) {
                // --break-subscriber N: the first subscriber of the first channel throws events away
                int drop = ch == 0 && i == 0 ? breakEvery : 0;
                subscribers.add(new FanoutSubscriber(ctx, fanoutChannels.get(ch), drop));
            }
        }
        subscriberCount = subscribers.size();
        int streams = o.integer("xhr-streaming", 4);
        int polls = o.integer("xhr-polling", 4);
        for (int i = 0; i < streams + polls && channels > 0; i++) {
            boolean stream = i < streams;
            int ch = i % channels;
            fallbacks.add(new FallbackSession(
                    ctx,
                    stream ? FallbackSession.Mode.STREAMING : FallbackSession.Mode.POLLING,
                    fanoutChannels.get(ch),
                    stream ? streaming : polling));
            fallbackChannel.add(ch);
        }
        int presenceChannels = o.integer("presence-channels", 2);
        int steadyPerChannel = Math.max(1, o.integer("presence-members", 20));
        List<String> presenceNames = new ArrayList<>();
        for (int i = 0; i < presenceChannels; i++) {
            presenceNames.add("presence-soak-" + i);
        }
        presence = new PresenceChurn(
                ctx,
                presenceNames,
                steadyPerChannel,
                o.integer("churn", 4),
                o.integer("client-events", 3),
                payload,
                o.seconds("round", 10),
                o.seconds("removal-delay", 3));
        steadyMembers = steadyPerChannel * presenceChannels;
        boolean hostileOn = !o.string("hostile", "true").equals("false");
        hostile = new HostileClients(
                ctx,
                new HostileClients.Plan(
                        o.string("hostile-address", "127.0.0.2"),
                        o.seconds("hostile-comeback", 5),
                        hostileOn ? o.integer("flood-rate", 200) : 0,
                        o.integer("flood-name", 2000),
                        hostileOn ? o.seconds("slowloris-every", 10) : 0,
                        o.integer("slowloris-max", 300),
                        hostileOn ? o.integer("pipeline-burst", 20) : 0,
                        hostileOn ? fanoutChannels : List.of()));
    }

    /**
     * Opens every well-behaved client and waits until all are subscribed; fails with what was
     * missing after {@code timeoutSeconds}.
     */
    void open(double timeoutSeconds) throws Exception {
        rest.connect(Math.max(1, fanoutChannels.size())).get((long) timeoutSeconds, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
        for (int i = 0; i < subscribers.size(); i++) {
            subscribers.get(i).open();
            // at most 200 handshakes in flight
            while (i + 1 - ctx.subscribed.get() > 200 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        fallbacks.forEach(FallbackSession::open);
        presence.open();
        while (!ready() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (!ready()) {
            throw new IllegalStateException("soak setup incomplete after " + timeoutSeconds + " s: "
                    + ctx.subscribed.get() + "/" + subscriberCount + " subscribers, "
                    + (streaming.open.get() + polling.open.get()) + "/" + fallbacks.size() + " fallback sessions, "
                    + presence.joinedSteady() + "/" + steadyMembers + " presence members; " + ctx.notes());
        }
    }

    private boolean ready() {
        return ctx.subscribed.get() >= subscriberCount
                && streaming.open.get() + polling.open.get() >= fallbacks.size()
                && presence.joinedSteady() >= steadyMembers;
    }

    void start() {
        publisher.start();
        presence.startRounds();
        hostile.start();
    }

    /** Stops generating load; the well-behaved clients stay connected to receive what is in flight. */
    void stop() {
        publisher.stop();
        presence.stop();
        hostile.stop();
    }

    /** Events published but not yet received by a well-behaved receiver (after {@link #stop}). */
    long behind() {
        long n = 0;
        for (int i = 0; i < subscribers.size(); i++) {
            n += subscribers.get(i).behind(publisher.lastAccepted(channelOf(i)));
        }
        for (int i = 0; i < fallbacks.size(); i++) {
            n += fallbacks.get(i).behind(publisher.lastAccepted(fallbackChannel.get(i)));
        }
        return n + presence.behind();
    }

    /** Counts what every receiver is still missing as lost. Call once, after draining. */
    void countTails() {
        for (int i = 0; i < subscribers.size(); i++) {
            ctx.fanout.lost(subscribers.get(i).behind(publisher.lastAccepted(channelOf(i))));
        }
        for (int i = 0; i < fallbacks.size(); i++) {
            ctx.fallback.lost(fallbacks.get(i).behind(publisher.lastAccepted(fallbackChannel.get(i))));
        }
        ctx.clientEvents.lost(presence.behind());
    }

    /** Closes every client (the presence members' leaves are expected as webhooks). */
    void close() {
        ctx.stop();
        subscribers.forEach(FanoutSubscriber::close);
        fallbacks.forEach(FallbackSession::close);
        presence.close();
        rest.close();
    }

    /** Well-behaved receivers that never got a single event. */
    long silentSubscribers() {
        return subscribers.stream().filter(s -> !s.started()).count();
    }

    private int channelOf(int subscriber) {
        return subscriber / perChannel;
    }
}
