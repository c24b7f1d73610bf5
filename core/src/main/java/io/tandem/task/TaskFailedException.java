package io.tandem.task;

import io.tandem.TandemException;

/**
 * A task {@link TaskQueue#run run} for its result did not complete: it was dead-lettered after
 * its last attempt ({@link #state()} DEAD, message = the last error) or cancelled.
 */
public class TaskFailedException extends TandemException {

    private final long taskId;
    private final TaskState state;

    public TaskFailedException(long taskId, TaskState state, String message) {
        super(message);
        this.taskId = taskId;
        this.state = state;
    }

    public long taskId() {
        return taskId;
    }

    public TaskState state() {
        return state;
    }
}
