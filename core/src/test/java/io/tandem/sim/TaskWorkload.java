package io.tandem.sim;

import io.tandem.raft.Entry;
import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.Envelope;
import io.tandem.state.StateMachine;
import io.tandem.state.TaskCommand;
import io.tandem.state.TaskEvents;
import io.tandem.state.TaskInfo;
import io.tandem.state.TaskResult;
import io.tandem.state.TaskState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The task workload of a simulation: one worker agent embedded in each founding node (it dies
 * with its node and comes back with a new session when the node restarts), submitting tasks
 * (some with idempotency keys drawn from a small pool, some delayed) and running what the
 * cluster assigns to it, as its node learns by applying the log. One agent keeps a schedule.
 *
 * <p>Invariants, on the real state machine under the simulator's partitions, crashes, message
 * loss and clock jumps:
 * <ul>
 *   <li><b>NoStaleCompletion</b> (every apply, every replica): a completion or failure is accepted
 *       only from the task's current claim — the token matches, the lease deadline is after the
 *       entry's time, and the replica's own model of claims (from assignment and loss events)
 *       agrees.</li>
 *   <li><b>IdempotentSubmit</b>: every acknowledged submit with the same key got the same id; at the
 *       end no two tasks share a key.</li>
 *   <li><b>ScheduleOncePerPeriod</b>: a schedule's fire times are strictly increasing on its period
 *       grid and each fire time maps to one task id, on every replica; each replica's model
 *       predicts the next fire time (the next period, or — when an entry's time jumped over
 *       several — the first boundary after it) and no entry at or past it applies without the
 *       fire: exactly once per period while entry time advances by less than a period.</li>
 *   <li><b>TaskLost / TaskNotFinished</b> (end, after healing): every acknowledged submit exists and
 *       is completed or dead-lettered.</li>
 * </ul>
 */
final class TaskWorkload {

    static final String QUEUE = "sim";
    static final List<String> NAMES = List.of("a", "b");
    static final long SESSION_TIMEOUT_MS = 4_000;
    static final long LEASE_MS = 3_000;
    static final long SCHEDULE_PERIOD_MS = 700;
    static final int KEYS = 15;

    private final Simulator sim;
    private final SplittableRandom rnd;
    private final TreeMap<String, Agent> agents = new TreeMap<>();
    /** Acknowledged submits: task id -> idempotency key ("" for none). */
    private final TreeMap<Long, String> acked = new TreeMap<>();
    private final TreeMap<String, Long> idByKey = new TreeMap<>();
    /** Per replica: task id -> the token of its current claim, from the replica's own events. */
    private final TreeMap<String, TreeMap<Long, Long>> claims = new TreeMap<>();
    /** Over all replicas: schedule fire time -> task id. */
    private final TreeMap<Long, Long> fires = new TreeMap<>();
    /** Per replica: the schedule's period grid (fire time mod period), set by its last PutSchedule. */
    private final TreeMap<String, Long> grid = new TreeMap<>();
    /** Per replica: the fire time its model expects next. */
    private final TreeMap<String, Long> expectedFire = new TreeMap<>();
    /** Per replica: the claim ended by the completion or failure being applied right now. */
    private final TreeMap<String, long[]> ending = new TreeMap<>();
    /** (session, sequence) of each completion or failure -> the log index it first applied at. */
    private final java.util.HashMap<String, Long> firstApplied = new java.util.HashMap<>();
    private boolean schedulePut;
    private boolean cronPut;
    private final CronChecks cron;
    private long acceptedCompletions;
    private long acceptedAfterHeal;
    private long ackedAfterHeal;
    private long rejectedCompletions;
    private long redeliveries;

    TaskWorkload(Simulator sim, SplittableRandom rnd) {
        this.sim = sim;
        this.rnd = rnd;
        this.cron = new CronChecks(sim);
    }

    // ------------------------------------------------------------------ simulator hooks

    void start(List<String> nodeIds) {
        for (String id : nodeIds) {
            Agent a = new Agent(id, agents.size());
            agents.put(id, a);
            a.boot();
        }
    }

    void nodeCrashed(String id) {
        Agent a = agents.get(id);
        if (a != null) {
            a.die();
        }
    }

    void nodeStarted(String id) {
        Agent a = agents.get(id);
        if (a != null) {
            a.boot();
        }
    }

