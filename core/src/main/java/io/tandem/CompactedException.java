package io.tandem;

/** A watch asked for a revision older than the retained history. Re-list the keys, then watch from the revision the listing returned. */
public class CompactedException extends TandemException {

    public CompactedException(String message) {
        super(message);
    }

    public CompactedException(String message, Throwable cause) {
        super(message, cause);
    }
}
