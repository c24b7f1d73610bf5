package io.tandem;

/** The node's session expired (it could not reach the cluster for longer than the session timeout); everything the session owned was released. */
public class SessionExpiredException extends TandemException {

    public SessionExpiredException(String message) {
        super(message);
    }

    public SessionExpiredException(String message, Throwable cause) {
        super(message, cause);
    }
}