    /** A replica (re)built its state machine from a snapshot: rebuild its claim model from it. */
    void attach(String nodeId, StateMachine sm, StateMachine.Listener others) {
        TreeMap<Long, Long> model = new TreeMap<>();
        for (TaskInfo t : sm.tasks(QUEUE, TaskState.CLAIMED, Integer.MAX_VALUE)) {
            model.put(t.id(), t.claimToken());
        }
        claims.put(nodeId, model);
        cron.attach(nodeId, sm);
        long next = sm.nextScheduleFire(QUEUE, "tick");
        if (next >= 0) {
            grid.put(nodeId, Math.floorMod(next, SCHEDULE_PERIOD_MS));
            expectedFire.put(nodeId, next);
        } else {
            grid.remove(nodeId);
            expectedFire.remove(nodeId);
        }
        // One listener per state machine: the other checks' events pass through.
        sm.setListener(new StateMachine.Listener() {
            @Override
            public void onEvent(io.tandem.state.WatchEvent event) {
                others.onEvent(event);
            }

            @Override
            public void onSessionClosed(long sessionId, String node, boolean expired) {
                others.onSessionClosed(sessionId, node, expired);
            }

            @Override
            public void onLockGranted(io.tandem.state.LockKind kind, String name, long session, String node, long owner,
                                      long token) {
                others.onLockGranted(kind, name, session, node, owner, token);
            }

            @Override
            public void onLockWaitExpired(io.tandem.state.LockKind kind, String name, long session, long owner) {
                others.onLockWaitExpired(kind, name, session, owner);
            }

            @Override
            public void onLockReleased(io.tandem.state.LockKind kind, String name, long session, long owner, long token,
                                       String why) {
                others.onLockReleased(kind, name, session, owner, token, why);
            }

            @Override
            public void onRestored() {
                others.onRestored();
            }

            @Override
            public void onTaskAssigned(TaskEvents.Assigned a) {
                Long previous = model.put(a.taskId(), a.token());
                long[] end = ending.get(nodeId);
                if (previous != null && !(end != null && end[0] == a.taskId() && end[1] == previous)) {
                    throw sim.failure("DoubleClaim", nodeId + ": task " + a.taskId() + " claimed with token "
                            + a.token() + " while claim " + previous + " is still current");
                }
                if (a.attempt() > 1) {
                    redeliveries++;
                }
                Agent agent = agents.get(nodeId);
                if (agent != null) {
                    agent.onAssigned(a);
                }
            }

            @Override
            public void onTaskClaimLost(TaskEvents.ClaimLost c) {
                Long current = model.remove(c.taskId());
                if (current == null || current != c.token()) {
                    throw sim.failure("ClaimModel", nodeId + ": lost claim " + c.token() + " of task " + c.taskId()
                            + " but the current claim is " + current);
                }
            }

            @Override
            public void onTaskFinished(TaskEvents.Finished f) {
                model.remove(f.taskId());
                cron.taskFinished(nodeId, f.taskId());
            }

            @Override
            public void onScheduleFired(TaskEvents.Fired f) {
                if (CronChecks.isCron(f.schedule())) {
                    cron.decided(nodeId, sm, f);
                    return;
                }
                checkFire(nodeId, f);
                Long expected = expectedFire.get(nodeId);
                if (expected != null && expected != f.fireTimeMs()) {
                    throw sim.failure("ScheduleOncePerPeriod", nodeId + ": fired for period " + f.fireTimeMs()
                            + " but the next period due was " + expected);
                }
                long missed = (sm.lastTimestamp() - f.fireTimeMs()) / SCHEDULE_PERIOD_MS;
                expectedFire.put(nodeId, f.fireTimeMs() + (missed + 1) * SCHEDULE_PERIOD_MS);
            }
        });
        // Like TaskRuntime after a snapshot install: the events inside it were never delivered.
        Agent agent = agents.get(nodeId);
        if (agent != null && agent.alive && agent.sessionId != 0) {
            for (TaskInfo t : sm.taskClaims(agent.sessionId)) {
                if (!agent.running.containsKey(t.id())) {
                    agent.onAssigned(new TaskEvents.Assigned(t.queue(), t.name(), t.id(), t.claimSession(),
                            t.claimToken(), t.attempts(), t.payload(), t.leaseDeadlineMs()));
                }
            }
        }
    }

