package io.tandem.transport;

import io.tandem.TandemException;

/**
 * The transport could not do what was asked for environmental reasons: the listening endpoint could
 * not be bound, or TLS material could not be loaded. The message names the endpoint or file and
 * what to do. Programmer errors (unregistered type, message above the frame limit, use before
 * {@code start}) are {@link IllegalArgumentException} and {@link IllegalStateException} instead.
 */
public class TransportException extends TandemException {

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
