package io.tandem.node;

import io.tandem.raft.Configuration;
import io.tandem.raft.RaftCore;
import io.tandem.state.LockInfo;
import io.tandem.state.LockKind;
import io.tandem.state.StateMachine;
import io.tandem.state.TaskStats;
import io.tandem.time.HybridClock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What a node reports about itself, as its loop sees it: the status ({@link NodeStatus}), the
 * gauges ({@link NodeMetrics}) and the health checks ({@link Health}).
 *
 * <p><b>Threads.</b> Loop thread only (the node publishes the results to other threads). Owns
 * nothing: it reads the core, the state machine and the other components.
 */
final class NodeReport {

    /** Entries a ready node may have committed but not yet applied. */
    static final long MAX_APPLY_LAG = 10_000;

    private final NodeOptions opt;
    private final StateMachine sm;
    private final Supplier<RaftCore> core;
    private final ReadyProcessor processor;
    private final ClientSession session;
    private final Supplier<NodeLoop> loop;
    private final HybridClock hlc;

    /** @param core the node's Raft core, or null before it exists */
    NodeReport(NodeOptions opt, StateMachine sm, Supplier<RaftCore> core, ReadyProcessor processor,
               ClientSession session, Supplier<NodeLoop> loop, HybridClock hlc) {
        this.opt = opt;
        this.sm = sm;
        this.core = core;
        this.processor = processor;
        this.session = session;
        this.loop = loop;
        this.hlc = hlc;
    }

    NodeStatus status(String phase) {
        RaftCore c = core.get();
        if (c == null) {
            return new NodeStatus(opt.nodeId(), phase, null, 0, null, 0, 0, 0, 0, List.of(), List.of(), 0,
                    0, 0);
        }
        Configuration cfg = c.configuration();
        return new NodeStatus(opt.nodeId(), phase, c.role(), c.term(), c.leaderId(), c.commitIndex(),
                processor.lastApplied(), c.lastIndex(), c.snapshotIndex(), List.copyOf(cfg.voters().keySet()),
                List.copyOf(cfg.learners().keySet()), session.sessionIdOnLoop(), session.pendingCount(),
                sm.revision());
    }

    /** The gauges now; the core must exist. */
    NodeMetrics metrics() {
        RaftCore c = core.get();
        Configuration cfg = c.configuration();
        TreeMap<String, Long> lag = new TreeMap<>();
        if (c.isLeader()) {
            for (String m : cfg.voters().keySet()) {
                if (!m.equals(opt.nodeId())) {
                    lag.put(m, Math.max(0, c.lastIndex() - c.matchIndex(m)));
                }
            }
            for (String m : cfg.learners().keySet()) {
                lag.put(m, Math.max(0, c.lastIndex() - c.matchIndex(m)));
            }
        }
        int held = 0;
        int waiters = 0;
        for (LockKind k : LockKind.values()) {
            for (LockInfo i : sm.locks(k, "")) {
                held += i.holders().size();
                waiters += i.waiters().size();
            }
        }
        int role = switch (c.role()) {
            case FOLLOWER -> 0;
            case PRE_CANDIDATE -> 1;
            case CANDIDATE -> 2;
            case LEADER -> 3;
        };
        long ready = 0;
        long delayed = 0;
        long claimed = 0;
        long dead = 0;
        for (String q : sm.taskQueues()) {
            TaskStats st = sm.taskStats(q);
            ready += st.ready();
            delayed += st.delayed();
            claimed += st.claimed();
            dead += st.dead();
        }
        return new NodeMetrics(role, c.term(), c.commitIndex(), processor.lastApplied(), c.lastIndex(), lag,
                cfg.voters().size(), cfg.learners().size(), sm.sessionCount(), held, waiters, session.pendingCount(),
                loop.get().pending(), ready, delayed, claimed, dead);
    }

    /**
     * Health of a node whose loop runs.
     *
     * @param phase   the node's phase, for the message
     * @param running whether the phase is RUNNING (a member of a running cluster)
     */
    Health health(String phase, boolean running, long now) {
        RaftCore c = core.get();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (!running) {
            problems.add("phase " + phase + " (not yet a member of a running cluster)");
        } else if (!c.configuration().isMember(opt.nodeId())) {
            problems.add("not a member of the cluster's configuration");
        }
        String sessionProblem = session.healthProblem(now);
        if (sessionProblem != null) {
            problems.add(sessionProblem);
        }
        if (c != null && c.leaderId() == null) {
            problems.add("no known leader (election in progress or no majority reachable)");
        }
        long applied = processor.lastApplied();
        if (c != null && c.commitIndex() - applied > MAX_APPLY_LAG) {
            problems.add("applied index " + applied + " is " + (c.commitIndex() - applied)
                    + " entries behind the commit index");
        }
        if (hlc.rejectedRecently()) {
            warnings.add("clock skewed: a peer's clock is more than the maximum clock offset ahead");
        }
        return new Health(true, problems.isEmpty(), problems, warnings);
    }
}
