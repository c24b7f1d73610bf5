package io.tandem.sim;

import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.Envelope;
import io.tandem.state.LockInfo;
import io.tandem.state.LockKind;
import io.tandem.state.StateMachine;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Lock and election invariants, checked on one replica as it applies each entry (attached to its
 * state machine as the listener; re-created whenever the replica restores a snapshot):
 * <ul>
 *   <li>a lock or election never has two holders; a semaphore never holds more than its capacity;</li>
 *   <li>every grant's token is greater than every earlier grant's on this replica (so terms of a
 *       group strictly increase too), and every replica grants token t to the same owner;</li>
 *   <li>grants go only to sessions live in that apply;</li>
 *   <li>no waiter is granted at or after its deadline (entry time of its request + its wait).</li>
 * </ul>
 */
final class LockChecks implements StateMachine.Listener {

    /** One grant, as every replica must agree on it. */
    record Grant(LockKind kind, String name, long session, long owner) {
    }

    /** Observes grants after they pass the checks (scenario tests time them). */
    interface Observer {
        void granted(String nodeId, LockKind kind, String name, long session, long owner, long token, long entryTimeMs);
    }

    private final String nodeId;
    private final StateMachine sm;
    private final Map<Long, Grant> agreed;
    private final BiFunction<String, String, ? extends Error> fail;
    private final Observer observer;
    private final TreeMap<String, Map<String, Integer>> held = new TreeMap<>();
    private final HashMap<String, Long> waiterDeadlines = new HashMap<>();
    private long lastToken;
    long grants;

    LockChecks(String nodeId, StateMachine sm, Map<Long, Grant> agreed, BiFunction<String, String, ? extends Error> fail,
               Observer observer) {
        this.nodeId = nodeId;
        this.sm = sm;
        this.agreed = agreed;
        this.fail = fail;
        this.observer = observer;
        this.lastToken = sm.lastFencingToken();
        for (LockKind k : LockKind.values()) {
            for (LockInfo info : sm.locks(k, "")) {
                for (LockInfo.Holder h : info.holders()) {
                    held.computeIfAbsent(key(k, info.name()), x -> new HashMap<>()).put(h.session() + "/" + h.owner(),
                            h.permits());
                }
                for (LockInfo.Waiter w : info.waiters()) {
                    waiterDeadlines.put(waiterKey(k, info.name(), w.session(), w.owner()), w.deadlineMs());
                }
            }
        }
        sm.setListener(this);
    }

    private static String key(LockKind kind, String name) {
        return kind.code + ":" + name;
    }

    private static String waiterKey(LockKind kind, String name, long session, long owner) {
        return key(kind, name) + "#" + session + "/" + owner;
    }

    /** Called by the replica before it applies a command: forgets waits that ended without an event. */
    void beforeApply(Envelope env) {
        if (env.command() instanceof Command.CancelLockWait c) {
            waiterDeadlines.remove(waiterKey(c.kind(), c.name(), env.sessionId(), c.owner()));
        } else if (env.command() instanceof Command.AcquireLock a) {
            String k = waiterKey(a.kind(), a.name(), env.sessionId(), a.owner());
            if (waiterDeadlines.containsKey(k) && !isWaiting(a.kind(), a.name(), env.sessionId(), a.owner())) {
                waiterDeadlines.remove(k);
            }
        }
    }

    private boolean isWaiting(LockKind kind, String name, long session, long owner) {
        for (LockInfo info : sm.locks(kind, name)) {
            if (info.name().equals(name)) {
                for (LockInfo.Waiter w : info.waiters()) {
                    if (w.session() == session && w.owner() == owner) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Called by the replica after each command it applied. Entry stamps may step back after a
     * leader change (a new leader whose log was compacted or restored from a snapshot); the state
     * machine's time never does, and it is what deadlines are measured in.
     */
    void afterApply(Envelope env, CommandResult result) {
        long entryTimeMs = sm.lastTimestamp();
        if (env.command() instanceof Command.AcquireLock a && result instanceof CommandResult.LockQueued q) {
            long deadline = a.waitMs() < 0 ? Long.MAX_VALUE : entryTimeMs + a.waitMs();
            String k = waiterKey(a.kind(), a.name(), env.sessionId(), a.owner());
            // A repeated request of a waiter still queued keeps its first deadline; anything else starts anew.
            if (!waiterDeadlines.containsKey(k) || q.position() == countWaiters(a.kind(), a.name())) {
                waiterDeadlines.put(k, deadline);
            }
        }
    }

    private int countWaiters(LockKind kind, String name) {
        for (LockInfo info : sm.locks(kind, name)) {
            if (info.name().equals(name)) {
                return info.waiters().size();
            }
        }
        return 0;
    }

    @Override
    public void onLockGranted(LockKind kind, String name, long session, String owningNode, long owner, long token) {
        long now = sm.lastTimestamp();
        if (token <= lastToken) {
            throw fail.apply("FencingTokenOrder", nodeId + " granted " + kind.label() + " " + name + " token " + token
                    + " after token " + lastToken);
        }
        lastToken = token;
        Grant g = new Grant(kind, name, session, owner);
        Grant prev = agreed.putIfAbsent(token, g);
        if (prev != null && !prev.equals(g)) {
            throw fail.apply("GrantAgreement", "token " + token + " went to " + prev + " on one replica and to " + g
                    + " on " + nodeId);
        }
        if (!sm.hasSession(session)) {
            throw fail.apply("GrantToDeadSession", nodeId + " granted " + kind.label() + " " + name + " to session "
                    + session + ", which is not live at entry time " + now);
        }
        Long deadline = waiterDeadlines.remove(waiterKey(kind, name, session, owner));
        if (deadline != null && now >= deadline) {
            throw fail.apply("GrantAfterDeadline", nodeId + " granted " + kind.label() + " " + name + " to session "
                    + session + " owner " + owner + " at entry time " + now + ", but its wait ended at " + deadline
                    + "; now " + sm.locks(kind, name));
        }
        Map<String, Integer> holders = held.computeIfAbsent(key(kind, name), x -> new HashMap<>());
        int permits = 1;
        int capacity = kind == LockKind.LOCK || kind == LockKind.ELECTION ? 1 : Integer.MAX_VALUE;
        for (LockInfo info : sm.locks(kind, name)) {
            if (info.name().equals(name)) {
                capacity = info.capacity();
                for (LockInfo.Holder h : info.holders()) {
                    if (h.session() == session && h.owner() == owner) {
                        permits = h.permits();
                    }
                }
            }
        }
        holders.put(session + "/" + owner, permits);
        long total = holders.values().stream().mapToLong(Integer::longValue).sum();
        if (total > capacity || ((kind == LockKind.LOCK || kind == LockKind.ELECTION) && holders.size() > 1)) {
            throw fail.apply("OneHolder", nodeId + ": " + kind.label() + " " + name + " now held by " + holders
                    + " (capacity " + capacity + ")");
        }
        grants++;
        if (observer != null) {
            observer.granted(nodeId, kind, name, session, owner, token, now);
        }
    }

    @Override
    public void onLockWaitExpired(LockKind kind, String name, long session, long owner) {
        waiterDeadlines.remove(waiterKey(kind, name, session, owner));
    }

    @Override
    public void onLockReleased(LockKind kind, String name, long session, long owner, long token, String why) {
        Map<String, Integer> holders = held.get(key(kind, name));
        if (holders == null || holders.remove(session + "/" + owner) == null) {
            throw fail.apply("ReleaseOfNonHolder", nodeId + " released " + kind.label() + " " + name + " of session "
                    + session + " owner " + owner + ", which it did not record as a holder");
        }
    }

}
