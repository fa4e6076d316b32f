package io.switchboard.api;

import io.switchboard.app.App;
import io.switchboard.app.AppLimits;
import io.switchboard.channel.Channels;
import io.switchboard.core.ChannelKey;
import io.switchboard.debug.DebugTap;
import io.switchboard.metrics.Limit;
import io.switchboard.metrics.LimitRejections;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ChannelType;
import io.switchboard.protocol.ServerFrames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * {@code POST /apps/{id}/events} and {@code /batch_events} (pusher-protocol.md §7.2, §7.3): checks
 * each event against the app's limits, encodes it once per channel and publishes it; the {@code
 * info} attributes asked for are read from {@link ChannelQueries}.
 */
final class EventPublishing {
    private static final Pattern SOCKET_ID = Pattern.compile("\\d+\\.\\d+");
    private static final Set<String> EVENT_INFO = Set.of("user_count", "subscription_count");

    private final Channels channels;
    private final ChannelQueries queries;
    private final LimitRejections rejections;
    private final DebugTap debug;

    EventPublishing(Channels channels, ChannelQueries queries, LimitRejections rejections, DebugTap debug) {
        this.channels = channels;
        this.queries = queries;
        this.rejections = rejections;
        this.debug = debug;
    }

    CompletionStage<ApiResponse> events(App app, ApiRequest request) throws TriggerBody.BadBody, TooLarge {
        TriggerBody.Event event = TriggerBody.event(request.body());
        validate(app, event, true);
        CompletableFuture<Void> settled = publish(app, event);
        if (event.info() == null || event.info().isBlank()) {
            return settled.thenApply(v -> ApiResponse.ok());
        }
        return settled.thenCompose(v -> queries.info(app, event))
                .thenApply(attrs ->
                        new ApiResponse(200, ApiResponse.json(g -> ChannelQueries.writeChannelInfo(g, attrs))));
    }

    CompletionStage<ApiResponse> batch(App app, ApiRequest request) throws TriggerBody.BadBody, TooLarge {
        List<TriggerBody.Event> events = TriggerBody.batch(request.body());
        if (events.size() > app.limits().maxBatchSize()) {
            rejections.count(app.id(), Limit.MAX_BATCH_SIZE);
            throw new TriggerBody.BadBody("Batch has "
                    + events.size()
                    + " events; the maximum is "
                    + app.limits().maxBatchSize());
        }
        for (int i = 0; i < events.size(); i++) {
            try {
                validate(app, events.get(i), false);
            } catch (TriggerBody.BadBody e) {
                throw new TriggerBody.BadBody("batch[" + i + "]: " + e.getMessage());
            } catch (TooLarge e) {
                throw new TooLarge("batch[" + i + "]: " + e.getMessage());
            }
        }
        boolean anyInfo = false;
        List<CompletableFuture<Void>> settled = new ArrayList<>(events.size());
        for (TriggerBody.Event event : events) {
            settled.add(publish(app, event));
            anyInfo |= event.info() != null && !event.info().isBlank();
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(settled.toArray(CompletableFuture[]::new));
        if (!anyInfo) {
            return all.thenApply(v -> ApiResponse.ok());
        }
        return all.thenCompose(v -> batchInfo(app, events));
    }

    private CompletableFuture<ApiResponse> batchInfo(App app, List<TriggerBody.Event> events) {
        List<CompletableFuture<Map<String, Map<String, Long>>>> infos = new ArrayList<>();
        for (TriggerBody.Event event : events) {
            infos.add(
                    event.info() == null || event.info().isBlank()
                            ? CompletableFuture.completedFuture(Map.of())
                            : queries.info(app, event).toCompletableFuture());
        }
        return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))
                .thenApply(v -> new ApiResponse(200, ApiResponse.json(g -> {
                    g.writeArrayFieldStart("batch");
                    for (var f : infos) {
                        Map<String, Long> attrs =
                                f.join().values().stream().findFirst().orElse(Map.of());
                        g.writeStartObject();
                        for (var a : attrs.entrySet()) {
                            g.writeNumberField(a.getKey(), a.getValue());
                        }
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                })));
    }

