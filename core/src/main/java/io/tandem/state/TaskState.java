package io.tandem.state;

/** Where a task is in its life. The codes are part of the snapshot format. */
public enum TaskState {
    /** Waiting for its not-before time (a delay or the back-off after a failure). */
    DELAYED(1),
    /** Waiting for a free worker. */
    READY(2),
    /** Running under a claim: a worker session, a fencing token and a lease deadline. */
    CLAIMED(3),
    /** Finished with a result; kept for its retention time. */
    COMPLETED(4),
    /** Failed or lost its claim on its last attempt; kept until re-queued or purged. */
    DEAD(5),
    /** Cancelled before it ran; kept for its retention time. */
    CANCELLED(6);

    final int code;

    TaskState(int code) {
        this.code = code;
    }

    static TaskState of(int code) {
        for (TaskState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown task state code " + code);
    }

    public boolean isFinished() {
        return this == COMPLETED || this == DEAD || this == CANCELLED;
    }
}
