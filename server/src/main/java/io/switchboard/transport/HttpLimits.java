package io.switchboard.transport;

import io.switchboard.metrics.LimitRejections;

/**
 * What every HTTP connection of a server is held to, on each of its listeners: the largest request
 * body, the time to send a whole request and the time a keep-alive connection may stay idle. The
 * deadlines of all listeners are checked by one {@link HttpDeadlineSweep} per event loop.
 */
public final class HttpLimits {
    final int maxRequestBodyBytes;
    final int requestTimeoutSeconds;
    final int idleTimeoutSeconds;
    final LimitRejections rejections;
    final HttpDeadlineSweep.PerLoop sweeps = new HttpDeadlineSweep.PerLoop();

    /**
     * @param maxRequestBodyBytes larger bodies are answered 413
     * @param requestTimeoutSeconds time to send a complete request (headers and body), from the
     *     connection's start or from the first byte after the previous answer
     * @param idleTimeoutSeconds time a keep-alive connection may stay silent after an answer
     * @param rejections where requests and connections these limits end are counted
     */
    public HttpLimits(
            int maxRequestBodyBytes, int requestTimeoutSeconds, int idleTimeoutSeconds, LimitRejections rejections) {
        this.maxRequestBodyBytes = maxRequestBodyBytes;
        this.requestTimeoutSeconds = requestTimeoutSeconds;
        this.idleTimeoutSeconds = idleTimeoutSeconds;
        this.rejections = rejections;
    }
}
