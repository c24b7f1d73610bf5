package io.tandem.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * Session-bound locks with FIFO waiters and fencing tokens, inside the replicated state machine.
 * Deterministic: time is the entry's timestamp, maps are sorted.
 *
 * <p>Invariants: a lock has at most one holder; every grant's token is greater than every earlier
 * grant's (one counter for all locks, so a token also orders grants across locks); a grant goes
 * only to a session that is live in the same apply; a waiter whose deadline has passed is removed
 * in the apply that passes it, never granted.
 */
final class Locks {

    /** Observers of grants and expiries (the node completes waiting callers with them). */
    interface Events {
        void granted(String name, long session, long token);

        void waitExpired(String name, long session);

        void released(String name, long session, long token, String why);
    }

    private record Waiter(long session, long deadlineMs, long maxHoldMs) {
    }

    private static final class Lock {
        long holder;
        long token;
        long holdDeadlineMs;
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

        boolean isFree() {
            return holder == 0;
        }
    }

    private final TreeMap<String, Lock> locks = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> deadlines = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> bySession = new TreeMap<>();
    private long lastToken;
    private Events events;

    void setEvents(Events events) {
        this.events = events;
    }

    CommandResult acquire(long session, Command.AcquireLock a, long now, LongPredicate live) {
        if (a.name() == null || a.name().isEmpty()) {
            return new CommandResult.Rejected("lock name must be a non-empty string");
        }
        if (a.waitMs() < -1 || a.maxHoldMs() < 0) {
            return new CommandResult.Rejected("lock " + a.name() + ": waitMs must be >= -1 and maxHoldMs >= 0");
        }
        Lock lock = locks.computeIfAbsent(a.name(), k -> new Lock());
        if (lock.holder == session) {
            return new CommandResult.LockGranted(a.name(), lock.token); // already ours: idempotent
        }
        int position = 1;
        for (Waiter w : lock.waiters) {
            if (w.session() == session) {
                return new CommandResult.LockQueued(a.name(), position);
            }
            position++;
        }
        if (lock.isFree() && lock.waiters.isEmpty()) {
            grant(a.name(), lock, session, a.maxHoldMs(), now);
            return new CommandResult.LockGranted(a.name(), lock.token);
        }
        if (a.waitMs() == 0) {
            dropIfUnused(a.name(), lock);
            return new CommandResult.LockNotAcquired(a.name());
        }
        long deadline = a.waitMs() < 0 ? Long.MAX_VALUE : now + a.waitMs();
        lock.waiters.addLast(new Waiter(session, deadline, a.maxHoldMs()));
        index(session, a.name());
        if (deadline != Long.MAX_VALUE) {
            deadlines.computeIfAbsent(deadline, k -> new TreeSet<>()).add(a.name());
        }
        return new CommandResult.LockQueued(a.name(), lock.waiters.size());
    }

    CommandResult release(long session, Command.ReleaseLock r, long now, LongPredicate live) {
        Lock lock = locks.get(r.name());
        // A release carrying an older token must never free a newer holder's grant.
        if (lock == null || lock.holder != session || lock.token != r.token()) {
            return new CommandResult.LockReleased(r.name(), false);
        }
        freeAndGrantNext(r.name(), lock, "released", now, live);
        return new CommandResult.LockReleased(r.name(), true);
    }

    CommandResult cancel(long session, Command.CancelLockWait c) {
        Lock lock = locks.get(c.name());
        if (lock != null) {
            lock.waiters.removeIf(w -> w.session() == session);
            unindex(session, c.name(), lock);
            dropIfUnused(c.name(), lock);
        }
        return new CommandResult.Done();
    }

    /** Entry time reached {@code now}: end holds past their maximum, drop waiters past their deadline. */
    void expire(long now, LongPredicate live) {
        while (!deadlines.isEmpty() && deadlines.firstKey() <= now) {
            for (String name : deadlines.pollFirstEntry().getValue()) {
                Lock lock = locks.get(name);
                if (lock == null) {
                    continue;
                }
                if (!lock.isFree() && lock.holdDeadlineMs > 0 && lock.holdDeadlineMs <= now) {
                    freeAndGrantNext(name, lock, "maximum hold time passed", now, live);
                } else {
                    dropExpiredWaiters(name, lock, now);
                    dropIfUnused(name, lock);
                }
            }
        }
    }

    /** The session ended (closed or expired): free its locks and drop its waits, in this apply. */
    void sessionClosed(long session, boolean expired, long now, LongPredicate live) {
        TreeSet<String> names = bySession.remove(session);
        if (names == null) {
            return;
        }
        for (String name : names) {
            Lock lock = locks.get(name);
            if (lock == null) {
                continue;
            }
            lock.waiters.removeIf(w -> w.session() == session);
            if (lock.holder == session) {
                freeAndGrantNext(name, lock, expired ? "session expired" : "session closed", now, live);
            } else {
                dropIfUnused(name, lock);
            }
        }
    }