    void validate(App app, TriggerBody.Event e, boolean multiChannel) throws TriggerBody.BadBody, TooLarge {
        AppLimits limits = app.limits();
        if (e.name() == null || e.name().isEmpty()) {
            throw new TriggerBody.BadBody("Missing event name ('name')");
        }
        if (e.name().length() > limits.maxEventNameLength()) {
            rejections.count(app.id(), Limit.MAX_EVENT_NAME_LENGTH);
            throw new TriggerBody.BadBody("Event name is longer than " + limits.maxEventNameLength() + " characters");
        }
        if (e.data() == null) {
            throw new TriggerBody.BadBody("Missing event data ('data')");
        }
        int size = e.data().getBytes(StandardCharsets.UTF_8).length;
        if (size > limits.maxPayloadBytes()) {
            rejections.count(app.id(), Limit.MAX_PAYLOAD_BYTES);
            throw new TooLarge("Event data is " + size + " bytes; the maximum is " + limits.maxPayloadBytes());
        }
        if (e.channels().isEmpty()) {
            throw new TriggerBody.BadBody(multiChannel ? "Missing 'channels' (or 'channel')" : "Missing 'channel'");
        }
        if (!multiChannel && e.channels().size() > 1) {
            throw new TriggerBody.BadBody("A batch event has exactly one 'channel'");
        }
        if (e.channels().size() > limits.maxChannelsPerEvent()) {
            rejections.count(app.id(), Limit.MAX_CHANNELS_PER_EVENT);
            throw new TriggerBody.BadBody(
                    "Too many channels: " + e.channels().size() + "; the maximum is " + limits.maxChannelsPerEvent());
        }
        for (String channel : e.channels()) {
            String problem = ChannelNames.problem(channel, limits.maxChannelNameLength());
            if (problem != null) {
                if (channel.length() > limits.maxChannelNameLength()) {
                    rejections.count(app.id(), Limit.MAX_CHANNEL_NAME_LENGTH);
                }
                throw new TriggerBody.BadBody(problem);
            }
            if (e.channels().size() > 1 && ChannelType.of(channel).encrypted()) {
                throw new TriggerBody.BadBody(
                        "Events to encrypted channels (" + channel + ") must target a single channel");
            }
        }
        if (e.socketId() != null && !SOCKET_ID.matcher(e.socketId()).matches()) {
            throw new TriggerBody.BadBody("Invalid socket_id: " + e.socketId());
        }
        if (e.info() != null && !e.info().isBlank()) {
            for (String attr : e.info().split(",")) {
                if (!EVENT_INFO.contains(attr.strip())) {
                    throw new TriggerBody.BadBody(
                            "Unknown info attribute '" + attr.strip() + "'; use user_count, subscription_count");
                }
            }
        }
    }

    /** Publishes the event to each of its channels; completes once every one is settled. */
    CompletableFuture<Void> publish(App app, TriggerBody.Event e) {
        debug.apiMessage(app.id(), e.channels(), e.name(), e.data(), e.socketId());
        List<String> names = e.channels();
        if (names.size() == 1) {
            return publish(app, e, names.get(0));
        }
        CompletableFuture<?>[] settled = new CompletableFuture<?>[names.size()];
        for (int i = 0; i < names.size(); i++) {
            settled[i] = publish(app, e, names.get(i));
        }
        return CompletableFuture.allOf(settled);
    }

    private CompletableFuture<Void> publish(App app, TriggerBody.Event e, String channel) {
        return channels.publishApiEvent(
                        new ChannelKey(app.id(), channel),
                        ChannelType.of(channel),
                        ServerFrames.event(e.name(), channel, e.data()),
                        e.socketId(),
                        app.limits().cacheTtlSeconds())
                .toCompletableFuture();
    }

    /** A payload over the app's size limit; answered with 413. */
    static final class TooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message, null, false, false);
        }
    }
}
