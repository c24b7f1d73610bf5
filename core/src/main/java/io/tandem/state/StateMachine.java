package io.tandem.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated state machine: sessions with exactly-once command semantics, and versioned
 * records with TTLs, ephemeral ownership and a bounded watch history.
 *
 * <p><b>Contract.</b> Called only from the node's loop thread. {@link #apply} is deterministic: it
 * reads no clock and draws no randomness — time is the entry's timestamp (the leader's stamp,
 * non-decreasing along the log), every map is sorted, and replaying the same entries from the same
 * snapshot yields the same state and the same results on every replica. It never throws for a
 * business outcome: conflicts, expired sessions and invalid commands come back as
 * {@link CommandResult} values.
 *
 * <p><b>Sessions</b> (dissertation §6.3). A session is opened by a command whose entry index
 * becomes its id. Every command of the session extends its deadline to entry time + timeout;
 * when an entry's time passes the deadline, the session expires in that same apply and releases
 * everything it owns. Results are remembered per (session, sequence) until the sender
 * acknowledges them, so a retried command returns the first result instead of running twice.
 */
public final class StateMachine {

    /** Size limits, validated in apply as a second line behind the public API's own checks. */
    public record Limits(int maxKeyBytes, int maxValueBytes, int watchHistoryEvents, int maxResultsPerSession,
                         long minSessionTimeoutMs, long maxSessionTimeoutMs) {
        public static final Limits DEFAULT = new Limits(1024, 1 << 20, 100_000, 100_000, 1_000, 3_600_000);
    }

    /** Receives changes as they are applied, on the loop thread. */
    public interface Listener {
        default void onEvent(WatchEvent event) {
        }

        default void onSessionClosed(long sessionId, String nodeId, boolean expired) {
        }

        /**
         * {@code name} of {@code kind} was granted to {@code owner} of {@code session} (opened by
         * {@code nodeId}) with fencing {@code token} — for an election, the term.
         */
        default void onLockGranted(LockKind kind, String name, long session, String nodeId, long owner, long token) {
        }

        /** {@code owner} of {@code session} stopped waiting for {@code name}: its wait deadline passed. */
        default void onLockWaitExpired(LockKind kind, String name, long session, long owner) {
        }

        /** {@code owner} of {@code session} no longer holds {@code name} ({@code why}: released, expired, ...). */
        default void onLockReleased(LockKind kind, String name, long session, long owner, long token, String why) {
        }

        /** A task was claimed for a worker session; that session's node runs it. */
        default void onTaskAssigned(TaskEvents.Assigned assigned) {
        }

        /** A claim ended with no result accepted from it (lease expired, session ended). */
        default void onTaskClaimLost(TaskEvents.ClaimLost lost) {
        }

        /** A task completed, was dead-lettered or was cancelled. */
        default void onTaskFinished(TaskEvents.Finished finished) {
        }

        /** A schedule enqueued a task for one of its periods. */
        default void onScheduleFired(TaskEvents.Fired fired) {
        }

        /**
         * The whole state was replaced from a snapshot: the events of the entries it covers were
         * never delivered. Re-read what matters (for example this node's task claims).
         */
        default void onRestored() {
        }
    }