    /** Captures the claim a completion or failure names, before the apply changes it. */
    Object beforeApply(String nodeId, StateMachine sm, Entry e, Envelope env) {
        long taskId = env.command() instanceof TaskCommand.Complete c ? c.taskId()
                : env.command() instanceof TaskCommand.Fail f ? f.taskId() : 0;
        if (taskId == 0) {
            return null;
        }
        long token = env.command() instanceof TaskCommand.Complete c ? c.token() : ((TaskCommand.Fail) env.command()).token();
        // A failure with retries left ends its claim without an event, and the same apply may
        // claim the task again: the model lets that one claim replace it.
        ending.put(nodeId, new long[] {taskId, token});
        return new Object[] {sm.task(taskId).orElse(null), Math.max(sm.lastTimestamp(), e.timestamp()),
                claims.get(nodeId).get(taskId)};
    }

    void afterApply(String nodeId, StateMachine sm, Entry e, Envelope env, CommandResult result, Object before) {
        if (env.command() instanceof TaskCommand.PutSchedule && result instanceof TaskResult.Count) {
            grid.put(nodeId, Math.floorMod(sm.nextScheduleFire(QUEUE, "tick"), SCHEDULE_PERIOD_MS));
            expectedFire.put(nodeId, sm.nextScheduleFire(QUEUE, "tick"));
        }
        if (env.command() instanceof TaskCommand.PutCronSchedule pc && result instanceof TaskResult.Count) {
            cron.created(nodeId, pc.schedule(), sm.lastTimestamp());
        }
        cron.afterApply(nodeId, sm, e.index());
        Long due = expectedFire.get(nodeId);
        if (due != null && sm.lastTimestamp() >= due) {
            throw sim.failure("ScheduleOncePerPeriod", nodeId + ": entry " + e.index() + " at time "
                    + sm.lastTimestamp() + " applied without the schedule firing for period " + due);
        }
        long[] end = ending.remove(nodeId);
        if (before == null || !(result instanceof TaskResult.Outcome o)) {
            return;
        }
        if (o.accepted() && end != null) {
            claims.get(nodeId).remove(end[0], end[1]);
        }
        long first = firstApplied.merge(env.sessionId() + ":" + env.sequence(), e.index(), Math::min);
        if (first < e.index()) {
            return; // a retried command: the session answered from its result cache, nothing ran
        }
        Object[] b = (Object[]) before;
        TaskInfo t = (TaskInfo) b[0];
        long entryTime = (long) b[1];
        Long modelToken = (Long) b[2];
        long token = env.command() instanceof TaskCommand.Complete c ? c.token() : ((TaskCommand.Fail) env.command()).token();
        if (!o.accepted()) {
            rejectedCompletions++;
            return;
        }
        acceptedCompletions++;
        if (sim.nowMs() >= sim.options().safetyMs()) {
            acceptedAfterHeal++;
        }
        if (t == null || t.state() != TaskState.CLAIMED || t.claimToken() != token || t.claimSession() != env.sessionId()
                || t.leaseDeadlineMs() <= entryTime || modelToken == null || modelToken != token) {
            throw sim.failure("NoStaleCompletion", nodeId + " accepted " + env.command().getClass().getSimpleName()
                    + " of task " + o.taskId() + " with token " + token + " from session " + env.sessionId()
                    + " at entry " + e.index() + " time " + entryTime + "; before it the task was " + t
                    + " and the replica's claim model said " + modelToken);
        }
    }

    private void checkFire(String nodeId, TaskEvents.Fired f) {
        Long known = fires.putIfAbsent(f.fireTimeMs(), f.taskId());
        if (known != null && known != f.taskId()) {
            throw sim.failure("ScheduleOncePerPeriod", nodeId + ": schedule fired for period " + f.fireTimeMs()
                    + " with task " + f.taskId() + ", but that period already fired as task " + known);
        }
        Long residue = grid.get(nodeId);
        if (residue == null || Math.floorMod(f.fireTimeMs(), SCHEDULE_PERIOD_MS) != residue) {
            throw sim.failure("ScheduleOncePerPeriod", nodeId + ": fire time " + f.fireTimeMs()
                    + " is off the period grid (residue " + residue + " mod " + SCHEDULE_PERIOD_MS + ")");
        }
        Long earlierTask = null;
        for (Map.Entry<Long, Long> e : fires.headMap(f.fireTimeMs(), false).entrySet()) {
            earlierTask = e.getValue();
        }
        if (earlierTask != null && earlierTask > f.taskId()) {
            throw sim.failure("ScheduleOncePerPeriod", nodeId + ": fire time " + f.fireTimeMs() + " got task "
                    + f.taskId() + ", older than the task of an earlier period (" + earlierTask + ")");
        }
    }

