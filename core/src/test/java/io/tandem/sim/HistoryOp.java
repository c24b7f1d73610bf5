package io.tandem.sim;

/**
 * One client operation as the client saw it: {@code type} is read, put, cas (put if at
 * {@code expectedVersion}, 0 = absent) or del; {@code output} is the state machine's
 * {@code CommandResult} for writes and the {@code Record} (or null) for reads. {@code status} is OK (completed with
 * {@code output}), FAIL (definitely not applied) or INFO (unknown: may or may not have applied).
 * Times are virtual milliseconds.
 */
public record HistoryOp(int client, long invokeMs, long completeMs, String type, String key, String value,
                        long expectedVersion, Object output, Status status) {

    public enum Status { OK, FAIL, INFO }
}
