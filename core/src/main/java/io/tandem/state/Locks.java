package io.tandem.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;

/**
 * Session-bound grants — locks, semaphores, read-write locks and leader elections — with FIFO
 * waiters and fencing tokens, inside the replicated state machine. Deterministic: time is the
 * entry's timestamp, maps are sorted.
 *
 * <p>A grant belongs to an <em>owner</em>: a number the requesting node chose, unique within its
 * session, so two threads of one node are two holders, not one. Invariants: the permits held never
 * exceed the capacity (a lock and an election hold at most one grant); every grant's token is
 * greater than every earlier grant's (one counter for everything, so a token also orders grants
 * across names; an election's term is its token); a grant goes only to a session that is live in
 * the same apply; a waiter whose deadline has passed is removed in the apply that passes it,
 * never granted; waiters are served strictly in order (a large request at the head holds back
 * smaller ones behind it, so writers and large requests are not starved).
 */
final class Locks {

    /** Observers of grants and expiries (the node completes waiting callers with them). */
    interface Events {
        void granted(LockKind kind, String name, long session, long owner, long token);

        void waitExpired(LockKind kind, String name, long session, long owner);

        void released(LockKind kind, String name, long session, long owner, long token, String why);
    }

    private record Waiter(long session, long owner, int permits, long deadlineMs, long maxHoldMs) {
    }

    private static final class Grant {
        final long session;
        final long owner;
        final int permits;
        final long token;
        final long holdDeadlineMs;

        Grant(long session, long owner, int permits, long token, long holdDeadlineMs) {
            this.session = session;
            this.owner = owner;
            this.permits = permits;
            this.token = token;
            this.holdDeadlineMs = holdDeadlineMs;
        }
    }

    private static final class Res {
        final LockKind kind;
        final String name;
        final int capacity;
        final List<Grant> grants = new ArrayList<>(1);
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

        Res(LockKind kind, String name, int capacity) {
            this.kind = kind;
            this.name = name;
            this.capacity = capacity;
        }

        int free() {
            long held = 0;
            for (Grant g : grants) {
                held += g.permits;
            }
            return (int) (capacity - held);
        }

        boolean hasDeadlineAt(long t) {
            for (Grant g : grants) {
                if (g.holdDeadlineMs == t) {
                    return true;
                }
            }
            for (Waiter w : waiters) {
                if (w.deadlineMs() == t) {
                    return true;
                }
            }
            return false;
        }

        boolean unused() {
            return grants.isEmpty() && waiters.isEmpty();
        }

        Grant grantOf(long session, long owner) {
            for (Grant g : grants) {
                if (g.session == session && g.owner == owner) {
                    return g;
                }
            }
            return null;
        }

