package io.tandem.task;

/** Where a task is: see docs/guarantees.md for the transitions. */
public enum TaskState {
    DELAYED, READY, CLAIMED, COMPLETED, DEAD, CANCELLED;

    static TaskState of(io.tandem.state.TaskState s) {
        return valueOf(s.name());
    }
}
