package io.tandem.remote;

import io.tandem.TandemException;

/**
 * A request never reached the node: the connection or its handshake failed before anything was
 * sent, so trying another node is safe, also for writes.
 */
public final class UnreachableException extends TandemException {

    public UnreachableException(String message) {
        super(message);
    }
}