        boolean involves(long session) {
            for (Grant g : grants) {
                if (g.session == session) {
                    return true;
                }
            }
            for (Waiter w : waiters) {
                if (w.session() == session) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Keyed by kind code + name, so each kind has its own names and a kind lists in name order. */
    private final TreeMap<String, Res> all = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> deadlines = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> bySession = new TreeMap<>();
    private long lastToken;
    private Events events;
    private final int maxNameBytes;

    Locks(int maxNameBytes) {
        this.maxNameBytes = maxNameBytes;
    }

    void setEvents(Events events) {
        this.events = events;
    }

    private static String key(LockKind kind, String name) {
        return (char) ('a' + kind.code) + name;
    }

    static int capacityOf(LockKind kind, int requested) {
        return switch (kind) {
            case LOCK, ELECTION -> 1;
            case RWLOCK -> LockKind.RW_CAPACITY;
            case SEMAPHORE -> requested;
        };
    }

    private String validate(Command.AcquireLock a) {
        String what = a.kind() == null ? "lock" : a.kind().label();
        if (a.kind() == null) {
            return "lock kind is missing";
        }
        if (a.name() == null || a.name().isEmpty()) {
            return what + " name must be a non-empty string";
        }
        int bytes = a.name().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > maxNameBytes) {
            return what + " name of " + bytes + " bytes exceeds the limit of " + maxNameBytes + " bytes";
        }
        if (a.waitMs() < -1 || a.maxHoldMs() < 0) {
            return what + " " + a.name() + ": waitMs must be >= -1 and maxHoldMs >= 0";
        }
        int capacity = capacityOf(a.kind(), a.capacity());
        if (capacity < 1) {
            return what + " " + a.name() + ": capacity " + a.capacity() + " must be at least 1";
        }
        if (a.permits() < 1 || a.permits() > capacity) {
            return what + " " + a.name() + ": permits " + a.permits() + " must be between 1 and the capacity "
                    + capacity;
        }
        if (a.kind() != LockKind.SEMAPHORE && a.kind() != LockKind.RWLOCK && a.permits() != 1) {
            return what + " " + a.name() + ": takes exactly one permit";
        }
        return null;
    }

    CommandResult acquire(long session, Command.AcquireLock a, long now, LongPredicate live) {
        String invalid = validate(a);
        if (invalid != null) {
            return new CommandResult.Rejected(invalid);
        }
        String key = key(a.kind(), a.name());
        Res res = all.get(key);
        int capacity = capacityOf(a.kind(), a.capacity());
        if (res == null) {
            res = new Res(a.kind(), a.name(), capacity);
            all.put(key, res);
        } else if (res.capacity != capacity) {
            return new CommandResult.Rejected("semaphore " + a.name() + " is in use with " + res.capacity
                    + " permits; this request says " + a.capacity() + ". Use the same number of permits everywhere");
        }
        Grant held = res.grantOf(session, a.owner());
        if (held != null) {
            return new CommandResult.LockGranted(a.name(), held.token); // a repeat: idempotent
        }
        int position = 1;
        for (Waiter w : res.waiters) {
            if (w.session() == session && w.owner() == a.owner()) {
                return new CommandResult.LockQueued(a.name(), position);
            }
            position++;
        }
        if (res.waiters.isEmpty() && res.free() >= a.permits()) {
            long token = grant(key, res, session, a.owner(), a.permits(), a.maxHoldMs(), now);
            return new CommandResult.LockGranted(a.name(), token);
        }
        if (a.waitMs() == 0) {
            dropIfUnused(key, res);
            return new CommandResult.LockNotAcquired(a.name());
        }
        long deadline = a.waitMs() < 0 ? Long.MAX_VALUE : now + a.waitMs();
        res.waiters.addLast(new Waiter(session, a.owner(), a.permits(), deadline, a.maxHoldMs()));
        index(session, key);
        if (deadline != Long.MAX_VALUE) {
            deadlines.computeIfAbsent(deadline, k -> new TreeSet<>()).add(key);
        }
        return new CommandResult.LockQueued(a.name(), res.waiters.size());
    }

    CommandResult release(long session, Command.ReleaseLock r, long now, LongPredicate live) {
        if (r.kind() == null || r.name() == null) {
            return new CommandResult.Rejected("release needs a lock kind and name");
        }
        String key = key(r.kind(), r.name());
        Res res = all.get(key);
        Grant g = res == null ? null : res.grantOf(session, r.owner());
        // A release carrying an older token must never free a newer grant.
        if (g == null || g.token != r.token()) {
            return new CommandResult.LockReleased(r.name(), false);
        }
        end(key, res, g, r.kind() == LockKind.ELECTION ? "resigned" : "released");
        grantWaiters(key, res, now, live);
        return new CommandResult.LockReleased(r.name(), true);
    }

    CommandResult cancel(long session, Command.CancelLockWait c, long now, LongPredicate live) {
        if (c.kind() == null || c.name() == null) {
            return new CommandResult.Rejected("cancel needs a lock kind and name");
        }
        String key = key(c.kind(), c.name());
        Res res = all.get(key);
        if (res != null) {
            res.waiters.removeIf(w -> w.session() == session && w.owner() == c.owner());
            unindexIfUninvolved(session, key, res);
            // The waiter that left may have held back others (a writer ahead of readers).
            grantWaiters(key, res, now, live);
        }
        return new CommandResult.Done();
    }

    /**
     * Entry time reached {@code now}: end grants past their maximum hold, drop waiters past their
     * deadline, and grant whatever that frees.
     */
    void expire(long now, LongPredicate live) {
        while (!deadlines.isEmpty() && deadlines.firstKey() <= now) {
            Map.Entry<Long, TreeSet<String>> due = deadlines.pollFirstEntry();
            for (String key : due.getValue()) {
                Res res = all.get(key);
                // The index keeps entries of waiters and grants that are gone, and a replica
                // restored from a snapshot rebuilds it without them: act only on a deadline that
                // still exists, so every replica does the same thing at the same point.
                if (res == null || !res.hasDeadlineAt(due.getKey())) {
                    continue;
                }
                for (Grant g : new ArrayList<>(res.grants)) {
                    if (g.holdDeadlineMs > 0 && g.holdDeadlineMs <= now) {
                        end(key, res, g, "maximum hold time passed");
                    }
                }
                grantWaiters(key, res, now, live);
            }
        }
    }

    /** The session ended (closed or expired): end its grants and drop its waits, in this apply. */
    void sessionClosed(long session, boolean expired, long now, LongPredicate live) {
        TreeSet<String> keys = bySession.remove(session);
        if (keys == null) {
            return;
        }
        for (String key : keys) {
            Res res = all.get(key);
            if (res == null) {
                continue;
            }
            res.waiters.removeIf(w -> w.session() == session);
            for (Grant g : new ArrayList<>(res.grants)) {
                if (g.session == session) {
                    end(key, res, g, expired ? "session expired" : "session closed");
                }
            }
            grantWaiters(key, res, now, live);
        }
    }

    private void end(String key, Res res, Grant g, String why) {
        res.grants.remove(g);
        unindexIfUninvolved(g.session, key, res);
        if (events != null) {
            events.released(res.kind, res.name, g.session, g.owner, g.token, why);
        }
    }

    /** Drops expired and dead waiters, then grants from the head of the queue while permits last. */
    private void grantWaiters(String key, Res res, long now, LongPredicate live) {
        dropExpiredWaiters(res, now);
        while (!res.waiters.isEmpty()) {
            Waiter w = res.waiters.peekFirst();
            if (!live.test(w.session())) {
                res.waiters.pollFirst();
                unindexIfUninvolved(w.session(), key, res);
                continue;
            }
            if (res.free() < w.permits()) {
                break;
            }
            res.waiters.pollFirst();
            grant(key, res, w.session(), w.owner(), w.permits(), w.maxHoldMs(), now);
        }
        dropIfUnused(key, res);
    }

    private long grant(String key, Res res, long session, long owner, int permits, long maxHoldMs, long now) {
        long token = ++lastToken;
        long holdDeadline = maxHoldMs > 0 ? now + maxHoldMs : 0;
        res.grants.add(new Grant(session, owner, permits, token, holdDeadline));
        index(session, key);
        if (holdDeadline > 0) {
            deadlines.computeIfAbsent(holdDeadline, k -> new TreeSet<>()).add(key);
        }
        if (events != null) {
            events.granted(res.kind, res.name, session, owner, token);
        }
        return token;
    }

    private void dropExpiredWaiters(Res res, long now) {
        for (Iterator<Waiter> it = res.waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.deadlineMs() <= now) {
                it.remove();
                unindexIfUninvolved(w.session(), key(res.kind, res.name), res);
                if (events != null) {
                    events.waitExpired(res.kind, res.name, w.session(), w.owner());
                }
            }
        }
    }

