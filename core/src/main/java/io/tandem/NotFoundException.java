package io.tandem;

/** A key, task or member that the call needs does not exist. */
public class NotFoundException extends TandemException {

    public NotFoundException(String message) {
        super(message);
    }

    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