    /** After healing: every acknowledged task is completed or dead-lettered; keys are unique. */
    void checkEnd() {
        cron.checkEnd();
        StateMachine sm = sim.mostAppliedState();
        if (sm == null) {
            throw sim.failure("TaskLost", "no node is up at the end");
        }
        TreeMap<String, Long> keys = new TreeMap<>();
        for (TaskInfo t : sm.tasks(QUEUE, null, Integer.MAX_VALUE)) {
            if (!t.idempotencyKey().isEmpty()) {
                Long other = keys.put(t.idempotencyKey(), t.id());
                if (other != null) {
                    throw sim.failure("IdempotentSubmit", "tasks " + other + " and " + t.id() + " share key "
                            + t.idempotencyKey());
                }
            }
        }
        for (Map.Entry<Long, String> a : acked.entrySet()) {
            TaskInfo t = sm.task(a.getKey()).orElse(null);
            if (t == null) {
                throw sim.failure("TaskLost", "acknowledged task " + a.getKey() + " (key '" + a.getValue()
                        + "') does not exist at the end");
            }
            if (t.state() != TaskState.COMPLETED && t.state() != TaskState.DEAD) {
                throw sim.failure("TaskNotFinished", "acknowledged task " + t + " is neither completed nor dead"
                        + " after healing; stats " + sm.taskStats(QUEUE) + "; entry time " + sm.lastTimestamp()
                        + "; " + summary() + "; agents " + agents.values());
            }
        }
        if (ackedAfterHeal > 0 && acceptedAfterHeal == 0) {
            StringBuilder detail = new StringBuilder();
            for (TaskInfo t : sm.tasks(QUEUE, null, 20)) {
                detail.append("\n    ").append(t.id()).append(' ').append(t.state()).append(" attempts=")
                        .append(t.attempts()).append('/').append(t.maxAttempts()).append(" error=").append(t.lastError());
            }
            throw sim.failure("TaskLiveness", ackedAfterHeal + " tasks acknowledged after healing but no outcome"
                    + " accepted since; "
                    + summary() + "; stats " + sm.taskStats(QUEUE) + "; agents " + agents.values() + detail);
        }
    }

    String summary() {
        return acked.size() + " tasks acknowledged, " + acceptedCompletions + " outcomes accepted, "
                + rejectedCompletions + " stale ones refused, " + redeliveries + " re-deliveries, "
                + fires.size() + " schedule fires, " + cron.summary();
    }

    // ------------------------------------------------------------------ agents

    /** A worker embedded in one node: its own session, one command in flight at a time. */
    private final class Agent implements Simulator.Replier {
        final String nodeId;
        final int number;
        int incarnation;
        boolean alive;
        long sessionId;
        long nonce;
        long seq;
        long requestId;
        long attempt;
        int attempts;
        String target;
        Command inFlight;
        final ArrayDeque<Command> outbox = new ArrayDeque<>();
        /** Claims this agent is running: task id -> token. */
        final TreeMap<Long, Long> running = new TreeMap<>();

        @Override
        public String toString() {
            return nodeId + "{alive=" + alive + " session=" + sessionId + " running=" + running + " outbox="
                    + outbox.size() + " inFlight=" + (inFlight == null ? null : inFlight.getClass().getSimpleName())
                    + " attempts=" + attempts + "}";
        }

        Agent(String nodeId, int number) {
            this.nodeId = nodeId;
            this.number = number;
        }

        void boot() {
            incarnation++;
            alive = true;
            sessionId = 0;
            inFlight = null;
            outbox.clear();
            running.clear();
            nonce = rnd.nextLong();
            inFlight = new Command.OpenSession("agent-" + nodeId, SESSION_TIMEOUT_MS, nonce);
            sendAttempt();
            int inc = incarnation;
            sim.later(200 + rnd.nextInt(200), () -> submitLoop(inc));
            sim.later(LEASE_MS / 4, () -> extendLoop(inc));
        }