    private void index(long session, String key) {
        bySession.computeIfAbsent(session, k -> new TreeSet<>()).add(key);
    }

    private void unindexIfUninvolved(long session, String key, Res res) {
        if (res.involves(session)) {
            return;
        }
        TreeSet<String> keys = bySession.get(session);
        if (keys != null && keys.remove(key) && keys.isEmpty()) {
            bySession.remove(session);
        }
    }

    private void dropIfUnused(String key, Res res) {
        if (res.unused()) {
            all.remove(key);
        }
    }

    // ------------------------------------------------------------------ reads

    List<LockInfo> view(LockKind kind, String prefix, LongFunction<String> nodeOf) {
        List<LockInfo> out = new ArrayList<>();
        String from = key(kind, prefix);
        for (Map.Entry<String, Res> e : all.tailMap(from).entrySet()) {
            if (!e.getKey().startsWith(from)) {
                break;
            }
            Res r = e.getValue();
            List<LockInfo.Holder> holders = new ArrayList<>();
            for (Grant g : r.grants) {
                holders.add(new LockInfo.Holder(g.session, nodeOf.apply(g.session), g.owner, g.permits, g.token,
                        g.holdDeadlineMs));
            }
            List<LockInfo.Waiter> waiting = new ArrayList<>();
            for (Waiter w : r.waiters) {
                waiting.add(new LockInfo.Waiter(w.session(), nodeOf.apply(w.session()), w.owner(), w.permits(),
                        w.deadlineMs()));
            }
            out.add(new LockInfo(r.kind, r.name, r.capacity, holders, waiting));
        }
        return out;
    }

