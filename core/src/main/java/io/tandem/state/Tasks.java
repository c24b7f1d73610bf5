package io.tandem.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;

/**
 * Durable task queues inside the replicated state machine: submit with idempotency keys, delays
 * and priorities; assignment to registered worker sessions decided in apply; leases with
 * per-claim fencing tokens; retries with exponential back-off; dead letters; recurring schedules.
 * Deterministic: time is the entry's timestamp, every map is sorted, no clock, no randomness.
 *
 * <p><b>Life of a task.</b> {@code DELAYED} (until its not-before time) → {@code READY} →
 * {@code CLAIMED} by a worker session with token {@code t} (strictly greater than every earlier
 * claim of any task) and a lease deadline → {@code COMPLETED} when a {@link TaskCommand.Complete}
 * carrying {@code t} arrives before the lease ends. A {@link TaskCommand.Fail} with {@code t}
 * sends it to {@code DELAYED} for the back-off (base × 2^(attempt−1), at most the maximum); a
 * lease that passes, or the worker's session ending, sends it straight back to {@code READY}.
 * Either way, once the attempts reach the maximum it becomes {@code DEAD} instead. A cancelled
 * ready/delayed task becomes {@code CANCELLED}.
 *
 * <p><b>Invariants</b> (checked by the tests): a task is in exactly one state index; a claimed
 * task's session has registered workers for it or had them when it claimed; no completion or
 * failure is accepted from any token but the current claim's; a worker session never holds more
 * claims of a task name than its concurrency (claims from before a re-registration excepted).
 *
 * <p><b>Assignment</b> happens whenever work or capacity appears: ready tasks of one (queue,
 * name) go in priority order (higher first, then oldest) to the registered sessions in
 * round-robin order of session id starting after the last one served, skipping full ones.
 *
 * <p><b>Memory.</b> Completed and cancelled tasks (result, payload, idempotency key) are dropped
 * {@code retentionMs} of entry time after they finished; dead tasks stay until re-queued or purged.
 * An idempotency key is remembered exactly as long as its task is.
 *
 * <p><b>Schedules</b> keep their next fire time. When entry time reaches it, one task is enqueued
 * and the next fire time moves one period on; if entry time has passed several periods (the
 * cluster was down), the schedule fires once and skips to the first period boundary after now.
 * Cron schedules ({@link CronSchedules}) share the schedule names of a queue: putting one kind
 * replaces a schedule of the other kind with the same name.
 */
final class Tasks {

    /** Observers of assignments and outcomes (the node's workers and waiting callers). */
    interface Events {
        void assigned(TaskEvents.Assigned a);

        void claimLost(TaskEvents.ClaimLost c);

        void finished(TaskEvents.Finished f);

        void fired(TaskEvents.Fired f);
    }

    private static final class Task {
        final long id;
        final String queue;
        final String name;
        final byte[] payload;
        final int priority;
        final int maxAttempts;
        final String idempotencyKey;
        final long backoffBaseMs;
        final long backoffMaxMs;
        final long retentionMs;
        final long createdAtMs;
        TaskState state;
        int attempts;
        long notBeforeMs;
        long claimSession;
        long claimToken;
        long leaseDeadlineMs;
        long finishedAtMs;
        byte[] result;
        String lastError = "";

        Task(long id, String queue, String name, byte[] payload, int priority, int maxAttempts, String idempotencyKey,
             long backoffBaseMs, long backoffMaxMs, long retentionMs, long createdAtMs) {
            this.id = id;
            this.queue = queue;
            this.name = name;
            this.payload = payload;
            this.priority = priority;
            this.maxAttempts = maxAttempts;
            this.idempotencyKey = idempotencyKey;
            this.backoffBaseMs = backoffBaseMs;
            this.backoffMaxMs = backoffMaxMs;
            this.retentionMs = retentionMs;
            this.createdAtMs = createdAtMs;
        }

        String slot() {
            return Tasks.key(queue, name);
        }
    }

    /** Ready order: higher priority first, then lower id (older) first. */
    private record ReadyRef(int priority, long id) implements Comparable<ReadyRef> {
        @Override
        public int compareTo(ReadyRef o) {
            int c = Integer.compare(o.priority, priority);
            return c != 0 ? c : Long.compare(id, o.id);
        }
    }

    private static final class Worker {
        int concurrency;
        long leaseMs;
        int running;

        Worker(int concurrency, long leaseMs) {
            this.concurrency = concurrency;
            this.leaseMs = leaseMs;
        }
    }

    private static final class Schedule {
        final String queue;
        final String name;
        final TaskCommand.PutSchedule spec;
        long nextFireMs;

        Schedule(String queue, String name, TaskCommand.PutSchedule spec, long nextFireMs) {
            this.queue = queue;
            this.name = name;
            this.spec = spec;
            this.nextFireMs = nextFireMs;
        }
    }

    static final int MAX_ERROR_CHARS = 4000;

    private final int maxNameBytes;
    private final int maxPayloadBytes;
    private Events events = new Events() {
        @Override
        public void assigned(TaskEvents.Assigned a) {
        }

        @Override
        public void claimLost(TaskEvents.ClaimLost c) {
        }

        @Override
        public void finished(TaskEvents.Finished f) {
        }

        @Override
        public void fired(TaskEvents.Fired f) {
        }
    };