        void die() {
            incarnation++;
            alive = false;
            inFlight = null;
            outbox.clear();
            running.clear();
        }

        /**
         * Agents fall silent with the clients, late in the liveness phase, so the simulator's
         * liveness check sees a quiet, converged cluster; tasks must be finished by then.
         */
        private boolean current(int inc) {
            Simulator.Options o = sim.options();
            return alive && incarnation == inc && sim.nowMs() < o.safetyMs() + o.livenessMs() * 7 / 10;
        }

        private void submitLoop(int inc) {
            // A few submits go on into the healed phase: those tasks must complete once faults stop.
            Simulator.Options o = sim.options();
            boolean healed = sim.nowMs() >= o.safetyMs();
            if (!current(inc) || sim.nowMs() >= o.safetyMs() + o.livenessMs() / 10) {
                return;
            }
            String name = NAMES.get(rnd.nextInt(NAMES.size()));
            String key = rnd.nextInt(3) == 0 ? "k" + rnd.nextInt(KEYS) : "";
            long delay = rnd.nextInt(4) == 0 ? rnd.nextInt(500) : 0;
            outbox.add(new TaskCommand.Submit(QUEUE, name, ("p" + number).getBytes(StandardCharsets.UTF_8),
                    rnd.nextInt(3), 1 + rnd.nextInt(4), delay, key, 20, 200, 3_600_000));
            pump();
            sim.later(healed ? 400 + rnd.nextInt(600) : 150 + rnd.nextInt(500), () -> submitLoop(inc));
        }

        /** Extends running claims' leases (and keeps the session alive) a few times per lease. */
        private void extendLoop(int inc) {
            if (!current(inc)) {
                return;
            }
            if (sessionId != 0 && outbox.stream().noneMatch(c -> c instanceof TaskCommand.ExtendLeases)) {
                if (!running.isEmpty()) {
                    outbox.addFirst(new TaskCommand.ExtendLeases(new ArrayList<>(running.keySet()),
                            new ArrayList<>(running.values())));
                } else if (inFlight == null && outbox.isEmpty()) {
                    outbox.add(new Command.KeepAlive());
                }
                pump();
            }
            sim.later(LEASE_MS / 4, () -> extendLoop(inc));
        }

        void onAssigned(TaskEvents.Assigned a) {
            if (!alive || a.session() != sessionId || sessionId == 0) {
                return;
            }
            running.put(a.taskId(), a.token());
            int inc = incarnation;
            // Mostly quick, sometimes longer than a lease (its extension must keep the claim).
            long duration = rnd.nextInt(10) == 0 ? LEASE_MS + rnd.nextInt(500) : 10 + rnd.nextInt(300);
            sim.later(duration, () -> {
                if (!current(inc)) {
                    return; // the node died with the handler: the lease or the session ends the claim
                }
                // The claim stays in `running` (its lease extended) until the outcome is applied,
                // as TaskRuntime does: a slow commit must not let the lease run out.
                // The claim may have been lost meanwhile (session expired after a clock jump): the
                // outcome is sent anyway, and fencing must refuse it.
                outbox.add(rnd.nextInt(6) == 0 ? new TaskCommand.Fail(a.taskId(), a.token(), "sim failure")
                        : new TaskCommand.Complete(a.taskId(), a.token(), ("r" + a.taskId()).getBytes(
                        StandardCharsets.UTF_8)));
                pump();
            });
        }

        private void pump() {
            if (!current(incarnation) || inFlight != null || sessionId == 0 || outbox.isEmpty()) {
                return;
            }
            inFlight = outbox.poll();
            seq++;
            attempts = 0;
            sendAttempt();
        }

        private Envelope envelope() {
            return inFlight instanceof Command.OpenSession ? new Envelope(0, 0, 0, inFlight)
                    : new Envelope(sessionId, seq, seq - 1, inFlight);
        }

        private void sendAttempt() {
            attempt++;
            attempts++;
            List<String> ids = sim.nodeIds();
            if (target == null || !ids.contains(target) || rnd.nextInt(5) == 0) {
                target = ids.get(rnd.nextInt(ids.size()));
            }
            requestId++;
            sim.sendCommand(target, envelope(), this, requestId, attempt);
            long a = attempt;
            int inc = incarnation;
            sim.later(Simulator.CLIENT_TIMEOUT_MS, () -> {
                if (current(inc) && inFlight != null && attempt == a) {
                    retry(null);
                }
            });
        }

