package io.tandem;

/** This node is not (or no longer) a member of the cluster, so it cannot serve the call. */
public class NotMemberException extends TandemException {

    public NotMemberException(String message) {
        super(message);
    }

    public NotMemberException(String message, Throwable cause) {
        super(message, cause);
    }
}
