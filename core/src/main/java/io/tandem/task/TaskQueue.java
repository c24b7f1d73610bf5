package io.tandem.task;

import io.tandem.InvalidArgumentException;
import io.tandem.NotFoundException;
import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.data.DataStore;
import io.tandem.state.TaskCommand;
import io.tandem.state.TaskInfo;
import io.tandem.state.TaskResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One named, durable task queue, replicated through the cluster's log. Obtain it with
 * {@code Tandem.tasks("emails")}.
 * <pre>{@code
 * TaskQueue q = node.tasks("emails");
 * q.handle("send", ctx -> { send(ctx.payload()); return "ok".getBytes(); }, 10);  // this node's pool of 10
 * long id = q.submit(Task.named("send").payload(bytes).idempotencyKey("order-42"));
 * CompletableFuture<byte[]> done = q.run("send", bytes);                         // any node's worker runs it
 * }</pre>
 *
 * <p><b>Guarantees</b> (docs/guarantees.md): an acknowledged submit is never lost — the task ends
 * completed, dead-lettered or cancelled; delivery is at-least-once (a handler may run again for
 * the same task after a lease expired or a node died), and a result is accepted only from the
 * current claim (fencing token); with an idempotency key a submit is exactly-once.
 *
 * <p>Every blocking method has an {@code …Async} twin. Blocking methods throw
 * {@link InvalidArgumentException} (bad names, sizes, limits), {@link NotFoundException} (unknown
 * task id), {@link TandemTimeoutException} (no answer within the request timeout: the command
 * may still apply — retry a submit only with an idempotency key) and the other
 * {@link TandemException}s of the node. Thread-safe.
 */
public final class TaskQueue {

    private final String queue;
    private final TaskOptions options;
    private final TaskRuntime runtime;

    /** Built by {@code Tandem.tasks}; not for direct use. */
    public TaskQueue(String queue, TaskOptions options, TaskRuntime runtime) {
        this.queue = checkName("queue", queue, runtime.maxNameBytes);
        this.options = options;
        this.runtime = runtime;
    }

    public String name() {
        return queue;
    }

    public TaskOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ workers

    /**
     * Runs tasks named {@code taskName} on this node with up to {@code concurrency} handlers at
     * once (this node's own daemon threads). The cluster spreads ready tasks over every node that
     * handles the name, round-robin. Waits until the registration is applied.
     *
     * @throws InvalidArgumentException if the name is invalid, concurrency is not 1..100000, or
     *                                  this node already handles the name
     */
    public void handle(String taskName, TaskHandler handler, int concurrency) {
        DataStore.join(handleAsync(taskName, handler, concurrency));
    }

    public CompletableFuture<Void> handleAsync(String taskName, TaskHandler handler, int concurrency) {
        checkName("task name", taskName, runtime.maxNameBytes);
        if (handler == null) {
            throw new InvalidArgumentException("handler for task '" + taskName + "' must not be null");
        }
        if (concurrency < 1 || concurrency > 100_000) {
            throw new InvalidArgumentException("concurrency for task '" + taskName + "' must be between 1 and 100000,"
                    + " was " + concurrency);
        }
        return runtime.register(queue, taskName, handler, concurrency, options);
    }

    /**
     * This node takes no more tasks named {@code taskName}; handlers already running finish and
     * report. Returns false if this node did not handle it.
     */
    public boolean stopHandling(String taskName) {
        return DataStore.join(stopHandlingAsync(taskName));
    }

    public CompletableFuture<Boolean> stopHandlingAsync(String taskName) {
        checkName("task name", taskName, runtime.maxNameBytes);
        return runtime.unregister(queue, taskName);
    }

    // ------------------------------------------------------------------ submit

    /**
     * Enqueues a task durably and returns its id (cluster-wide unique, increasing). With an
     * idempotency key, a repeated submit returns the first task's id.
     */
    public long submit(Task task) {
        return DataStore.join(submitAsync(task));
    }

