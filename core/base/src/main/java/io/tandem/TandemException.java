package io.tandem;

/**
 * Root of every exception Tandem throws. Unchecked: callers decide where to handle failure.
 *
 * <p>Subclasses name the cause (not leader, timeout, invalid argument, closed, ...); the message
 * always says who (node id), where (term, index, file, peer) and what to do about it.
 */
public class TandemException extends RuntimeException {

    public TandemException(String message) {
        super(message);
    }

    public TandemException(String message, Throwable cause) {
        super(message, cause);
    }
}
