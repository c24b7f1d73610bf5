package io.tandem.transport;

/** A handshake frame was refused; {@code reason} is counted and the message is logged once. */
final class HandshakeException extends Exception {

    private final RejectReason reason;

    HandshakeException(RejectReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    RejectReason reason() {
        return reason;
    }
}
