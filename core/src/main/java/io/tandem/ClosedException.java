package io.tandem;

/** The node was closed; no further calls are accepted. */
public class ClosedException extends TandemException {

    public ClosedException(String message) {
        super(message);
    }

    public ClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
