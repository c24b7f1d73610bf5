package io.tandem.task;

import io.tandem.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A task to submit: its name (which worker pools run it), payload and options. Immutable: each
 * setter returns a copy.
 * <pre>{@code
 * queue.submit(Task.named("send").payload(bytes).delay(Duration.ofMinutes(5)).maxAttempts(5).idempotencyKey("order-42"));
 * }</pre>
 * Unset options take the queue's defaults ({@link TaskOptions}).
 */
public final class Task {

    final String name;
    final byte[] payload;
    final Duration delay;
    final int priority;
    final int maxAttempts;
    final String idempotencyKey;

    private Task(String name, byte[] payload, Duration delay, int priority, int maxAttempts, String idempotencyKey) {
        this.name = name;
        this.payload = payload;
        this.delay = delay;
        this.priority = priority;
        this.maxAttempts = maxAttempts;
        this.idempotencyKey = idempotencyKey;
    }

    /** A task run by the workers registered for {@code name} ({@link TaskQueue#handle}). */
    public static Task named(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidArgumentException("task name must be a non-empty string");
        }
        return new Task(name, new byte[0], Duration.ZERO, 0, 0, "");
    }

    /** The bytes the handler receives (read-only by convention: not copied). */
    public Task payload(byte[] payload) {
        if (payload == null) {
            throw new InvalidArgumentException("payload of task '" + name + "' is null; use an empty array");
        }
        return new Task(name, payload, delay, priority, maxAttempts, idempotencyKey);
    }

    public Task payload(String utf8) {
        return payload(utf8 == null ? null : utf8.getBytes(StandardCharsets.UTF_8));
    }

    /** Not before this long after the submit is applied (measured in the log's entry time). */
    public Task delay(Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new InvalidArgumentException("delay of task '" + name + "' must be zero or positive, was " + delay);
        }
        return new Task(name, payload, delay, priority, maxAttempts, idempotencyKey);
    }

    /** Higher runs first among ready tasks of the same name; default 0. */
    public Task priority(int priority) {
        return new Task(name, payload, delay, priority, maxAttempts, idempotencyKey);
    }

    /** Runs before dead-lettering (claims whose lease or session ended count too); must be >= 1. */
    public Task maxAttempts(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new InvalidArgumentException("maxAttempts of task '" + name + "' must be >= 1, was " + maxAttempts);
        }
        return new Task(name, payload, delay, priority, maxAttempts, idempotencyKey);
    }

    /**
     * A second submit with the same key in the same queue returns the first task's id and
     * creates nothing, for as long as the first task is remembered (see docs/guarantees.md).
     */
    public Task idempotencyKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidArgumentException("idempotency key of task '" + name + "' must be a non-empty string");
        }
        return new Task(name, payload, delay, priority, maxAttempts, key);
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "Task{" + name + ", " + payload.length + " bytes, delay " + delay + ", priority " + priority
                + (idempotencyKey.isEmpty() ? "" : ", key " + idempotencyKey) + "}";
    }
}
