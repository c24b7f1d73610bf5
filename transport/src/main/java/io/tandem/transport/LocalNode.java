package io.tandem.transport;

import java.security.SecureRandom;

/**
 * What every connection handler of one transport needs to know about the local node. The handler
 * field is set once by {@code start} before the first connection exists.
 */
final class LocalNode {

    final TransportConfig config;
    final String nodeId;
    final String clusterName;
    final int protocolVersion;
    final KryoCodec codec;
    final Counters counters;
    private final byte[] secret;
    // Nonces must be unpredictable to a network attacker, so they never come from the seedable jitter source.
    private final SecureRandom nonces = new SecureRandom();
    private volatile MessageHandler handler;
    /** The transport is closing: connections it closes itself are not the peer's doing. */
    private volatile boolean closing;

    LocalNode(TransportConfig config, KryoCodec codec, Counters counters) {
        this.config = config;
        this.nodeId = config.nodeId();
        this.clusterName = config.clusterName();
        this.protocolVersion = config.protocolVersion();
        this.codec = codec;
        this.counters = counters;
        this.secret = config.clusterSecret();
    }

    void closing() {
        closing = true;
    }

    boolean isClosing() {
        return closing;
    }

    byte[] secret() {
        return secret;
    }

    byte[] newNonce() {
        byte[] nonce = new byte[Handshake.NONCE_BYTES];
        nonces.nextBytes(nonce);
        return nonce;
    }

    void handler(MessageHandler handler) {
        this.handler = handler;
    }

    /** Delivers one decoded message; a throwing handler is logged and counted, never propagated. */
    void deliver(String fromNodeId, Object message, org.slf4j.Logger log) {
        try {
            handler.onMessage(fromNodeId, message);
        } catch (RuntimeException e) {
            counters.handlerError();
            log.warn("[{}] message handler threw on a {} from node {}; the connection stays open", nodeId,
                    message.getClass().getName(), Handshake.quote(fromNodeId), e);
        }
    }
}