        private void retry(String hint) {
            if (attempts >= 40 && !(inFlight instanceof Command.OpenSession)) {
                forget(inFlight);
                inFlight = null; // give up: a lost outcome is re-delivered after the lease
                pump();
                return;
            }
            target = hint;
            long a = attempt;
            int inc = incarnation;
            sim.later(5 + rnd.nextInt(20), () -> {
                if (current(inc) && inFlight != null && attempt == a) {
                    sendAttempt();
                }
            });
        }

        @Override
        public void onReply(long replySeq, long replyAttempt, String kind, Object value, String from) {
            if (!alive || inFlight == null || replySeq != requestId) {
                return;
            }
            switch (kind) {
                case "ok" -> onResult((CommandResult) value);
                case "redirect" -> retry((String) value);
                default -> retry(null);
            }
        }

        private void onResult(CommandResult r) {
            Command done = inFlight;
            inFlight = null;
            if (done instanceof Command.OpenSession) {
                if (!(r instanceof CommandResult.SessionOpened opened)) {
                    throw sim.failure("SessionOpen", "agent " + nodeId + " could not open a session: " + r);
                }
                sessionId = opened.sessionId();
                seq = 0;
                for (String name : NAMES) {
                    outbox.addFirst(new TaskCommand.RegisterWorkers(QUEUE, name, 1 + number % 3, LEASE_MS));
                }
                if (number == 0 && !schedulePut) {
                    outbox.add(new TaskCommand.PutSchedule(QUEUE, "tick", "a", new byte[0], SCHEDULE_PERIOD_MS, 0, 3,
                            20, 200, 3_600_000));
                }
                if (number == 0 && !cronPut) {
                    outbox.addAll(CronChecks.SCHEDULES);
                }
            } else if (r instanceof CommandResult.SessionExpired) {
                // Everything the session owned was released; start over with a new one, but keep
                // the outcomes of old claims queued: fencing must refuse them.
                sessionId = 0;
                running.clear();
                nonce = rnd.nextLong();
                inFlight = new Command.OpenSession("agent-" + nodeId, SESSION_TIMEOUT_MS, nonce);
                attempts = 0;
                sendAttempt();
                return;
            } else if (r instanceof CommandResult.Rejected rj) {
                throw sim.failure("StateMachineRejected", "agent " + nodeId + " command " + done + ": " + rj.reason());
            } else if (done instanceof TaskCommand.PutSchedule) {
                schedulePut = true; // until acknowledged, the next session puts it again
            } else if (done instanceof TaskCommand.PutCronSchedule pc
                    && pc.schedule().equals(CronChecks.SCHEDULES.get(CronChecks.SCHEDULES.size() - 1).schedule())) {
                cronPut = true;
            } else if (done instanceof TaskCommand.Complete || done instanceof TaskCommand.Fail) {
                forget(done);
            } else if (r instanceof TaskResult.Submitted s) {
                onSubmitted((TaskCommand.Submit) done, s);
            }
            pump();
        }

        /** The outcome of a claim was applied (or given up on): stop extending its lease. */
        private void forget(Command outcome) {
            if (outcome instanceof TaskCommand.Complete c) {
                running.remove(c.taskId(), c.token());
            } else if (outcome instanceof TaskCommand.Fail f) {
                running.remove(f.taskId(), f.token());
            }
        }

        private void onSubmitted(TaskCommand.Submit cmd, TaskResult.Submitted s) {
            String key = cmd.idempotencyKey();
            if (acked.putIfAbsent(s.taskId(), key) == null && sim.nowMs() >= sim.options().safetyMs()) {
                ackedAfterHeal++;
            }
            if (!key.isEmpty()) {
                Long first = idByKey.putIfAbsent(key, s.taskId());
                if (first != null && first != s.taskId()) {
                    throw sim.failure("IdempotentSubmit", "key " + key + " acknowledged as task " + first
                            + " and later as task " + s.taskId());
                }
                if (first == null && !s.created()) {
                    // The first acknowledgement we saw reused a task: its creating submit was ours
                    // too but its answer was lost; still one task.
                    idByKey.put(key, s.taskId());
                }
            }
        }
    }
}