    private void freeAndGrantNext(String name, Lock lock, String why, long now, LongPredicate live) {
        long previous = lock.holder;
        long token = lock.token;
        lock.holder = 0;
        lock.holdDeadlineMs = 0;
        unindex(previous, name, lock);
        if (events != null) {
            events.released(name, previous, token, why);
        }
        dropExpiredWaiters(name, lock, now);
        while (!lock.waiters.isEmpty()) {
            Waiter w = lock.waiters.pollFirst();
            if (live.test(w.session())) {
                grant(name, lock, w.session(), w.maxHoldMs(), now);
                return;
            }
            unindex(w.session(), name, lock);
        }
        dropIfUnused(name, lock);
    }

    private void grant(String name, Lock lock, long session, long maxHoldMs, long now) {
        lock.holder = session;
        lock.token = ++lastToken;
        lock.holdDeadlineMs = maxHoldMs > 0 ? now + maxHoldMs : 0;
        index(session, name);
        if (lock.holdDeadlineMs > 0) {
            deadlines.computeIfAbsent(lock.holdDeadlineMs, k -> new TreeSet<>()).add(name);
        }
        if (events != null) {
            events.granted(name, session, lock.token);
        }
    }

    private void dropExpiredWaiters(String name, Lock lock, long now) {
        List<Waiter> expired = new ArrayList<>();
        for (Waiter w : lock.waiters) {
            if (w.deadlineMs() <= now) {
                expired.add(w);
            }
        }
        for (Waiter w : expired) {
            lock.waiters.remove(w);
            unindex(w.session(), name, lock);
            if (events != null) {
                events.waitExpired(name, w.session());
            }
        }
    }

    private void index(long session, String name) {
        bySession.computeIfAbsent(session, k -> new TreeSet<>()).add(name);
    }

    private void unindex(long session, String name, Lock lock) {
        if (lock.holder == session) {
            return;
        }
        for (Waiter w : lock.waiters) {
            if (w.session() == session) {
                return;
            }
        }
        TreeSet<String> names = bySession.get(session);
        if (names != null && names.remove(name) && names.isEmpty()) {
            bySession.remove(session);
        }
    }

    private void dropIfUnused(String name, Lock lock) {
        if (lock.isFree() && lock.waiters.isEmpty()) {
            locks.remove(name);
        }
    }

    // ------------------------------------------------------------------ reads

    List<LockInfo> view(String prefix) {
        List<LockInfo> out = new ArrayList<>();
        for (Map.Entry<String, Lock> e : locks.tailMap(prefix).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            Lock l = e.getValue();
            List<Long> waiting = new ArrayList<>();
            l.waiters.forEach(w -> waiting.add(w.session()));
            out.add(new LockInfo(e.getKey(), l.holder, l.token, l.holdDeadlineMs, waiting));
        }
        return out;
    }

    long lastToken() {
        return lastToken;
    }

    // ------------------------------------------------------------------ snapshot

    void write(DataOutputStream out) throws IOException {
        out.writeLong(lastToken);
        out.writeInt(locks.size());
        for (Map.Entry<String, Lock> e : locks.entrySet()) {
            Lock l = e.getValue();
            out.writeUTF(e.getKey());
            out.writeLong(l.holder);
            out.writeLong(l.token);
            out.writeLong(l.holdDeadlineMs);
            out.writeInt(l.waiters.size());
            for (Waiter w : l.waiters) {
                out.writeLong(w.session());
                out.writeLong(w.deadlineMs());
                out.writeLong(w.maxHoldMs());
            }
        }
    }

    void read(DataInputStream in) throws IOException {
        locks.clear();
        deadlines.clear();
        bySession.clear();
        lastToken = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            Lock l = new Lock();
            l.holder = in.readLong();
            l.token = in.readLong();
            l.holdDeadlineMs = in.readLong();
            int w = in.readInt();
            for (int j = 0; j < w; j++) {
                Waiter waiter = new Waiter(in.readLong(), in.readLong(), in.readLong());
                l.waiters.addLast(waiter);
                index(waiter.session(), name);
                if (waiter.deadlineMs() != Long.MAX_VALUE) {
                    deadlines.computeIfAbsent(waiter.deadlineMs(), k -> new TreeSet<>()).add(name);
                }
            }
            if (l.holder != 0) {
                index(l.holder, name);
                if (l.holdDeadlineMs > 0) {
                    deadlines.computeIfAbsent(l.holdDeadlineMs, k -> new TreeSet<>()).add(name);
                }
            }
            locks.put(name, l);
        }
    }
}
