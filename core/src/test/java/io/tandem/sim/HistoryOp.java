package io.tandem.sim;

/**
 * One client operation as the client saw it. {@code status} is OK (completed with
 * {@code output}), FAIL (definitely not applied) or INFO (unknown: may or may not have applied).
 * Times are virtual milliseconds.
 */
public record HistoryOp(int client, long invokeMs, long completeMs, String type, String key, String value,
                        String expected, String output, Status status) {

    public enum Status { OK, FAIL, INFO }
}