    private long lastTaskId;
    private long lastToken;
    private final TreeMap<Long, Task> tasks = new TreeMap<>();
    private final TreeMap<String, TreeSet<Long>> byQueue = new TreeMap<>();
    private final TreeMap<String, TreeSet<ReadyRef>> ready = new TreeMap<>();
    private final TreeMap<Long, TreeSet<Long>> delayed = new TreeMap<>();
    private final TreeMap<Long, TreeSet<Long>> leases = new TreeMap<>();
    private final TreeMap<Long, TreeSet<Long>> retention = new TreeMap<>();
    private final TreeMap<String, Long> idempotency = new TreeMap<>();
    private final TreeMap<Long, TreeSet<Long>> claimsBySession = new TreeMap<>();
    private final TreeMap<String, TreeMap<Long, Worker>> workers = new TreeMap<>();
    private final TreeMap<String, Long> cursor = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> workerKeysBySession = new TreeMap<>();
    private final TreeMap<String, Schedule> schedules = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> fireTimes = new TreeMap<>();
    /** (queue, name) keys whose ready tasks or capacity changed in this apply; empty between applies. */
    private final TreeSet<String> dirty = new TreeSet<>();
    private final CronSchedules cron = new CronSchedules(new CronSchedules.Host() {
        @Override
        public long enqueue(TaskCommand.PutCronSchedule p, long now) {
            Task t = create(p.queue(), p.taskName(), p.payload(), p.priority(), p.maxAttempts(), "", p.backoffBaseMs(),
                    p.backoffMaxMs(), p.retentionMs(), now);
            makeWaiting(t, 0, now);
            return t.id;
        }

        @Override
        public void revoke(long taskId, String why, long now) {
            revokeTask(taskId, why, now);
        }

        @Override
        public void decided(TaskEvents.Fired fired) {
            events.fired(fired);
        }
    });

