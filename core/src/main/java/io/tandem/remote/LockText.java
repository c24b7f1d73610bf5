package io.tandem.remote;

import io.tandem.state.LockInfo;
import io.tandem.state.LockKind;
import java.time.Instant;
import java.util.List;

/**
 * The text of {@code tandem lock list} and {@code tandem leader list}: one block per entry with
 * its holders (node, session, owner, token or term, permits, hold deadline) and its waiters in
 * queue order (node, session, owner, permits, wait deadline).
 */
final class LockText {

    private LockText() {
    }

    static String of(List<LockInfo> infos, boolean elections) {
        StringBuilder sb = new StringBuilder();
        if (infos.isEmpty()) {
            sb.append(elections ? "no election has a leader or a candidate\n" : "no lock is held or awaited\n");
            return sb.toString();
        }
        for (LockInfo i : infos) {
            if (elections) {
                sb.append("election ").append(i.name()).append('\n');
                if (i.holders().isEmpty()) {
                    sb.append("  leader:    none\n");
                }
                for (LockInfo.Holder h : i.holders()) {
                    sb.append("  leader:    ").append(h.nodeId()).append(" (session ").append(h.session())
                            .append(") term ").append(h.token()).append('\n');
                }
                int n = 1;
                for (LockInfo.Waiter w : i.waiters()) {
                    sb.append("  candidate ").append(n++).append(": ").append(w.nodeId()).append(" (session ")
                            .append(w.session()).append(")\n");
                }
                continue;
            }
            sb.append(i.kind().label()).append(' ').append(i.name());
            if (i.kind() == LockKind.SEMAPHORE) {
                sb.append(" (").append(i.permitsHeld()).append(" of ").append(i.capacity()).append(" permits held)");
            }
            sb.append('\n');
            for (LockInfo.Holder h : i.holders()) {
                sb.append("  holder:  ").append(h.nodeId()).append(" (session ").append(h.session()).append(", owner ")
                        .append(h.owner()).append(") token ").append(h.token());
                appendPermits(sb, i, h.permits());
                if (h.holdDeadlineMs() > 0) {
                    sb.append(" until ").append(Instant.ofEpochMilli(h.holdDeadlineMs()));
                }
                sb.append('\n');
            }
            int n = 1;
            for (LockInfo.Waiter w : i.waiters()) {
                sb.append("  waiter ").append(n++).append(": ").append(w.nodeId()).append(" (session ")
                        .append(w.session()).append(", owner ").append(w.owner()).append(')');
                appendPermits(sb, i, w.permits());
                sb.append(w.deadlineMs() == Long.MAX_VALUE ? " waits until granted"
                        : " waits until " + Instant.ofEpochMilli(w.deadlineMs()));
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static void appendPermits(StringBuilder sb, LockInfo i, int permits) {
        if (i.kind() == LockKind.SEMAPHORE) {
            sb.append(" permits ").append(permits);
        } else if (i.kind() == LockKind.RWLOCK) {
            sb.append(permits == LockKind.RW_CAPACITY ? " write" : " read");
        }
    }
}