    long lastToken() {
        return lastToken;
    }

    int size() {
        return all.size();
    }

    // ------------------------------------------------------------------ snapshot

    void write(DataOutputStream out) throws IOException {
        out.writeLong(lastToken);
        out.writeInt(all.size());
        for (Res r : all.values()) {
            out.writeByte(r.kind.code);
            out.writeUTF(r.name);
            out.writeInt(r.capacity);
            out.writeInt(r.grants.size());
            for (Grant g : r.grants) {
                out.writeLong(g.session);
                out.writeLong(g.owner);
                out.writeInt(g.permits);
                out.writeLong(g.token);
                out.writeLong(g.holdDeadlineMs);
            }
            out.writeInt(r.waiters.size());
            for (Waiter w : r.waiters) {
                out.writeLong(w.session());
                out.writeLong(w.owner());
                out.writeInt(w.permits());
                out.writeLong(w.deadlineMs());
                out.writeLong(w.maxHoldMs());
            }
        }
    }

    void read(DataInputStream in) throws IOException {
        all.clear();
        deadlines.clear();
        bySession.clear();
        lastToken = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            LockKind kind = LockKind.of(in.readByte());
            Res r = new Res(kind, in.readUTF(), in.readInt());
            String key = key(kind, r.name);
            int g = in.readInt();
            for (int j = 0; j < g; j++) {
                Grant grant = new Grant(in.readLong(), in.readLong(), in.readInt(), in.readLong(), in.readLong());
                r.grants.add(grant);
                index(grant.session, key);
                if (grant.holdDeadlineMs > 0) {
                    deadlines.computeIfAbsent(grant.holdDeadlineMs, k -> new TreeSet<>()).add(key);
                }
            }
            int w = in.readInt();
            for (int j = 0; j < w; j++) {
                Waiter waiter = new Waiter(in.readLong(), in.readLong(), in.readInt(), in.readLong(), in.readLong());
                r.waiters.addLast(waiter);
                index(waiter.session(), key);
                if (waiter.deadlineMs() != Long.MAX_VALUE) {
                    deadlines.computeIfAbsent(waiter.deadlineMs(), k -> new TreeSet<>()).add(key);
                }
            }
            all.put(key, r);
        }
    }
}
