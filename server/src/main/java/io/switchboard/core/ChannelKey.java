package io.switchboard.core;

/** A channel of one app: channels of different apps never meet. */
public record ChannelKey(String appId, String name) {}