    public CompletableFuture<Long> submitAsync(Task task) {
        if (task == null) {
            throw new InvalidArgumentException("task must not be null; build one with Task.named(\"...\")");
        }
        checkName("task name", task.name, runtime.maxNameBytes);
        checkPayload(task.name, task.payload);
        if (!task.idempotencyKey.isEmpty()) {
            checkName("idempotency key", task.idempotencyKey, runtime.maxNameBytes);
        }
        TaskCommand.Submit cmd = new TaskCommand.Submit(queue, task.name, task.payload, task.priority,
                task.maxAttempts > 0 ? task.maxAttempts : options.maxAttempts(), task.delay.toMillis(),
                task.idempotencyKey, options.backoffBase().toMillis(), options.backoffMax().toMillis(),
                options.resultRetention().toMillis());
        return runtime.node.submit(cmd).thenApply(r -> {
            if (r instanceof TaskResult.Submitted s) {
                return s.taskId();
            }
            throw TaskRuntime.failure("submit " + queue + "/" + task.name, r);
        });
    }

    /**
     * Submits and completes with the result once some node's worker has finished the task;
     * completes exceptionally with {@link TaskFailedException} if it is dead-lettered or cancelled.
     * No polling: this node learns the outcome by applying the log.
     */
    public CompletableFuture<byte[]> run(String taskName, byte[] payload) {
        return run(Task.named(taskName).payload(payload));
    }

    public CompletableFuture<byte[]> run(Task task) {
        return submitAsync(task).thenCompose(id -> runtime.awaitResult(queue, id));
    }

    /** Waits for an already submitted task's result, like {@link #run}. */
    public CompletableFuture<byte[]> result(long taskId) {
        return runtime.awaitResult(queue, taskId);
    }

    // ------------------------------------------------------------------ control

    /**
     * Cancels a ready or delayed task. Returns false if it is claimed or finished already.
     *
     * @throws NotFoundException if the queue has no such task
     */
    public boolean cancel(long taskId) {
        return DataStore.join(cancelAsync(taskId));
    }

    public CompletableFuture<Boolean> cancelAsync(long taskId) {
        return outcome("cancel task " + taskId + " of " + queue, new TaskCommand.Cancel(queue, taskId), true);
    }

    /**
     * Moves a dead-lettered task back to ready with a fresh attempt count.
     *
     * @throws NotFoundException        if the queue has no such task
     * @throws InvalidArgumentException if the task is not dead-lettered
     */
    public void requeue(long taskId) {
        DataStore.join(requeueAsync(taskId));
    }

    public CompletableFuture<Void> requeueAsync(long taskId) {
        return outcome("requeue task " + taskId + " of " + queue, new TaskCommand.Requeue(queue, taskId), false)
                .thenApply(b -> null);
    }

    /** Deletes every dead-lettered task of this queue; returns how many. */
    public long purgeDead() {
        return DataStore.join(purgeDeadAsync(0));
    }

    /** Deletes one dead-lettered task ({@code taskId} > 0) or all ({@code 0}); returns how many. */
    public CompletableFuture<Long> purgeDeadAsync(long taskId) {
        if (taskId < 0) {
            throw new InvalidArgumentException("task id " + taskId + " must be > 0 (or 0 for all dead tasks)");
        }
        return runtime.node.submit(new TaskCommand.PurgeDead(queue, taskId)).thenApply(r -> {
            if (r instanceof TaskResult.Count c) {
                return c.count();
            }
            throw TaskRuntime.failure("purge dead tasks of " + queue, r);
        });
    }

    // ------------------------------------------------------------------ schedules

    /**
     * Creates or replaces the recurring schedule {@code scheduleName}: every {@code period} of
     * the log's entry time, starting one period from now, one copy of {@code task} (its name,
     * payload, priority and attempts) is enqueued. It fires once per period cluster-wide, across
     * leader changes; periods missed while the cluster was down fire once, not in a burst.
     */
    public void schedule(String scheduleName, Task task, Duration period) {
        DataStore.join(scheduleAsync(scheduleName, task, period));
    }

    public CompletableFuture<Void> scheduleAsync(String scheduleName, Task task, Duration period) {
        checkName("schedule", scheduleName, runtime.maxNameBytes);
        if (task == null) {
            throw new InvalidArgumentException("schedule '" + scheduleName + "' needs a task");
        }
        checkName("task name", task.name, runtime.maxNameBytes);
        checkPayload(task.name, task.payload);
        if (period == null || period.toMillis() < 1) {
            throw new InvalidArgumentException("period of schedule '" + scheduleName + "' must be at least 1 ms, was "
                    + period);
        }
        TaskCommand.PutSchedule cmd = new TaskCommand.PutSchedule(queue, scheduleName, task.name, task.payload,
                period.toMillis(), task.priority, task.maxAttempts > 0 ? task.maxAttempts : options.maxAttempts(),
                options.backoffBase().toMillis(), options.backoffMax().toMillis(), options.resultRetention().toMillis());
        return runtime.node.submit(cmd).thenApply(r -> {
            if (r instanceof TaskResult.Count) {
                return null;
            }
            throw TaskRuntime.failure("schedule " + queue + "/" + scheduleName, r);
        });
    }

