package io.tandem.chaos;

import io.tandem.InvalidArgumentException;
import io.tandem.SessionExpiredException;
import io.tandem.VersionConflictException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** How a client records a failed call: definitely not applied (FAIL) or unknown (INFO). */
final class Outcomes {

    private Outcomes() {
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * FAIL only where Tandem guarantees the command did not run (the session had expired; the
     * input was refused); everything else — timeouts, a closed or partitioned member — may still
     * take effect, so it is INFO. Guessing FAIL for those would make the checker cry wolf.
     */
    static String status(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof SessionExpiredException || c instanceof InvalidArgumentException) {
            return "FAIL";
        }
        return "INFO";
    }

    static boolean isConflict(Throwable t) {
        return unwrap(t) instanceof VersionConflictException;
    }

    /** One short token for the history file: the exception's simple name. */
    static String name(Throwable t) {
        return unwrap(t).getClass().getSimpleName();
    }
}
