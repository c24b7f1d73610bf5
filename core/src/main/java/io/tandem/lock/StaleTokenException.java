package io.tandem.lock;

import io.tandem.TandemException;

/** A write carried a fencing token lower than one the protected resource has already seen. */
public class StaleTokenException extends TandemException {

    private final long token;
    private final long highest;

    public StaleTokenException(String resource, long token, long highest) {
        super(resource + ": fencing token " + token + " is older than " + highest + ", which was already seen; the"
                + " writer's lease ended and another holder took over — stop writing and re-acquire the lock");
        this.token = token;
        this.highest = highest;
    }

    public long token() {
        return token;
    }

    public long highest() {
        return highest;
    }
}
