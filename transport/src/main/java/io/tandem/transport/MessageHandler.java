package io.tandem.transport;

/**
 * Receives inbound messages.
 *
 * <p><b>Threads.</b> Called on a transport I/O thread. Messages that arrive over one connection
 * (one sending node) are delivered one at a time and in the order they were sent; messages from
 * different senders may be delivered concurrently, so an implementation must be thread-safe. It
 * must not block: hand the message to the node's inbox and return. A slow handler stalls the
 * sender's connection, whose bounded queue then drops.
 *
 * <p><b>Errors.</b> A {@link RuntimeException} thrown here is logged and counted in
 * {@link TransportStats#handlerErrors()}; the connection stays open and the next message is
 * delivered normally.
 */
@FunctionalInterface
public interface MessageHandler {

    /**
     * @param fromNodeId the node id the sender proved in its hello (authenticated by the cluster
     *     secret; every holder of the secret is equally trusted)
     * @param message a freshly decoded object of a registered type; the handler owns it
     */
    void onMessage(String fromNodeId, Object message);
}
