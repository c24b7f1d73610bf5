package io.tandem.task;

/**
 * Runs one attempt of a task. Return the result (at most the node's maxValueBytes; an empty
 * array for none) or throw to fail the attempt: the task is retried after back-off until its
 * maximum attempts, then dead-lettered. Delivery is at-least-once: a handler must tolerate
 * running again for the same task (see docs/guarantees.md).
 */
@FunctionalInterface
public interface TaskHandler {
    byte[] handle(TaskContext context) throws Exception;
}