    /** Removes a schedule; returns false if there was none. Tasks it already enqueued stay. */
    public boolean unschedule(String scheduleName) {
        return DataStore.join(unscheduleAsync(scheduleName));
    }

    public CompletableFuture<Boolean> unscheduleAsync(String scheduleName) {
        checkName("schedule", scheduleName, runtime.maxNameBytes);
        return runtime.node.submit(new TaskCommand.RemoveSchedule(queue, scheduleName)).thenApply(r -> {
            if (r instanceof TaskResult.Count c) {
                return c.count() > 0;
            }
            throw TaskRuntime.failure("unschedule " + queue + "/" + scheduleName, r);
        });
    }

    /**
     * Creates or replaces the cron schedule {@code scheduleName}: at every slot of {@code cron}
     * (cluster time, in the cron's zone) one copy of {@code task} is enqueued, once cluster-wide
     * per slot across leader changes, crashes and restores; slots that could not fire on time go
     * by the cron's misfire, deadline and concurrency policies (docs/guarantees.md). Replacing a
     * cron schedule with the same expression and zone keeps its last fired slot (no slot fires
     * twice); a new expression starts with the first slot after this call. A fixed-interval
     * schedule of the same name is replaced.
     *
     * @throws InvalidArgumentException if a name, the payload or the cron is invalid
     */
    public void schedule(String scheduleName, Task task, Cron cron) {
        DataStore.join(scheduleAsync(scheduleName, task, cron));
    }

    public CompletableFuture<Void> scheduleAsync(String scheduleName, Task task, Cron cron) {
        checkName("schedule", scheduleName, runtime.maxNameBytes);
        if (task == null) {
            throw new InvalidArgumentException("schedule '" + scheduleName + "' needs a task");
        }
        if (cron == null) {
            throw new InvalidArgumentException("schedule '" + scheduleName + "' needs a cron; build one with"
                    + " Cron.of(\"0 2 * * *\", ZoneId.of(\"Europe/Berlin\"))");
        }
        checkName("task name", task.name, runtime.maxNameBytes);
        checkPayload(task.name, task.payload);
        TaskCommand.PutCronSchedule cmd = new TaskCommand.PutCronSchedule(queue, scheduleName, task.name,
                task.payload, cron.expression, cron.withSeconds, Cron.zoneId(cron.zone), (byte) cron.misfire.ordinal(),
                cron.misfireMaxFires, cron.misfireThreshold.toMillis(), cron.startingDeadline.toMillis(),
                (byte) cron.concurrency.ordinal(), cron.keepRuns, task.priority,
                task.maxAttempts > 0 ? task.maxAttempts : options.maxAttempts(), options.backoffBase().toMillis(),
                options.backoffMax().toMillis(), options.resultRetention().toMillis());
        return runtime.node.submit(cmd).thenApply(r -> {
            if (r instanceof TaskResult.Count) {
                return null;
            }
            throw TaskRuntime.failure("schedule " + queue + "/" + scheduleName, r);
        });
    }

    /**
     * Suspends a cron schedule: no slot fires or counts as missed until {@link #resume}. Returns
     * false if it was suspended already.
     *
     * @throws NotFoundException        if the queue has no such schedule
     * @throws InvalidArgumentException if it is a fixed-interval schedule
     */
    public boolean suspend(String scheduleName) {
        return DataStore.join(setSuspendedAsync(scheduleName, true));
    }

    /** Resumes a suspended cron schedule from its first slot after now; false if it was not suspended. */
    public boolean resume(String scheduleName) {
        return DataStore.join(setSuspendedAsync(scheduleName, false));
    }

    public CompletableFuture<Boolean> setSuspendedAsync(String scheduleName, boolean suspended) {
        checkName("schedule", scheduleName, runtime.maxNameBytes);
        String what = (suspended ? "suspend" : "resume") + " schedule " + queue + "/" + scheduleName;
        TaskCommand cmd = new TaskCommand.SetScheduleSuspended(queue, scheduleName, suspended);
        return runtime.node.submit(cmd).thenApply(r -> {
            if (r instanceof TaskResult.Count c) {
                return c.count() > 0;
            }
            throw TaskRuntime.failure(what, r);
        });
    }