    /** Version 2 adds the cluster version at the end; version 1 snapshots still restore (at {@link CommandLevels#BASE}). */
    private static final byte SNAPSHOT_VERSION = 2;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StateMachine.class);

    /**
     * The outcome of applying one entry's payload: the decoded envelope ({@code null} when the
     * payload could not be decoded), the session and sequence it claims (0 when unreadable) and
     * the result — a {@link CommandResult.Rejected} naming the entry when it could not be applied.
     */
    public record Applied(Envelope envelope, long sessionId, long sequence, CommandResult result) {
    }

    private final Limits limits;
    private Listener listener = new Listener() { };

    private long lastIndex;
    private long lastTimestamp;
    private long revision;
    private long compactedRevision;

    private final TreeMap<Long, Session> sessions = new TreeMap<>();
    private final TreeMap<String, Record> records = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> ttlIndex = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> ephemeralIndex = new TreeMap<>();
    private final ArrayDeque<WatchEvent> history = new ArrayDeque<>();
    private final Locks locks;
    /** The highest timestamp-oracle window bound ever committed (time section of the snapshot). */
    private long timestampWindowMax;
    private final Tasks tasks;
    /** The highest command level every member reads, as last raised through the log (see {@link CommandLevels}). */
    private int clusterVersion = CommandLevels.BASE;

    private static final class Session {
        final long id;
        final String nodeId;
        final long timeoutMs;
        long deadline;
        long ackedSequence;
        final TreeMap<Long, CommandResult> results = new TreeMap<>();

        Session(long id, String nodeId, long timeoutMs, long deadline) {
            this.id = id;
            this.nodeId = nodeId;
            this.timeoutMs = timeoutMs;
            this.deadline = deadline;
        }
    }

    public StateMachine(Limits limits) {
        this.limits = limits;
        this.locks = new Locks(limits.maxKeyBytes());
        this.tasks = new Tasks(limits.maxKeyBytes(), limits.maxValueBytes());
        tasks.setEvents(new Tasks.Events() {
            @Override
            public void assigned(TaskEvents.Assigned a) {
                listener.onTaskAssigned(a);
            }

            @Override
            public void claimLost(TaskEvents.ClaimLost c) {
                listener.onTaskClaimLost(c);
            }

            @Override
            public void finished(TaskEvents.Finished f) {
                listener.onTaskFinished(f);
            }

            @Override
            public void fired(TaskEvents.Fired f) {
                listener.onScheduleFired(f);
            }
        });
        locks.setEvents(new Locks.Events() {
            @Override
            public void granted(LockKind kind, String name, long session, long owner, long token) {
                listener.onLockGranted(kind, name, session, nodeOfSession(session), owner, token);
            }

            @Override
            public void waitExpired(LockKind kind, String name, long session, long owner) {
                listener.onLockWaitExpired(kind, name, session, owner);
            }

            @Override
            public void released(LockKind kind, String name, long session, long owner, long token, String why) {
                listener.onLockReleased(kind, name, session, owner, token, why);
            }
        });
    }

    public void setListener(Listener listener) {
        this.listener = listener;
    }

    // ------------------------------------------------------------------ apply

    /**
     * Lets time pass to {@code timestampMs} at {@code index} without a command (leader no-ops,
     * configuration entries): sessions and records whose time is up expire now.
     */
    public void advance(long index, long timestampMs) {
        lastIndex = Math.max(lastIndex, index);
        lastTimestamp = Math.max(lastTimestamp, timestampMs);
        expireSessions();
        expireRecords();
        locks.expire(lastTimestamp, sessions::containsKey);
        tasks.advance(lastTimestamp, sessions::containsKey);
    }

    /**
     * Applies the payload of one committed entry, and never throws: a payload this build cannot
     * decode (corrupt, unknown kind, or a kind above {@code maxLevel}) is applied as a no-op that
     * only lets time pass, and a command whose application fails with an exception is answered
     * with a {@link CommandResult.Rejected}. Both are logged with the entry's index. Every replica
     * of the same build treats the entry alike, so the replicas stay identical; the cluster
     * version gate keeps entries that an older build could not decode out of the log.
     */
    public Applied applyPayload(long index, long timestampMs, byte[] payload, int maxLevel) {
        Envelope env;
        try {
            env = CommandCodec.decode(payload, maxLevel);
        } catch (IllegalArgumentException e) {
            advance(index, timestampMs);
            long[] header = CommandCodec.header(payload);
            LOG.error("entry {}: its command cannot be decoded by this build, so it is applied as a no-op: {}. If a"
                    + " newer build proposed it, upgrade this node", index, e.getMessage());
            return new Applied(null, header == null ? 0 : header[0], header == null ? 0 : header[1],
                    new CommandResult.Rejected("entry " + index + " was not applied: " + e.getMessage()));
        }
        try {
            return new Applied(env, env.sessionId(), env.sequence(), apply(index, timestampMs, env));
        } catch (RuntimeException e) {
            LOG.error("entry {}: applying {} failed; the entry counts as applied with an error result", index,
                    env.command().getClass().getSimpleName(), e);
            return new Applied(env, env.sessionId(), env.sequence(), new CommandResult.Rejected("entry " + index
                    + " (" + env.command().getClass().getSimpleName() + ") failed to apply: " + e));
        }
    }

    /**
     * Checks a decoded envelope before it is proposed, with what can be known without applying
     * it: the cluster version admits its kind, and its names and sizes are within the limits
     * (apply checks them again). Returns what is wrong, or {@code null}.
     */
    public String precheck(Envelope env) {
        Command cmd = env.command();
        int level = CommandLevels.levelOf(cmd);
        if (level > clusterVersion) {
            return cmd.getClass().getSimpleName() + " needs cluster version " + level + " but the cluster is at "
                    + clusterVersion + ": not every member reads it yet. Finish upgrading every member";
        }
        if ((cmd instanceof Command.OpenSession || cmd instanceof Command.SetClusterVersion) != (env.sessionId() == 0)) {
            return cmd.getClass().getSimpleName() + " with session " + env.sessionId() + ": only OpenSession and"
                    + " SetClusterVersion go without a session";
        }
        if (env.sessionId() < 0 || env.sequence() < 0 || env.ackedSequence() < 0) {
            return "negative session, sequence or acknowledged sequence";
        }
        if (cmd instanceof Command.Put p) {
            return p.ttlMs() < 0 ? "ttl " + p.ttlMs() + " ms must be >= 0" : validate(p.key(), p.value());
        }
        if (cmd instanceof Command.Delete d) {
            return validate(d.key(), new byte[0]);
        }
        if (cmd instanceof Command.OpenSession o && (o.nodeId() == null || o.nodeId().isEmpty())) {
            return "OpenSession needs a node id";
        }
        return null;
    }

    /** The cluster version: members may propose command kinds up to this level. */
    public int clusterVersion() {
        return clusterVersion;
    }

    /** Applies one command committed at {@code index} with the leader's stamp {@code timestampMs}. */
    public CommandResult apply(long index, long timestampMs, Envelope env) {
        advance(index, timestampMs);
        Command cmd = env.command();
        if (cmd instanceof Command.OpenSession open) {
            return openSession(index, open);
        }
        if (cmd instanceof Command.SetClusterVersion v) {
            clusterVersion = Math.max(clusterVersion, v.version());
            return new CommandResult.Done();
        }
        Session s = sessions.get(env.sessionId());
        if (s == null) {
            return new CommandResult.SessionExpired(env.sessionId());
        }
        CommandResult cached = s.results.get(env.sequence());
        if (cached != null) {
            return cached; // a retry: answer as the first time, run nothing
        }
        if (env.sequence() <= s.ackedSequence) {
            return new CommandResult.Rejected("sequence " + env.sequence() + " of session " + s.id
                    + " was already acknowledged; a late duplicate is not run again");
        }
        if (env.ackedSequence() > s.ackedSequence) {
            s.ackedSequence = env.ackedSequence();
            s.results.headMap(env.ackedSequence(), true).clear();
        }
        s.deadline = Math.max(s.deadline, lastTimestamp + s.timeoutMs);
        CommandResult result = execute(s, cmd);
        if (sessions.containsKey(s.id)) {
            s.results.put(env.sequence(), result);
            while (s.results.size() > limits.maxResultsPerSession()) {
                s.results.pollFirstEntry();
            }
        }
        return result;
    }

    private CommandResult execute(Session s, Command cmd) {
        if (cmd instanceof Command.Put p) {
            return put(s, p);
        } else if (cmd instanceof Command.Delete d) {
            return delete(d);
        } else if (cmd instanceof Command.CloseSession) {
            closeSession(s, false);
            return new CommandResult.Done();
        } else if (cmd instanceof Command.AcquireLock a) {
            return locks.acquire(s.id, a, lastTimestamp, sessions::containsKey);
        } else if (cmd instanceof Command.ReleaseLock r) {
            return locks.release(s.id, r, lastTimestamp, sessions::containsKey);
        } else if (cmd instanceof Command.CancelLockWait c) {
            return locks.cancel(s.id, c, lastTimestamp, sessions::containsKey);
        } else if (cmd instanceof Command.ReserveTimestampWindow t) {
            return reserveTimestampWindow(t);
        } else if (cmd instanceof TaskCommand t) {
            return tasks.execute(s.id, t, lastTimestamp, sessions::containsKey);
        }
        return new CommandResult.Done(); // KeepAlive and Tick: the deadline moved above
    }

    private CommandResult openSession(long index, Command.OpenSession open) {
        if (open.timeoutMs() < limits.minSessionTimeoutMs() || open.timeoutMs() > limits.maxSessionTimeoutMs()) {
            return new CommandResult.Rejected("session timeout " + open.timeoutMs() + " ms is outside ["
                    + limits.minSessionTimeoutMs() + ", " + limits.maxSessionTimeoutMs() + "] ms");
        }
        sessions.put(index, new Session(index, open.nodeId(), open.timeoutMs(), lastTimestamp + open.timeoutMs()));
        return new CommandResult.SessionOpened(index, open.timeoutMs());
    }

    private void expireSessions() {
        List<Session> expired = new ArrayList<>();
        for (Session s : sessions.values()) {
            if (s.deadline < lastTimestamp) {
                expired.add(s);
            }
        }
        // Remove them all before releasing anything, so nothing is granted to a session that
        // expires in this same apply.
        for (Session s : expired) {
            sessions.remove(s.id);
        }
        for (Session s : expired) {
            closeSession(s, true);
        }
    }

    private void closeSession(Session s, boolean expired) {
        sessions.remove(s.id);
        TreeSet<String> owned = ephemeralIndex.remove(s.id);
        if (owned != null) {
            for (String key : owned) {
                Record r = records.get(key);
                if (r != null && r.ownerSession() == s.id) {
                    removeRecord(r, expired ? WatchEvent.Type.EXPIRE : WatchEvent.Type.DELETE);
                }
            }
        }
        locks.sessionClosed(s.id, expired, lastTimestamp, sessions::containsKey);
        tasks.sessionClosed(s.id, lastTimestamp, sessions::containsKey);
        listener.onSessionClosed(s.id, s.nodeId, expired);
    }

    // ------------------------------------------------------------------ timestamp oracle

    private CommandResult reserveTimestampWindow(Command.ReserveTimestampWindow t) {
        long from = timestampWindowMax + 1;
        if (t.upTo() < from) {
            return new CommandResult.TimestampWindow(from, timestampWindowMax); // empty: ask above the max
        }
        timestampWindowMax = t.upTo();
        return new CommandResult.TimestampWindow(from, t.upTo());
    }

    /** The highest timestamp-oracle window bound committed so far (0 before any). */
    public long timestampWindowMax() {
        return timestampWindowMax;
    }

    // ------------------------------------------------------------------ records

    private CommandResult put(Session s, Command.Put p) {
        String invalid = validate(p.key(), p.value());
        if (invalid != null) {
            return new CommandResult.Rejected(invalid);
        }
        if (p.ttlMs() < 0) {
            return new CommandResult.Rejected("ttl " + p.ttlMs() + " ms must be >= 0");
        }
        Record cur = records.get(p.key());
        long actual = cur == null ? 0 : cur.version();
        if (p.expectedVersion() != Command.Put.ANY_VERSION && p.expectedVersion() != actual) {
            return new CommandResult.VersionConflict(p.key(), p.expectedVersion(), actual);
        }
        if (cur != null) {
            unindex(cur);
        }
        long rev = ++revision;
        Record next = new Record(p.key(), p.value(), actual + 1, cur == null ? rev : cur.createRevision(), rev,
                p.ttlMs() > 0 ? lastTimestamp + p.ttlMs() : 0, p.ephemeral() ? s.id : 0);
        records.put(next.key(), next);
        index(next);
        record(new WatchEvent(rev, WatchEvent.Type.PUT, next));
        return new CommandResult.Written(next);
    }

    private CommandResult delete(Command.Delete d) {
        Record cur = records.get(d.key());
        long actual = cur == null ? 0 : cur.version();
        if (d.expectedVersion() != Command.Put.ANY_VERSION && d.expectedVersion() != actual) {
            return new CommandResult.VersionConflict(d.key(), d.expectedVersion(), actual);
        }
        if (cur == null) {
            return new CommandResult.Deleted(null);
        }
        removeRecord(cur, WatchEvent.Type.DELETE);
        return new CommandResult.Deleted(cur);
    }

    private void expireRecords() {
        while (!ttlIndex.isEmpty() && ttlIndex.firstKey() <= lastTimestamp) {
            for (String key : ttlIndex.firstEntry().getValue().toArray(new String[0])) {
                Record r = records.get(key);
                if (r != null) {
                    removeRecord(r, WatchEvent.Type.EXPIRE);
                }
            }
            ttlIndex.pollFirstEntry();
        }
    }

    private void removeRecord(Record r, WatchEvent.Type type) {
        records.remove(r.key());
        unindex(r);
        record(new WatchEvent(++revision, type, r));
    }

    private void index(Record r) {
        if (r.expiresAtMs() > 0) {
            ttlIndex.computeIfAbsent(r.expiresAtMs(), k -> new TreeSet<>()).add(r.key());
        }
        if (r.ownerSession() > 0) {
            ephemeralIndex.computeIfAbsent(r.ownerSession(), k -> new TreeSet<>()).add(r.key());
        }
    }

    private void unindex(Record r) {
        removeFrom(ttlIndex, r.expiresAtMs(), r.key());
        removeFrom(ephemeralIndex, r.ownerSession(), r.key());
    }

    private static void removeFrom(TreeMap<Long, TreeSet<String>> index, long slot, String key) {
        TreeSet<String> keys = index.get(slot);
        if (keys != null && keys.remove(key) && keys.isEmpty()) {
            index.remove(slot);
        }
    }

    private void record(WatchEvent e) {
        history.addLast(e);
        while (history.size() > limits.watchHistoryEvents()) {
            compactedRevision = history.pollFirst().revision();
        }
        listener.onEvent(e);
    }

    private String validate(String key, byte[] value) {
        if (key == null || key.isEmpty()) {
            return "key must be a non-empty string";
        }
        int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes > limits.maxKeyBytes()) {
            return "key of " + keyBytes + " bytes exceeds the limit of " + limits.maxKeyBytes() + " bytes";
        }
        if (value.length > limits.maxValueBytes()) {
            return "value of " + value.length + " bytes for key '" + key + "' exceeds the limit of "
                    + limits.maxValueBytes() + " bytes";
        }
        return null;
    }

    // ------------------------------------------------------------------ reads (local, after ReadIndex)

    public Optional<Record> get(String key) {
        return Optional.ofNullable(records.get(key));
    }

    /** Records whose key starts with {@code prefix}, in key order, at most {@code limit}. */
    public List<Record> list(String prefix, int limit) {
        List<Record> out = new ArrayList<>();
        SortedMap<String, Record> tail = records.tailMap(prefix);
        for (Map.Entry<String, Record> e : tail.entrySet()) {
            if (!e.getKey().startsWith(prefix) || out.size() >= limit) {
                break;
            }
            out.add(e.getValue());
        }
        return out;
    }

    /** The revision of the last change (0 before any). */
    public long revision() {
        return revision;
    }

    /** Events at or below this revision are no longer retained. */
    public long compactedRevision() {
        return compactedRevision;
    }

    /**
     * Retained events with revision at or above {@code fromRevision} whose key starts with
     * {@code prefix}, oldest first.
     *
     * @throws IllegalArgumentException if {@code fromRevision} is at or below {@link #compactedRevision()}
     */
    public List<WatchEvent> eventsSince(long fromRevision, String prefix) {
        if (fromRevision <= compactedRevision) {
            throw new IllegalArgumentException("revision " + fromRevision + " is compacted (history starts after "
                    + compactedRevision + ")");
        }
        List<WatchEvent> out = new ArrayList<>();
        for (WatchEvent e : history) {
            if (e.revision() >= fromRevision && e.key().startsWith(prefix)) {
                out.add(e);
            }
        }
        return out;
    }

    public long lastIndex() {
        return lastIndex;
    }

    /**
     * Locks, semaphores, read-write locks or elections of {@code kind} whose name starts with
     * {@code prefix}, in name order (entries without holders and waiters are not kept).
     */
    public List<LockInfo> locks(LockKind kind, String prefix) {
        return locks.view(kind, prefix, this::nodeOfSession);
    }

    /** The node that opened {@code sessionId}, or null if the session is not live. */
    public String nodeOfSession(long sessionId) {
        Session s = sessions.get(sessionId);
        return s == null ? null : s.nodeId;
    }

    /** The greatest fencing token (and election term) granted so far. */
    public long lastFencingToken() {
        return locks.lastToken();
    }

    // ------------------------------------------------------------------ task reads (local, after ReadIndex)

    /** The task with {@code id}, if it is still remembered. */
    public Optional<TaskInfo> task(long id) {
        return Optional.ofNullable(tasks.info(id, this::nodeOfSession));
    }

    /** Tasks of {@code queue} in id order ({@code state} null for all), at most {@code limit}. */
    public List<TaskInfo> tasks(String queue, TaskState state, int limit) {
        return tasks.list(queue, state, limit, this::nodeOfSession);
    }

    /** Tasks claimed by {@code session}, in id order. */
    public List<TaskInfo> taskClaims(long session) {
        return tasks.claimsOf(session, this::nodeOfSession);
    }

    public TaskStats taskStats(String queue) {
        return tasks.stats(queue);
    }

    /** Whether {@code queue} has tasks, registered workers or schedules. */
    public boolean hasTaskQueue(String queue) {
        return tasks.hasQueue(queue);
    }

    /** Every queue with tasks, workers or schedules, in name order. */
    public List<String> taskQueues() {
        return tasks.queues();
    }

    /** The schedule's next fire time (entry time, ms), or -1 if there is no such schedule. */
    public long nextScheduleFire(String queue, String schedule) {
        return tasks.nextFire(queue, schedule);
    }

    /** Schedules of both kinds of {@code queue}, in name order. */
    public List<ScheduleInfo> schedules(String queue) {
        return tasks.schedules(queue);
    }

    /** The earliest entry time at which some schedule is due (ms), or {@link Long#MAX_VALUE}. */
    public long nextScheduleDue() {
        return tasks.nextScheduleDue();
    }

    /** Tests only: makes cron schedules misbehave as {@code bug} says ({@code localClock}: this replica's clock). */
    public void injectScheduleBugForTesting(InjectedScheduleBug bug, java.util.function.LongSupplier localClock) {
        tasks.injectScheduleBugForTesting(bug, localClock);
    }

    public long lastTimestamp() {
        return lastTimestamp;
    }

    public int sessionCount() {
        return sessions.size();
    }

    public boolean hasSession(long sessionId) {
        return sessions.containsKey(sessionId);
    }

    public int recordCount() {
        return records.size();
    }

    // ------------------------------------------------------------------ snapshots

    /**
     * Writes the whole state. Format version 1, big-endian: u8 version, i64 lastIndex,
     * i64 lastTimestamp, i64 revision, i64 compactedRevision; i32 sessions × (i64 id, utf nodeId,
     * i64 timeout, i64 deadline, i64 acked, i32 n × (i64 seq, result)); i32 records × record;
     * i32 events × (i64 revision, u8 type, record); locks: i64 last token, i32 entries × (u8 kind,
     * utf name, i32 capacity, i32 grants × (i64 session, i64 owner, i32 permits, i64 token,
     * i64 hold deadline), i32 waiters × (i64 session, i64 owner, i32 permits, i64 deadline,
     * i64 max hold)); time (a section at the end): i64 timestamp window max, the highest
     * timestamp-oracle bound ever committed; tasks (the section after time): see {@link Tasks#write} and
     * docs/formats.md. See {@link CommandCodec} for record and result.
     */
    public void snapshot(OutputStream os) throws IOException {
        DataOutputStream out = new DataOutputStream(os);
        out.writeByte(SNAPSHOT_VERSION);
        out.writeLong(lastIndex);
        out.writeLong(lastTimestamp);
        out.writeLong(revision);
        out.writeLong(compactedRevision);
        out.writeInt(sessions.size());
        for (Session s : sessions.values()) {
            out.writeLong(s.id);
            out.writeUTF(s.nodeId);
            out.writeLong(s.timeoutMs);
            out.writeLong(s.deadline);
            out.writeLong(s.ackedSequence);
            out.writeInt(s.results.size());
            for (Map.Entry<Long, CommandResult> r : s.results.entrySet()) {
                out.writeLong(r.getKey());
                CommandCodec.writeResult(out, r.getValue());
            }
        }
        out.writeInt(records.size());
        for (Record r : records.values()) {
            CommandCodec.writeRecord(out, r);
        }
        out.writeInt(history.size());
        for (WatchEvent e : history) {
            out.writeLong(e.revision());
            out.writeByte(e.type().code);
            CommandCodec.writeRecord(out, e.record());
        }
        locks.write(out);
        out.writeLong(timestampWindowMax);
        tasks.write(out);
        out.writeInt(clusterVersion);
        out.flush();
    }

    /** Replaces the whole state with a snapshot written by {@link #snapshot}. */
    public void restore(InputStream is) throws IOException {
        DataInputStream in = new DataInputStream(is);
        byte version = in.readByte();
        if (version != SNAPSHOT_VERSION && version != 1) {
            throw new IOException("state snapshot format version " + version + " is not supported (this build reads "
                    + SNAPSHOT_VERSION + ")");
        }
        sessions.clear();
        records.clear();
        ttlIndex.clear();
        ephemeralIndex.clear();
        history.clear();
        lastIndex = in.readLong();
        lastTimestamp = in.readLong();
        revision = in.readLong();
        compactedRevision = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            Session s = new Session(in.readLong(), in.readUTF(), in.readLong(), in.readLong());
            s.ackedSequence = in.readLong();
            int m = in.readInt();
            for (int j = 0; j < m; j++) {
                s.results.put(in.readLong(), CommandCodec.readResult(in));
            }
            sessions.put(s.id, s);
        }
        int r = in.readInt();
        for (int i = 0; i < r; i++) {
            Record rec = CommandCodec.readRecord(in);
            records.put(rec.key(), rec);
            index(rec);
        }
        int h = in.readInt();
        for (int i = 0; i < h; i++) {
            long rev = in.readLong();
            WatchEvent.Type type = WatchEvent.Type.of(in.readByte());
            history.addLast(new WatchEvent(rev, type, CommandCodec.readRecord(in)));
        }
        locks.read(in);
        timestampWindowMax = in.readLong();
        tasks.read(in);
        clusterVersion = version >= 2 ? in.readInt() : CommandLevels.BASE;
        listener.onRestored();
    }
}
