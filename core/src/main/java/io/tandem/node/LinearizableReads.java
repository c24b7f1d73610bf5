package io.tandem.node;

import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.node.RaftNode.LeaderLease;
import io.tandem.raft.RaftCore;
import io.tandem.raft.ReadState;
import io.tandem.state.StateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads against the state machine: stale reads at once, linearizable ones after a ReadIndex round
 * (§6.4) once the read index is applied, and the leader lease that a confirmed round extends.
 * Reads arriving while a round is in flight wait and go together in the next round; rounds left
 * unanswered (a follower's leader died) are asked again under a new context; reads past their
 * deadline fail with a timeout.
 *
 * <p><b>Threads.</b> Loop thread only, except {@link #lease()} (a volatile read, any thread).
 * Owns every read not yet served (by batch, round context and read index) and the leader lease.
 * Read functions run on the loop and must be quick; their results complete through
 * {@link Completions}, never on the loop.
 */
final class LinearizableReads {

    private static final int MAX_READ_ROUNDS_IN_FLIGHT = 1;

    private record ReadTask(Function<StateMachine, ?> fn, CompletableFuture<Object> future, long deadlineNanos) {
    }

    private final NodeOptions opt;
    private final Clock clock;
    private final StateMachine sm;
    private final Supplier<RaftCore> core;
    private final Completions completions;

    private long nextReadContext;
    private List<ReadTask> readBatch = new ArrayList<>();
    private final TreeMap<Long, List<ReadTask>> readsByContext = new TreeMap<>();
    private final TreeMap<Long, Long> readContextSentNanos = new TreeMap<>();
    private final TreeMap<Long, List<ReadTask>> readsByIndex = new TreeMap<>();
    private final List<ReadTask> readRetries = new ArrayList<>();
    private volatile LeaderLease lease = LeaderLease.NONE;

    /** @param core the node's Raft core (exists whenever a read is flushed or expired) */
    LinearizableReads(NodeOptions opt, Clock clock, StateMachine sm, Supplier<RaftCore> core,
                      Completions completions) {
        this.opt = opt;
        this.clock = clock;
        this.sm = sm;
        this.core = core;
        this.completions = completions;
    }

    /** Runs {@code fn} at once against what this node has applied. */
    void stale(Function<StateMachine, ?> fn, CompletableFuture<Object> f) {
        completeRead(new ReadTask(fn, f, 0));
    }

    /** Runs {@code fn} after the next ReadIndex round, once its read index is applied. */
    void linearizable(Function<StateMachine, ?> fn, CompletableFuture<Object> f) {
        readBatch.add(new ReadTask(fn, f, clock.monotonicNanos() + ms(opt.requestTimeoutMs())));
    }

    // ------------------------------------------------------------------ leader lease

    /** The current leader lease ({@link LeaderLease#NONE} if none). Any thread. */
    LeaderLease lease() {
        return lease;
    }

    /** Drops the lease: leadership may pass before it would run out. */
    void dropLease() {
        lease = LeaderLease.NONE;
    }

    /** Drops a lease that no longer holds: another term, no longer leading, or handing over. */
    void dropLeaseUnlessHeld(RaftCore c) {
        LeaderLease l = lease;
        if (l.term() != 0 && (!c.isLeader() || c.term() != l.term() || c.isTransferringLeadership())) {
            lease = LeaderLease.NONE;
        }
    }

    /**
     * Starts a ReadIndex round that, once confirmed, extends the lease to {@code t0 + leaseNanos}
     * and completes {@code f} with it; false (and nothing started) when this node does not lead
     * or is handing leadership over.
     */
    boolean renewLease(long t0, long leaseNanos, CompletableFuture<Object> f) {
        RaftCore c = core.get();
        if (c == null || !c.isLeader() || c.isTransferringLeadership()) {
            return false;
        }
        long term = c.term();
        // Runs on the loop once the round is confirmed; leadership in one term is continuous,
        // so still leading in the same term means the round was this node's own.
        linearizable(machine -> {
            RaftCore now = core.get();
            if (!now.isLeader() || now.term() != term || now.isTransferringLeadership()) {
                return LeaderLease.NONE;
            }
            LeaderLease next = new LeaderLease(term, t0 + leaseNanos);
            LeaderLease cur = lease;
            if (cur.term() != term || cur.expiresAtNanos() < next.expiresAtNanos()) {
                lease = next;
            }
            return lease;
        }, f);
        return true;
    }

    // ------------------------------------------------------------------ rounds

    /** Starts a ReadIndex round for the reads waiting, unless one is in flight. End of every loop turn. */
    void flush() {
        // One ReadIndex round in flight per node: reads arriving meanwhile wait and go together in
        // the next round. Sending a round every loop turn made many rounds of one or two reads
        // under load (each costs a heartbeat to every voter and the answers); an idle node still
        // sends a lone read's round at once.
        if (readBatch.isEmpty() || readsByContext.size() >= MAX_READ_ROUNDS_IN_FLIGHT) {
            return;
        }
        long ctx = ++nextReadContext;
        readsByContext.put(ctx, readBatch);
        readContextSentNanos.put(ctx, clock.monotonicNanos());
        readBatch = new ArrayList<>();
        core.get().readIndex(ctx);
    }

    /** Rounds confirmed (with their read index) and failed, from one {@code Ready}. */
    void onReady(List<ReadState> confirmed, List<Long> failed) {
        for (ReadState rs : confirmed) {
            readContextSentNanos.remove(rs.context());
            List<ReadTask> batch = readsByContext.remove(rs.context());
            if (batch != null) {
                readsByIndex.computeIfAbsent(rs.index(), k -> new ArrayList<>()).addAll(batch);
            }
        }
        for (long ctx : failed) {
            readContextSentNanos.remove(ctx);
            List<ReadTask> batch = readsByContext.remove(ctx);
            if (batch != null) {
                readRetries.addAll(batch);
            }
        }
    }

    /** Serves the reads whose read index this node has applied. */
    void serve(long lastApplied) {
        while (!readsByIndex.isEmpty() && readsByIndex.firstKey() <= lastApplied) {
            for (ReadTask t : readsByIndex.pollFirstEntry().getValue()) {
                completeRead(t);
            }
        }
    }

    private void completeRead(ReadTask t) {
        try {
            Object value = t.fn().apply(sm);
            completions.deliver(() -> t.future().complete(value));
        } catch (RuntimeException e) {
            completions.fail(t.future(), e);
        }
    }

    // ------------------------------------------------------------------ time

    /** Every tick: asks unanswered rounds again and fails reads past their deadline. */
    void expire(long now) {
        retryUnansweredReads(now);
        expireReads(now, readRetries);
        for (List<ReadTask> batch : readsByContext.values()) {
            expireReads(now, batch);
        }
        for (List<ReadTask> batch : readsByIndex.values()) {
            expireReads(now, batch);
        }
        if (!readRetries.isEmpty()) {
            readBatch.addAll(readRetries);
            readRetries.clear();
        }
    }

    /**
     * A follower forwards a ReadIndex request to the leader it knows; if that leader has died, no
     * answer and no failure ever come back. Rounds unanswered for retryMs are asked again under a
     * new context: a late answer to the old context is ignored, and a later read index serves the
     * read just as linearizably (§6.4).
     */
    private void retryUnansweredReads(long now) {
        while (!readContextSentNanos.isEmpty()
                && now - readContextSentNanos.firstEntry().getValue() >= ms(opt.retryMs())) {
            List<ReadTask> batch = readsByContext.remove(readContextSentNanos.pollFirstEntry().getKey());
            if (batch != null) {
                readRetries.addAll(batch);
            }
        }
    }

    private void expireReads(long now, List<ReadTask> tasks) {
        tasks.removeIf(t -> {
            if (now > t.deadlineNanos()) {
                completions.fail(t.future(), new TandemTimeoutException("node " + opt.nodeId() + ": linearizable"
                        + " read not served within " + opt.requestTimeoutMs() + " ms (leader " + core.get().leaderId()
                        + ")"));
                return true;
            }
            return false;
        });
    }

    /** Fails every read not yet served (the node stops). */
    void failAll(TandemException e) {
        List<ReadTask> reads = new ArrayList<>(readBatch);
        readsByContext.values().forEach(reads::addAll);
        readsByIndex.values().forEach(reads::addAll);
        reads.addAll(readRetries);
        for (ReadTask t : reads) {
            completions.fail(t.future(), e);
        }
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
