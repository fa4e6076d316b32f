package io.switchboard.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.ApiRequest;
import io.switchboard.app.App;
import io.switchboard.appstore.AppStore;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ChannelType;
import io.switchboard.webhook.WebhookSender;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The admin API's views of an app's live state, as JSON: its connections, occupied channels and
 * recent webhook deliveries ({@code GET .../state}), and a presence channel's members. Read through
 * {@link LiveState}, waiting at most {@value #READ_TIMEOUT_SECONDS} s for the broker (a 503 after).
 */
final class LiveStateViews {
    private static final long READ_TIMEOUT_SECONDS = 5;

    private final LiveState state;
    private final Function<String, App> existing;

    /** @param existing the app of an id, throwing {@link AppStore.NotFound} when there is none */
    LiveStateViews(LiveState state, Function<String, App> existing) {
        this.state = state;
        this.existing = existing;
    }

    ObjectNode state(String id) {
        existing.apply(id);
        LiveState.AppState s = await(state.app(id));
        ObjectNode out = AppInput.JSON.createObjectNode();
        out.put("id", s.appId());
        out.put("enabled", existing.apply(id).enabled());
        ObjectNode connections = out.putObject("connections");
        connections.put("node", s.node());
        connections.put("count", s.connections().connections());
        connections.set("transports", AppInput.JSON.valueToTree(s.connections().transports()));
        connections.set("protocols", AppInput.JSON.valueToTree(s.connections().protocols()));
        connections.set("clients", AppInput.JSON.valueToTree(s.connections().clients()));
        out.set("channels", s.channelsToJson(AppInput.JSON));
        ObjectNode hooks = out.putObject("webhooks");
        hooks.put("node", s.node());
        hooks.put("delivered", s.webhooks().delivered());
        hooks.put("retried", s.webhooks().retried());
        hooks.put("failed", s.webhooks().failed());
        hooks.put("queued", s.webhooks().queued());
        ArrayNode recent = hooks.putArray("recent");
        for (WebhookSender.Delivery d : s.webhooks().recent()) {
            ObjectNode r = recent.addObject();
            r.put("at", Instant.ofEpochMilli(d.atMillis()).toString());
            r.put("url", d.url());
            r.put("outcome", d.outcome());
            r.put("attempt", d.attempt());
            if (d.problem() != null) {
                r.put("problem", d.problem());
            }
        }
        return out;
    }

    ObjectNode members(String id, String channel, ApiRequest request) throws AppInput.Invalid {
        App app = existing.apply(id);
        String problem = ChannelNames.problem(channel, app.limits().maxChannelNameLength());
        if (problem != null) {
            throw new AppInput.Invalid(problem);
        }
        if (!ChannelType.of(channel).presence()) {
            throw new AppInput.Invalid("Only presence channels have members: " + AppInput.cut(channel));
        }
        int limit = 100;
        String given = request.param("limit");
        if (given != null) {
            try {
                limit = Integer.parseInt(given);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > LiveState.MAX_MEMBERS) {
                throw new AppInput.Invalid("limit: must be 1.." + LiveState.MAX_MEMBERS);
            }
        }
        LiveState.Members m = await(state.members(id, channel, limit));
        return m.toJson(AppInput.JSON);
    }

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AppStore.Unavailable("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AppStore.Unavailable("the broker did not answer: " + e, e);
        }
    }
}
