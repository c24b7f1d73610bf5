package io.tandem;

/** An operation did not complete in time. For writes the outcome is unknown: the command may still apply; retrying is safe because commands are de-duplicated by session and sequence. */
public class TandemTimeoutException extends TandemException {

    public TandemTimeoutException(String message) {
        super(message);
    }

    public TandemTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
