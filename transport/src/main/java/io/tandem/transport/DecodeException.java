package io.tandem.transport;

/** A frame that cannot be decoded; the connection that carried it is closed. */
final class DecodeException extends Exception {

    DecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
