package io.tandem.transport;

import java.util.Map;

/**
 * A point-in-time snapshot of a transport's counters. Each counter is read atomically, but the
 * snapshot as a whole is not: counters updated concurrently may be one event apart.
 *
 * @param framesSent message frames handed to the socket layer (handshake frames excluded)
 * @param bytesSent bytes of those frames, including the 5-byte frame header
 * @param framesReceived message frames decoded and delivered to the handler
 * @param bytesReceived bytes of those frames, including the frame header
 * @param messagesDropped messages discarded before reaching the socket layer: outbound queue full,
 *     connection failed or refused, peer unreachable, or transport closed
 * @param dropsByPeer {@code messagesDropped} by destination endpoint
 * @param handshakesRejected connections this node refused during the handshake, or that refused it
 * @param rejectionsByReason {@code handshakesRejected} by reason; every reason is present
 * @param decodeErrors connections closed for a bad frame after or before the handshake: length
 *     prefix above the limit, zero length, truncated frame, undecodable or unregistered payload,
 *     trailing bytes, unknown frame type
 * @param reconnects connection attempts to a peer after an earlier attempt to it failed or closed
 * @param handlerErrors exceptions thrown by the {@link MessageHandler}
 */
public record TransportStats(
        long framesSent,
        long bytesSent,
        long framesReceived,
        long bytesReceived,
        long messagesDropped,
        Map<Endpoint, Long> dropsByPeer,
        long handshakesRejected,
        Map<RejectReason, Long> rejectionsByReason,
        long decodeErrors,
        long reconnects,
        long handlerErrors) {

    public TransportStats {
        dropsByPeer = Map.copyOf(dropsByPeer);
        rejectionsByReason = Map.copyOf(rejectionsByReason);
    }

    /** Drops for one destination; 0 when none. */
    public long drops(Endpoint peer) {
        return dropsByPeer.getOrDefault(peer, 0L);
    }

    /** Rejections for one reason. */
    public long rejections(RejectReason reason) {
        return rejectionsByReason.getOrDefault(reason, 0L);
    }
}
