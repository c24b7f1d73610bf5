package io.tandem;

/** A bounded queue is full; the call was refused rather than risk running out of memory. Retry with back-off. */
public class OverloadedException extends TandemException {

    public OverloadedException(String message) {
        super(message);
    }

    public OverloadedException(String message, Throwable cause) {
        super(message, cause);
    }
}