    /** This queue's schedules of both kinds, in name order, with next fire time, counters and latest runs. */
    public List<ScheduleStatus> schedules() {
        return DataStore.join(schedulesAsync());
    }

    public CompletableFuture<List<ScheduleStatus>> schedulesAsync() {
        return runtime.node.read(true, sm -> sm.schedules(queue).stream().map(ScheduleStatus::of).toList());
    }

    /** One schedule, or empty if there is none of that name. */
    public Optional<ScheduleStatus> scheduleStatus(String scheduleName) {
        return schedules().stream().filter(s -> s.name().equals(scheduleName)).findFirst();
    }

    // ------------------------------------------------------------------ reads (linearizable)

    /** The task's status, or empty if the queue has no such task (any more). */
    public Optional<TaskStatus> status(long taskId) {
        return DataStore.join(statusAsync(taskId));
    }

    public CompletableFuture<Optional<TaskStatus>> statusAsync(long taskId) {
        return runtime.node.read(true, sm -> sm.task(taskId).filter(t -> t.queue().equals(queue))
                .map(TaskStatus::of));
    }

    /** Tasks of this queue in id order, only {@code state} if not null, at most {@code limit} (1..100000). */
    public List<TaskStatus> list(TaskState state, int limit) {
        return DataStore.join(listAsync(state, limit));
    }

    public CompletableFuture<List<TaskStatus>> listAsync(TaskState state, int limit) {
        if (limit < 1 || limit > 100_000) {
            throw new InvalidArgumentException("limit (" + limit + ") must be between 1 and 100000");
        }
        io.tandem.state.TaskState s = state == null ? null : io.tandem.state.TaskState.valueOf(state.name());
        return runtime.node.read(true, sm -> {
            List<TaskStatus> out = new ArrayList<>();
            for (TaskInfo t : sm.tasks(queue, s, limit)) {
                out.add(TaskStatus.of(t));
            }
            return List.copyOf(out);
        });
    }

    /** Dead-lettered tasks, oldest first, at most {@code limit}. */
    public List<TaskStatus> deadLetters(int limit) {
        return list(TaskState.DEAD, limit);
    }

    /** Whether this queue has tasks, registered workers or schedules anywhere in the cluster. */
    public CompletableFuture<Boolean> existsAsync() {
        return runtime.node.read(true, sm -> sm.hasTaskQueue(queue));
    }

    public QueueStats stats() {
        return DataStore.join(statsAsync());
    }

    public CompletableFuture<QueueStats> statsAsync() {
        return runtime.node.read(true, sm -> QueueStats.of(sm.taskStats(queue)));
    }

    // ------------------------------------------------------------------ helpers

    private CompletableFuture<Boolean> outcome(String what, TaskCommand cmd, boolean falseIfWrongState) {
        if (cmd instanceof TaskCommand.Cancel c && c.taskId() < 1 || cmd instanceof TaskCommand.Requeue r
                && r.taskId() < 1) {
            throw new InvalidArgumentException(what + ": task ids start at 1");
        }
        return runtime.node.submit(cmd).thenApply(r -> {
            if (r instanceof TaskResult.Outcome o && (o.accepted() || falseIfWrongState && !o.notFound())) {
                return o.accepted();
            }
            throw TaskRuntime.failure(what, r);
        });
    }

    private void checkPayload(String taskName, byte[] payload) {
        if (payload.length > runtime.maxPayloadBytes) {
            throw new InvalidArgumentException("payload of " + payload.length + " bytes for task '" + taskName
                    + "' in queue '" + queue + "' exceeds maxValueBytes (" + runtime.maxPayloadBytes + "); store"
                    + " large inputs elsewhere and pass a reference");
        }
    }

    static String checkName(String what, String name, int maxBytes) {
        if (name == null || name.isEmpty()) {
            throw new InvalidArgumentException(what + " must be a non-empty string");
        }
        if (name.indexOf('\u0000') >= 0) {
            throw new InvalidArgumentException(what + " must not contain NUL characters");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new InvalidArgumentException(what + " of " + bytes + " bytes exceeds maxKeyBytes (" + maxBytes + ")");
        }
        return name;
    }

    /** The result as UTF-8 text (a convenience for string results). */
    public static String text(byte[] result) {
        return new String(result, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "TaskQueue{" + queue + "}";
    }
}