    Tasks(int maxNameBytes, int maxPayloadBytes) {
        this.maxNameBytes = maxNameBytes;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    void setEvents(Events events) {
        this.events = events;
    }

    static String key(String queue, String name) {
        return queue + '\u0000' + name;
    }

    // ------------------------------------------------------------------ commands

    CommandResult execute(long session, TaskCommand cmd, long now, LongPredicate live) {
        CommandResult r;
        if (cmd instanceof TaskCommand.Submit s) {
            r = submit(s, now);
        } else if (cmd instanceof TaskCommand.RegisterWorkers w) {
            r = register(session, w);
        } else if (cmd instanceof TaskCommand.UnregisterWorkers u) {
            r = unregister(session, u);
        } else if (cmd instanceof TaskCommand.Complete c) {
            r = complete(session, c, now);
        } else if (cmd instanceof TaskCommand.Fail f) {
            r = fail(session, f, now);
        } else if (cmd instanceof TaskCommand.ExtendLeases e) {
            r = extend(session, e, now);
        } else if (cmd instanceof TaskCommand.Cancel c) {
            r = cancel(c, now);
        } else if (cmd instanceof TaskCommand.Requeue rq) {
            r = requeue(rq);
        } else if (cmd instanceof TaskCommand.PurgeDead p) {
            r = purge(p);
        } else if (cmd instanceof TaskCommand.PutSchedule ps) {
            r = putSchedule(ps, now);
        } else if (cmd instanceof TaskCommand.RemoveSchedule rs) {
            r = removeSchedule(rs);
        } else if (cmd instanceof TaskCommand.PutCronSchedule pc) {
            r = putCronSchedule(pc, now);
        } else if (cmd instanceof TaskCommand.SetScheduleSuspended ss) {
            r = setSuspended(ss, now);
        } else {
            r = new CommandResult.Rejected("unknown task command " + cmd);
        }
        dispatch(now, live);
        return r;
    }

    private CommandResult submit(TaskCommand.Submit s, long now) {
        String invalid = checkName("queue", s.queue());
        invalid = invalid != null ? invalid : checkName("task name", s.name());
        if (invalid == null && s.payload() == null) {
            invalid = "payload must not be null";
        } else if (invalid == null && s.payload().length > maxPayloadBytes) {
            invalid = "payload of " + s.payload().length + " bytes exceeds the limit of " + maxPayloadBytes + " bytes";
        } else if (invalid == null) {
            invalid = checkPolicy(s.maxAttempts(), s.backoffBaseMs(), s.backoffMaxMs(), s.retentionMs());
        }
        if (invalid == null && s.delayMs() < 0) {
            invalid = "delay " + s.delayMs() + " ms must be >= 0";
        }
        if (invalid == null && s.idempotencyKey() == null) {
            invalid = "idempotency key must not be null (\"\" for none)";
        } else if (invalid == null && !s.idempotencyKey().isEmpty()) {
            invalid = checkName("idempotency key", s.idempotencyKey());
        }
        if (invalid != null) {
            return new CommandResult.Rejected("task " + s.queue() + "/" + s.name() + ": " + invalid);
        }
        if (!s.idempotencyKey().isEmpty()) {
            Long existing = idempotency.get(key(s.queue(), s.idempotencyKey()));
            if (existing != null) {
                return new TaskResult.Submitted(existing, false);
            }
        }
        Task t = create(s.queue(), s.name(), s.payload(), s.priority(), s.maxAttempts(), s.idempotencyKey(),
                s.backoffBaseMs(), s.backoffMaxMs(), s.retentionMs(), now);
        makeWaiting(t, now + s.delayMs(), now);
        return new TaskResult.Submitted(t.id, true);
    }

    private Task create(String queue, String name, byte[] payload, int priority, int maxAttempts, String idemKey,
                        long backoffBaseMs, long backoffMaxMs, long retentionMs, long now) {
        Task t = new Task(++lastTaskId, queue, name, payload, priority, maxAttempts, idemKey, backoffBaseMs,
                backoffMaxMs, retentionMs, now);
        tasks.put(t.id, t);
        byQueue.computeIfAbsent(queue, k -> new TreeSet<>()).add(t.id);
        if (!idemKey.isEmpty()) {
            idempotency.put(key(queue, idemKey), t.id);
        }
        return t;
    }

    /** READY if {@code notBeforeMs} has come, else DELAYED until then. */
    private void makeWaiting(Task t, long notBeforeMs, long now) {
        t.notBeforeMs = notBeforeMs;
        if (notBeforeMs <= now) {
            t.state = TaskState.READY;
            ready.computeIfAbsent(t.slot(), k -> new TreeSet<>()).add(new ReadyRef(t.priority, t.id));
            dirty.add(t.slot());
        } else {
            t.state = TaskState.DELAYED;
            add(delayed, notBeforeMs, t.id);
        }
    }

    private CommandResult register(long session, TaskCommand.RegisterWorkers w) {
        String invalid = checkName("queue", w.queue());
        invalid = invalid != null ? invalid : checkName("task name", w.name());
        if (invalid == null && (w.concurrency() < 1 || w.concurrency() > 100_000)) {
            invalid = "concurrency " + w.concurrency() + " must be between 1 and 100000";
        }
        if (invalid == null && w.leaseMs() < 1) {
            invalid = "lease " + w.leaseMs() + " ms must be >= 1";
        }
        if (invalid != null) {
            return new CommandResult.Rejected("workers for " + w.queue() + "/" + w.name() + ": " + invalid);
        }
        String k = key(w.queue(), w.name());
        TreeMap<Long, Worker> ws = workers.computeIfAbsent(k, x -> new TreeMap<>());
        Worker worker = ws.get(session);
        if (worker == null) {
            worker = new Worker(w.concurrency(), w.leaseMs());
            worker.running = countClaims(session, k);
            ws.put(session, worker);
            workerKeysBySession.computeIfAbsent(session, x -> new TreeSet<>()).add(k);
        } else {
            worker.concurrency = w.concurrency();
            worker.leaseMs = w.leaseMs();
        }
        dirty.add(k);
        return new CommandResult.Done();
    }

    private int countClaims(long session, String k) {
        int n = 0;
        for (long id : claimsBySession.getOrDefault(session, new TreeSet<>())) {
            if (tasks.get(id).slot().equals(k)) {
                n++;
            }
        }
        return n;
    }

    private CommandResult unregister(long session, TaskCommand.UnregisterWorkers u) {
        String k = key(u.queue(), u.name());
        TreeMap<Long, Worker> ws = workers.get(k);
        if (ws != null && ws.remove(session) != null) {
            if (ws.isEmpty()) {
                workers.remove(k);
                cursor.remove(k);
            }
            removeFrom(workerKeysBySession, session, k);
            return new TaskResult.Count(1);
        }
        return new TaskResult.Count(0);
    }

    private CommandResult complete(long session, TaskCommand.Complete c, long now) {
        Task t = tasks.get(c.taskId());
        String stale = checkClaim(t, c.taskId(), session, c.token());
        if (stale != null) {
            return new TaskResult.Outcome(c.taskId(), false, t == null, stale);
        }
        if (c.result() == null || c.result().length > maxPayloadBytes) {
            String why = c.result() == null ? "result must not be null" : "result of " + c.result().length
                    + " bytes exceeds the limit of " + maxPayloadBytes + " bytes";
            // The claim ends as a failure so the task is not stuck until its lease runs out.
            releaseClaim(t);
            failAttempt(t, why, now);
            return new TaskResult.Outcome(t.id, false, false, why);
        }
        releaseClaim(t);
        t.result = c.result();
        finish(t, TaskState.COMPLETED, now);
        return new TaskResult.Outcome(t.id, true, false, "");
    }

    private CommandResult fail(long session, TaskCommand.Fail f, long now) {
        Task t = tasks.get(f.taskId());
        String stale = checkClaim(t, f.taskId(), session, f.token());
        if (stale != null) {
            return new TaskResult.Outcome(f.taskId(), false, t == null, stale);
        }
        releaseClaim(t);
        failAttempt(t, f.error() == null ? "" : f.error(), now);
        return new TaskResult.Outcome(t.id, true, false, "");
    }

    private String checkClaim(Task t, long taskId, long session, long token) {
        if (t == null) {
            return "task " + taskId + " does not exist (finished long ago, purged, or never submitted)";
        }
        if (t.state != TaskState.CLAIMED || t.claimToken != token || t.claimSession != session) {
            return "claim token " + token + " of task " + taskId + " is stale: the task is " + t.state
                    + (t.state == TaskState.CLAIMED ? " under token " + t.claimToken : "")
                    + " (its lease expired or its worker's session ended); the result is discarded";
        }
        return null;
    }

    private CommandResult extend(long session, TaskCommand.ExtendLeases e, long now) {
        long extended = 0;
        for (int i = 0; i < e.taskIds().size(); i++) {
            Task t = tasks.get(e.taskIds().get(i));
            if (t == null || t.state != TaskState.CLAIMED || t.claimSession != session
                    || t.claimToken != e.tokens().get(i)) {
                continue;
            }
            Worker w = workerOf(t);
            long leaseMs = w != null ? w.leaseMs : Math.max(1, t.leaseDeadlineMs - now);
            long deadline = Math.max(t.leaseDeadlineMs, now + leaseMs);
            if (deadline != t.leaseDeadlineMs) {
                removeFrom(leases, t.leaseDeadlineMs, t.id);
                t.leaseDeadlineMs = deadline;
                add(leases, deadline, t.id);
            }
            extended++;
        }
        return new TaskResult.Count(extended);
    }

    private CommandResult cancel(TaskCommand.Cancel c, long now) {
        Task t = tasks.get(c.taskId());
        if (t == null || !t.queue.equals(c.queue())) {
            return new TaskResult.Outcome(c.taskId(), false, true, "queue " + c.queue() + " has no task "
                    + c.taskId());
        }
        if (t.state != TaskState.READY && t.state != TaskState.DELAYED) {
            return new TaskResult.Outcome(t.id, false, false, "task " + t.id + " is " + t.state
                    + "; only ready or delayed tasks can be cancelled");
        }
        unwait(t);
        finish(t, TaskState.CANCELLED, now);
        return new TaskResult.Outcome(t.id, true, false, "");
    }

    private CommandResult requeue(TaskCommand.Requeue rq) {
        Task t = tasks.get(rq.taskId());
        if (t == null || !t.queue.equals(rq.queue())) {
            return new TaskResult.Outcome(rq.taskId(), false, true, "queue " + rq.queue() + " has no task "
                    + rq.taskId());
        }
        if (t.state != TaskState.DEAD) {
            return new TaskResult.Outcome(t.id, false, false, "task " + t.id + " is " + t.state
                    + "; only dead-lettered tasks can be re-queued");
        }
        t.attempts = 0;
        t.finishedAtMs = 0;
        makeWaiting(t, 0, 0);
        return new TaskResult.Outcome(t.id, true, false, "");
    }

    private CommandResult purge(TaskCommand.PurgeDead p) {
        List<Task> victims = new ArrayList<>();
        if (p.taskId() > 0) {
            Task t = tasks.get(p.taskId());
            if (t == null || !t.queue.equals(p.queue())) {
                return new TaskResult.Outcome(p.taskId(), false, true, "queue " + p.queue() + " has no task "
                        + p.taskId());
            }
            if (t.state != TaskState.DEAD) {
                return new TaskResult.Outcome(t.id, false, false, "task " + t.id + " is " + t.state
                        + "; only dead-lettered tasks can be purged");
            }
            victims.add(t);
        } else {
            for (long id : byQueue.getOrDefault(p.queue(), new TreeSet<>())) {
                Task t = tasks.get(id);
                if (t.state == TaskState.DEAD) {
                    victims.add(t);
                }
            }
        }
        for (Task t : victims) {
            remove(t);
        }
        return new TaskResult.Count(victims.size());
    }

    private CommandResult putSchedule(TaskCommand.PutSchedule ps, long now) {
        String invalid = checkName("queue", ps.queue());
        invalid = invalid != null ? invalid : checkName("schedule", ps.schedule());
        invalid = invalid != null ? invalid : checkName("task name", ps.taskName());
        if (invalid == null && ps.payload() == null) {
            invalid = "payload must not be null";
        } else if (invalid == null && ps.payload().length > maxPayloadBytes) {
            invalid = "payload of " + ps.payload().length + " bytes exceeds the limit of " + maxPayloadBytes
                    + " bytes";
        } else if (invalid == null && ps.periodMs() < 1) {
            invalid = "period " + ps.periodMs() + " ms must be >= 1";
        } else if (invalid == null) {
            invalid = checkPolicy(ps.maxAttempts(), ps.backoffBaseMs(), ps.backoffMaxMs(), ps.retentionMs());
        }
        if (invalid != null) {
            return new CommandResult.Rejected("schedule " + ps.queue() + "/" + ps.schedule() + ": " + invalid);
        }
        String k = key(ps.queue(), ps.schedule());
        Schedule old = schedules.remove(k);
        if (old != null) {
            removeFrom(fireTimes, old.nextFireMs, k);
        }
        boolean wasCron = cron.remove(k);
        Schedule s = new Schedule(ps.queue(), ps.schedule(), ps, now + ps.periodMs());
        schedules.put(k, s);
        add(fireTimes, s.nextFireMs, k);
        return new TaskResult.Count(old == null && !wasCron ? 1 : 0);
    }

    private CommandResult removeSchedule(TaskCommand.RemoveSchedule rs) {
        String k = key(rs.queue(), rs.schedule());
        if (cron.remove(k)) {
            return new TaskResult.Count(1);
        }
        Schedule old = schedules.remove(k);
        if (old == null) {
            return new TaskResult.Count(0);
        }
        removeFrom(fireTimes, old.nextFireMs, k);
        return new TaskResult.Count(1);
    }

    private CommandResult putCronSchedule(TaskCommand.PutCronSchedule pc, long now) {
        String invalid = checkName("queue", pc.queue());
        invalid = invalid != null ? invalid : checkName("schedule", pc.schedule());
        invalid = invalid != null ? invalid : checkName("task name", pc.taskName());
        if (invalid == null && pc.payload() == null) {
            invalid = "payload must not be null";
        } else if (invalid == null && pc.payload().length > maxPayloadBytes) {
            invalid = "payload of " + pc.payload().length + " bytes exceeds the limit of " + maxPayloadBytes
                    + " bytes";
        } else if (invalid == null) {
            invalid = checkPolicy(pc.maxAttempts(), pc.backoffBaseMs(), pc.backoffMaxMs(), pc.retentionMs());
        }
        invalid = invalid != null ? invalid : CronSchedules.problem(pc);
        if (invalid != null) {
            return new CommandResult.Rejected("schedule " + pc.queue() + "/" + pc.schedule() + ": " + invalid);
        }
        String k = key(pc.queue(), pc.schedule());
        Schedule old = schedules.remove(k);
        if (old != null) {
            removeFrom(fireTimes, old.nextFireMs, k);
        }
        long created = cron.put(k, pc, now);
        return new TaskResult.Count(old == null ? created : 0);
    }

    private CommandResult setSuspended(TaskCommand.SetScheduleSuspended ss, long now) {
        long changed = cron.setSuspended(key(ss.queue(), ss.schedule()), ss.suspended(), now);
        if (changed < 0) {
            String why = schedules.containsKey(key(ss.queue(), ss.schedule()))
                    ? "schedule " + ss.queue() + "/" + ss.schedule() + " has a fixed interval; only cron schedules"
                    + " can be suspended (remove it instead)"
                    : "queue " + ss.queue() + " has no schedule " + ss.schedule();
            return new TaskResult.Outcome(0, false, !schedules.containsKey(key(ss.queue(), ss.schedule())), why);
        }
        return new TaskResult.Count(changed);
    }

    /** A schedule's REPLACE policy: a waiting task is cancelled, a claimed one loses its claim. */
    private void revokeTask(long taskId, String why, long now) {
        Task t = tasks.get(taskId);
        if (t == null || t.state.isFinished()) {
            return;
        }
        if (t.state == TaskState.CLAIMED) {
            long session = t.claimSession;
            long token = t.claimToken;
            releaseClaim(t);
            events.claimLost(new TaskEvents.ClaimLost(t.queue, t.id, session, token, why));
        } else {
            unwait(t);
        }
        t.lastError = clip(why);
        finish(t, TaskState.CANCELLED, now);
    }

    // ------------------------------------------------------------------ time and sessions

    /** Entry time reached {@code now}: leases end, delays pass, schedules fire, old results go. */
    void advance(long now, LongPredicate live) {
        while (!leases.isEmpty() && leases.firstKey() <= now) {
            for (long id : leases.pollFirstEntry().getValue()) {
                Task t = tasks.get(id);
                long session = t.claimSession;
                long token = t.claimToken;
                releaseClaim(t);
                events.claimLost(new TaskEvents.ClaimLost(t.queue, t.id, session, token, "lease expired"));
                lostAttempt(t, "attempt " + t.attempts + ": lease expired (the worker did not finish or extend it in"
                        + " time)", now);
            }
        }
        while (!delayed.isEmpty() && delayed.firstKey() <= now) {
            for (long id : delayed.pollFirstEntry().getValue()) {
                makeWaiting(tasks.get(id), 0, now);
            }
        }
        while (!fireTimes.isEmpty() && fireTimes.firstKey() <= now) {
            for (String k : fireTimes.pollFirstEntry().getValue()) {
                fire(schedules.get(k), now);
            }
        }
        cron.advance(now);
        while (!retention.isEmpty() && retention.firstKey() <= now) {
            for (long id : retention.pollFirstEntry().getValue()) {
                remove(tasks.get(id));
            }
        }
        dispatch(now, live);
    }

    private void fire(Schedule s, long now) {
        TaskCommand.PutSchedule p = s.spec;
        long fireTime = s.nextFireMs;
        Task t = create(s.queue, p.taskName(), p.payload(), p.priority(), p.maxAttempts(), "", p.backoffBaseMs(),
                p.backoffMaxMs(), p.retentionMs(), now);
        makeWaiting(t, 0, now);
        // Missed periods (the cluster was down, or idle with no entries) fire once, not in a burst.
        long missed = (now - fireTime) / p.periodMs();
        s.nextFireMs = fireTime + (missed + 1) * p.periodMs();
        add(fireTimes, s.nextFireMs, key(s.queue, s.name));
        events.fired(new TaskEvents.Fired(s.queue, s.name, fireTime, t.id, now, ScheduleRun.Outcome.ENQUEUED,
                fireTime, 1));
    }

    /** The session ended: it takes no more work, and its claims go back to ready (or dead) now. */
    void sessionClosed(long session, long now, LongPredicate live) {
        TreeSet<String> keys = workerKeysBySession.remove(session);
        if (keys != null) {
            for (String k : keys) {
                TreeMap<Long, Worker> ws = workers.get(k);
                ws.remove(session);
                if (ws.isEmpty()) {
                    workers.remove(k);
                    cursor.remove(k);
                }
            }
        }
        TreeSet<Long> claims = claimsBySession.get(session);
        if (claims != null) {
            for (long id : new ArrayList<>(claims)) {
                Task t = tasks.get(id);
                long token = t.claimToken;
                releaseClaim(t);
                events.claimLost(new TaskEvents.ClaimLost(t.queue, t.id, session, token, "worker session ended"));
                lostAttempt(t, "attempt " + t.attempts + ": the worker's session ended", now);
            }
        }
        dispatch(now, live);
    }

    // ------------------------------------------------------------------ transitions

    /** Hands ready tasks of every changed (queue, name) to live workers with free capacity. */
    private void dispatch(long now, LongPredicate live) {
        while (!dirty.isEmpty()) {
            String k = dirty.pollFirst();
            TreeSet<ReadyRef> queue = ready.get(k);
            TreeMap<Long, Worker> ws = workers.get(k);
            while (queue != null && !queue.isEmpty() && ws != null) {
                Long session = nextWorker(k, ws, live);
                if (session == null) {
                    break;
                }
                ReadyRef ref = queue.pollFirst();
                claim(tasks.get(ref.id()), session, ws.get(session), now);
            }
            if (queue != null && queue.isEmpty()) {
                ready.remove(k);
            }
        }
    }

    /** Round-robin over sessions by id, starting after the last one served. */
    private Long nextWorker(String k, TreeMap<Long, Worker> ws, LongPredicate live) {
        long last = cursor.getOrDefault(k, 0L);
        for (Map<Long, Worker> part : List.of(ws.tailMap(last, false), ws.headMap(last, true))) {
            for (Map.Entry<Long, Worker> e : part.entrySet()) {
                Worker w = e.getValue();
                if (w.running < w.concurrency && live.test(e.getKey())) {
                    cursor.put(k, e.getKey());
                    return e.getKey();
                }
            }
        }
        return null;
    }

    private void claim(Task t, long session, Worker w, long now) {
        t.state = TaskState.CLAIMED;
        t.attempts++;
        t.claimSession = session;
        t.claimToken = ++lastToken;
        t.leaseDeadlineMs = now + w.leaseMs;
        w.running++;
        add(leases, t.leaseDeadlineMs, t.id);
        claimsBySession.computeIfAbsent(session, x -> new TreeSet<>()).add(t.id);
        events.assigned(new TaskEvents.Assigned(t.queue, t.name, t.id, session, t.claimToken, t.attempts, t.payload,
                t.leaseDeadlineMs));
    }

    /** Ends the current claim (the caller decides where the task goes); frees the worker's slot. */
    private void releaseClaim(Task t) {
        removeFrom(leases, t.leaseDeadlineMs, t.id);
        removeFrom(claimsBySession, t.claimSession, t.id);
        Worker w = workerOf(t);
        if (w != null && w.running > 0) {
            w.running--;
        }
        dirty.add(t.slot());
        t.claimSession = 0;
        t.leaseDeadlineMs = 0;
        // claimToken stays: it names the last claim, and no later claim reuses it.
    }

    private Worker workerOf(Task t) {
        TreeMap<Long, Worker> ws = workers.get(t.slot());
        return ws == null ? null : ws.get(t.claimSession);
    }

    /** An explicit failure: back off, or dead-letter on the last attempt. */
    private void failAttempt(Task t, String error, long now) {
        t.lastError = clip("attempt " + t.attempts + ": " + error);
        if (t.attempts >= t.maxAttempts) {
            finish(t, TaskState.DEAD, now);
        } else {
            makeWaiting(t, now + backoff(t), now);
        }
    }

    /** A lost claim (lease, session): ready again at once, or dead-lettered on the last attempt. */
    private void lostAttempt(Task t, String error, long now) {
        t.lastError = clip(error);
        if (t.attempts >= t.maxAttempts) {
            finish(t, TaskState.DEAD, now);
        } else {
            makeWaiting(t, now, now);
        }
    }

    /** Errors are kept short: they travel in snapshots as modified UTF-8 (at most 64 KiB). */
    static String clip(String error) {
        return error.length() <= MAX_ERROR_CHARS ? error : error.substring(0, MAX_ERROR_CHARS) + "...";
    }

    static long backoff(long baseMs, long maxMs, int attempts) {
        long d = baseMs;
        for (int i = 1; i < attempts && d < maxMs; i++) {
            d = d > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : d * 2;
        }
        return Math.min(d, maxMs);
    }

    private static long backoff(Task t) {
        return backoff(t.backoffBaseMs, t.backoffMaxMs, t.attempts);
    }

    private void finish(Task t, TaskState state, long now) {
        t.state = state;
        t.finishedAtMs = now;
        if (state != TaskState.DEAD) {
            add(retention, now + t.retentionMs, t.id);
        }
        cron.taskFinished(t.id, state);
        events.finished(new TaskEvents.Finished(t.queue, t.id, state, t.result,
                state == TaskState.CANCELLED ? "cancelled" : t.lastError, t.attempts));
    }

    /** Takes a waiting task out of the ready or delayed index. */
    private void unwait(Task t) {
        if (t.state == TaskState.READY) {
            TreeSet<ReadyRef> q = ready.get(t.slot());
            if (q != null) {
                q.remove(new ReadyRef(t.priority, t.id));
                if (q.isEmpty()) {
                    ready.remove(t.slot());
                }
            }
        } else if (t.state == TaskState.DELAYED) {
            removeFrom(delayed, t.notBeforeMs, t.id);
        }
    }

    private void remove(Task t) {
        tasks.remove(t.id);
        removeFrom(byQueue, t.queue, t.id);
        if (!t.idempotencyKey.isEmpty()) {
            idempotency.remove(key(t.queue, t.idempotencyKey), t.id);
        }
        if (t.state.isFinished() && t.state != TaskState.DEAD) {
            removeFrom(retention, t.finishedAtMs + t.retentionMs, t.id);
        }
    }

    // ------------------------------------------------------------------ validation

    private String checkName(String what, String name) {
        if (name == null || name.isEmpty()) {
            return what + " must be a non-empty string";
        }
        if (name.indexOf('\u0000') >= 0) {
            return what + " '" + name.replace('\u0000', '?') + "' must not contain NUL characters";
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxNameBytes) {
            return what + " of " + bytes + " bytes exceeds the limit of " + maxNameBytes + " bytes";
        }
        return null;
    }

    private static String checkPolicy(int maxAttempts, long backoffBaseMs, long backoffMaxMs, long retentionMs) {
        if (maxAttempts < 1) {
            return "maxAttempts " + maxAttempts + " must be >= 1";
        }
        if (backoffBaseMs < 0 || backoffMaxMs < backoffBaseMs) {
            return "back-off base " + backoffBaseMs + " ms and maximum " + backoffMaxMs
                    + " ms must satisfy 0 <= base <= maximum";
        }
        if (retentionMs < 0) {
            return "result retention " + retentionMs + " ms must be >= 0";
        }
        return null;
    }

    // ------------------------------------------------------------------ reads

    TaskInfo info(long id, LongFunction<String> nodeOfSession) {
        Task t = tasks.get(id);
        return t == null ? null : toInfo(t, nodeOfSession);
    }

    private static TaskInfo toInfo(Task t, LongFunction<String> nodeOfSession) {
        String node = t.claimSession == 0 ? "" : nodeOfSession.apply(t.claimSession);
        return new TaskInfo(t.id, t.queue, t.name, t.state, t.priority, t.attempts, t.maxAttempts, t.idempotencyKey,
                t.createdAtMs, t.notBeforeMs, t.claimSession, node == null ? "" : node, t.claimToken,
                t.leaseDeadlineMs, t.finishedAtMs, t.payload, t.result, t.lastError);
    }

    /** Tasks of {@code queue} in id order, only {@code state} if not null, at most {@code limit}. */
    List<TaskInfo> list(String queue, TaskState state, int limit, LongFunction<String> nodeOfSession) {
        List<TaskInfo> out = new ArrayList<>();
        for (long id : byQueue.getOrDefault(queue, new TreeSet<>())) {
            if (out.size() >= limit) {
                break;
            }
            Task t = tasks.get(id);
            if (state == null || t.state == state) {
                out.add(toInfo(t, nodeOfSession));
            }
        }
        return out;
    }

    List<TaskInfo> claimsOf(long session, LongFunction<String> nodeOfSession) {
        List<TaskInfo> out = new ArrayList<>();
        for (long id : claimsBySession.getOrDefault(session, new TreeSet<>())) {
            out.add(toInfo(tasks.get(id), nodeOfSession));
        }
        return out;
    }

    TaskStats stats(String queue) {
        long[] n = new long[TaskState.values().length + 1];
        for (long id : byQueue.getOrDefault(queue, new TreeSet<>())) {
            n[tasks.get(id).state.code]++;
        }
        long slots = 0;
        String from = key(queue, "");
        for (Map.Entry<String, TreeMap<Long, Worker>> e : workers.tailMap(from).entrySet()) {
            if (!e.getKey().startsWith(from)) {
                break;
            }
            for (Worker w : e.getValue().values()) {
                slots += w.concurrency;
            }
        }
        long sched = 0;
        for (String k : schedules.tailMap(from).keySet()) {
            if (!k.startsWith(from)) {
                break;
            }
            sched++;
        }
        for (String k : cron.from(from).keySet()) {
            if (!k.startsWith(from)) {
                break;
            }
            sched++;
        }
        return new TaskStats(queue, n[TaskState.READY.code], n[TaskState.DELAYED.code], n[TaskState.CLAIMED.code],
                n[TaskState.DEAD.code], n[TaskState.COMPLETED.code], n[TaskState.CANCELLED.code], slots, sched);
    }

    /** Whether {@code queue} has tasks, workers or schedules. */
    boolean hasQueue(String queue) {
        String from = key(queue, "");
        String w = workers.ceilingKey(from);
        String s = schedules.ceilingKey(from);
        String c = cron.from(from).isEmpty() ? null : cron.from(from).firstKey();
        return byQueue.containsKey(queue) || (w != null && w.startsWith(from)) || (s != null && s.startsWith(from))
                || (c != null && c.startsWith(from));
    }

    /** Every queue that has tasks, workers or schedules, in name order. */
    List<String> queues() {
        TreeSet<String> out = new TreeSet<>(byQueue.keySet());
        for (String k : workers.keySet()) {
            out.add(k.substring(0, k.indexOf('\u0000')));
        }
        for (String k : schedules.keySet()) {
            out.add(k.substring(0, k.indexOf('\u0000')));
        }
        for (String k : cron.keys()) {
            out.add(k.substring(0, k.indexOf('\u0000')));
        }
        return List.copyOf(out);
    }

    /** Schedules of both kinds of {@code queue}, in name order. */
    List<ScheduleInfo> schedules(String queue) {
        String from = key(queue, "");
        TreeMap<String, ScheduleInfo> out = new TreeMap<>();
        for (Map.Entry<String, Schedule> e : schedules.tailMap(from).entrySet()) {
            if (!e.getKey().startsWith(from)) {
                break;
            }
            Schedule s = e.getValue();
            TaskCommand.PutSchedule p = s.spec;
            out.put(e.getKey(), new ScheduleInfo(s.queue, s.name, p.taskName(), false, "", false, "UTC", p.periodMs(),
                    (byte) 0, 0, 0, 0, (byte) 0, false, s.nextFireMs, s.nextFireMs - p.periodMs(), 0, 0, List.of()));
        }
        for (Map.Entry<String, CronSchedules.Schedule> e : cron.from(from).entrySet()) {
            if (!e.getKey().startsWith(from)) {
                break;
            }
            out.put(e.getKey(), cron.info(e.getValue()));
        }
        return List.copyOf(out.values());
    }

    /** The earliest entry time at which a schedule of either kind is due, or {@link Long#MAX_VALUE}. */
    long nextScheduleDue() {
        return Math.min(fireTimes.isEmpty() ? Long.MAX_VALUE : fireTimes.firstKey(), cron.nextDue());
    }

    void injectScheduleBugForTesting(InjectedScheduleBug bug, java.util.function.LongSupplier localClock) {
        cron.injectBugForTesting(bug, localClock);
    }

    /** The schedule's next fire time, or -1 when there is no such schedule. */
    long nextFire(String queue, String schedule) {
        Schedule s = schedules.get(key(queue, schedule));
        return s == null ? -1 : s.nextFireMs;
    }

    long lastToken() {
        return lastToken;
    }

    int size() {
        return tasks.size();
    }

    // ------------------------------------------------------------------ snapshot

    /** See {@link StateMachine#snapshot} and docs/formats.md for the layout. */
    void write(DataOutputStream out) throws IOException {
        out.writeLong(lastTaskId);
        out.writeLong(lastToken);
        out.writeInt(tasks.size());
        for (Task t : tasks.values()) {
            out.writeLong(t.id);
            out.writeUTF(t.queue);
            out.writeUTF(t.name);
            CommandCodec.writeBytes(out, t.payload);
            out.writeInt(t.priority);
            out.writeInt(t.maxAttempts);
            out.writeUTF(t.idempotencyKey);
            out.writeLong(t.backoffBaseMs);
            out.writeLong(t.backoffMaxMs);
            out.writeLong(t.retentionMs);
            out.writeLong(t.createdAtMs);
            out.writeByte(t.state.code);
            out.writeInt(t.attempts);
            out.writeLong(t.notBeforeMs);
            out.writeLong(t.claimSession);
            out.writeLong(t.claimToken);
            out.writeLong(t.leaseDeadlineMs);
            out.writeLong(t.finishedAtMs);
            out.writeBoolean(t.result != null);
            if (t.result != null) {
                CommandCodec.writeBytes(out, t.result);
            }
            out.writeUTF(t.lastError);
        }
        int n = 0;
        for (TreeMap<Long, Worker> ws : workers.values()) {
            n += ws.size();
        }
        out.writeInt(n);
        for (Map.Entry<String, TreeMap<Long, Worker>> e : workers.entrySet()) {
            String k = e.getKey();
            int cut = k.indexOf('\u0000');
            for (Map.Entry<Long, Worker> w : e.getValue().entrySet()) {
                out.writeUTF(k.substring(0, cut));
                out.writeUTF(k.substring(cut + 1));
                out.writeLong(w.getKey());
                out.writeInt(w.getValue().concurrency);
                out.writeLong(w.getValue().leaseMs);
            }
        }
        out.writeInt(cursor.size());
        for (Map.Entry<String, Long> c : cursor.entrySet()) {
            int cut = c.getKey().indexOf('\u0000');
            out.writeUTF(c.getKey().substring(0, cut));
            out.writeUTF(c.getKey().substring(cut + 1));
            out.writeLong(c.getValue());
        }
        out.writeInt(schedules.size());
        for (Schedule s : schedules.values()) {
            TaskCodec.writeCommand(out, s.spec);
            out.writeLong(s.nextFireMs);
        }
        // Cron section, after a marker: a snapshot written before cron schedules existed ends here.
        out.writeByte(CRON_SECTION);
        cron.write(out);
    }

    private static final int CRON_SECTION = 1;

    void read(DataInputStream in) throws IOException {
        tasks.clear();
        byQueue.clear();
        ready.clear();
        delayed.clear();
        leases.clear();
        retention.clear();
        idempotency.clear();
        claimsBySession.clear();
        workers.clear();
        cursor.clear();
        workerKeysBySession.clear();
        schedules.clear();
        fireTimes.clear();
        dirty.clear();
        lastTaskId = in.readLong();
        lastToken = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            Task t = new Task(in.readLong(), in.readUTF(), in.readUTF(), CommandCodec.readBytes(in), in.readInt(),
                    in.readInt(), in.readUTF(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
            t.state = TaskState.of(in.readByte());
            t.attempts = in.readInt();
            t.notBeforeMs = in.readLong();
            t.claimSession = in.readLong();
            t.claimToken = in.readLong();
            t.leaseDeadlineMs = in.readLong();
            t.finishedAtMs = in.readLong();
            t.result = in.readBoolean() ? CommandCodec.readBytes(in) : null;
            t.lastError = in.readUTF();
            tasks.put(t.id, t);
            index(t);
        }
        int w = in.readInt();
        for (int i = 0; i < w; i++) {
            String k = key(in.readUTF(), in.readUTF());
            long session = in.readLong();
            Worker worker = new Worker(in.readInt(), in.readLong());
            worker.running = countClaims(session, k);
            workers.computeIfAbsent(k, x -> new TreeMap<>()).put(session, worker);
            workerKeysBySession.computeIfAbsent(session, x -> new TreeSet<>()).add(k);
        }
        int c = in.readInt();
        for (int i = 0; i < c; i++) {
            cursor.put(key(in.readUTF(), in.readUTF()), in.readLong());
        }
        int s = in.readInt();
        for (int i = 0; i < s; i++) {
            Command cmd = CommandCodec.readCommand(in);
            if (!(cmd instanceof TaskCommand.PutSchedule spec)) {
                throw new IOException("task snapshot: expected a schedule, found " + cmd);
            }
            Schedule sch = new Schedule(spec.queue(), spec.schedule(), spec, in.readLong());
            String k = key(sch.queue, sch.name);
            schedules.put(k, sch);
            add(fireTimes, sch.nextFireMs, k);
        }
        int marker = in.read();
        if (marker == -1) {
            cron.clear(); // written before cron schedules existed
        } else if (marker == CRON_SECTION) {
            cron.read(in);
        } else {
            throw new IOException("task snapshot: unknown section marker " + marker + " after the schedules");
        }
    }

    private void index(Task t) {
        byQueue.computeIfAbsent(t.queue, k -> new TreeSet<>()).add(t.id);
        if (!t.idempotencyKey.isEmpty()) {
            idempotency.put(key(t.queue, t.idempotencyKey), t.id);
        }
        switch (t.state) {
            case READY -> ready.computeIfAbsent(t.slot(), k -> new TreeSet<>()).add(new ReadyRef(t.priority, t.id));
            case DELAYED -> add(delayed, t.notBeforeMs, t.id);
            case CLAIMED -> {
                add(leases, t.leaseDeadlineMs, t.id);
                claimsBySession.computeIfAbsent(t.claimSession, x -> new TreeSet<>()).add(t.id);
            }
            case COMPLETED, CANCELLED -> add(retention, t.finishedAtMs + t.retentionMs, t.id);
            case DEAD -> { }
            default -> throw new IllegalStateException("task " + t.id + " in unknown state " + t.state);
        }
    }

    // ------------------------------------------------------------------ index helpers

    private static <K, V> void add(TreeMap<K, TreeSet<V>> index, K slot, V value) {
        index.computeIfAbsent(slot, k -> new TreeSet<>()).add(value);
    }

    private static <K, V> void removeFrom(TreeMap<K, TreeSet<V>> index, K slot, V value) {
        TreeSet<V> set = index.get(slot);
        if (set != null && set.remove(value) && set.isEmpty()) {
            index.remove(slot);
        }
    }
}
