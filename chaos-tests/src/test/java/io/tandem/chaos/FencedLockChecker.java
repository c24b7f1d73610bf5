package io.tandem.chaos;

import io.tandem.check.History;
import io.tandem.check.MonotonicChecker;
import io.tandem.check.Operation;
import io.tandem.check.Result;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a fenced-lock history: grants of one lock, and writes to the protected resource that
 * each carried its grant's fencing token. Violations found:
 *
 * <ol>
 *   <li><b>duplicate token</b>: two grants got the same token (two holders at once in the log);
 *   <li><b>token order</b>: a grant that was requested after another was acknowledged got a
 *       token not above it (tokens must grow in real time, across leader changes);
 *   <li><b>resource order</b>: in the order the resource decided, an accepted token is below an
 *       earlier accepted one, or a write was refused although no higher token had been accepted
 *       (the resource must see strictly increasing tokens per holder change);
 *   <li><b>unfenced overlap</b>: a holder found its lease valid ({@code isValid()} true) at a
 *       moment after a later grant (higher token) had already been acknowledged to another client,
 *       and the resource accepted its write. That is two holders acting at overlapping real times
 *       with the stale one not fenced off — Tandem's local revocation failed. Writes a client made
 *       while its lease was already invalid (the workload's "careless" holders) are exempt: they
 *       only have to be fenced when a newer holder has written.
 *   <li><b>stale valid lease</b>: the same, but the resource refused the write because the newer
 *       holder had already written. Fencing saved the resource; still {@code isValid()} promised
 *       something false (LockLease: the lease turns invalid before the cluster can grant the lock to
 *       anyone else), so it is reported.
 * </ol>
 * Times are the shared monotonic clock of {@link HistoryWriter}.
 */
final class FencedLockChecker {

    /** A grant as its client saw it: requested at {@code invokeNanos}, granted by {@code ackNanos}. */
    record Grant(String id, int client, long invokeNanos, long ackNanos, long token) {
    }

    /**
     * A write to the resource: the client checked {@code isValid()} at {@code checkNanos} and got
     * {@code valid}; the resource decided at {@code decidedNanos} and {@code accepted} it or not.
     */
    record Write(String grantId, int client, long token, long checkNanos, boolean valid, long decidedNanos,
                 boolean accepted) {
    }

    private FencedLockChecker() {
    }

    static Workload.Verdict check(List<Grant> grants, List<Write> writes) {
        List<String> violations = new ArrayList<>();
        Map<Long, Grant> byToken = new HashMap<>();
        for (Grant g : grants) {
            Grant other = byToken.put(g.token(), g);
            if (other != null) {
                violations.add("duplicate token " + g.token() + ": granted to " + other + " and to " + g);
            }
        }
        List<Operation<String, Long>> ops = new ArrayList<>();
        for (Grant g : grants) {
            ops.add(Operation.ok(g.client(), g.invokeNanos(), g.ackNanos(), g.id(), g.token()));
        }
        Result order = MonotonicChecker.strictlyIncreasing(History.of(ops));
        if (!order.isOk()) {
            violations.add("token order: " + order.report());
        }
        List<Write> byDecision = new ArrayList<>(writes);
        byDecision.sort(Comparator.comparingLong(Write::decidedNanos));
        long highest = Long.MIN_VALUE;
        Write highestWrite = null;
        for (Write w : byDecision) {
            if (w.accepted()) {
                if (w.token() < highest) {
                    violations.add("resource order: accepted token " + w.token() + " after token " + highest
                            + " (" + highestWrite + "): " + w);
                }
                if (!byToken.containsKey(w.token())) {
                    violations.add("resource accepted token " + w.token() + " that no client was granted: " + w);
                }
                if (w.token() > highest) {
                    highest = w.token();
                    highestWrite = w;
                }
            } else if (w.token() >= highest) {
                violations.add("resource refused token " + w.token() + " though the highest accepted was "
                        + (highestWrite == null ? "none" : highest) + ": " + w);
            }
        }
        // Prefix maximum of tokens over grants in acknowledgement order: the newest grant known
        // to exist at any moment.
        List<Grant> byAck = new ArrayList<>(grants);
        byAck.sort(Comparator.comparingLong(Grant::ackNanos));
        List<Write> validWrites = new ArrayList<>();
        for (Write w : writes) {
            if (w.valid()) {
                validWrites.add(w);
            }
        }
        validWrites.sort(Comparator.comparingLong(Write::checkNanos));
        int next = 0;
        Grant newest = null;
        java.util.Set<String> staleReported = new java.util.HashSet<>();
        for (Write w : validWrites) {
            while (next < byAck.size() && byAck.get(next).ackNanos() < w.checkNanos()) {
                Grant g = byAck.get(next++);
                if (newest == null || g.token() > newest.token()) {
                    newest = g;
                }
            }
            if (newest == null || newest.token() <= w.token()) {
                continue;
            }
            long lateMs = (w.checkNanos() - newest.ackNanos()) / 1_000_000;
            if (w.accepted()) {
                violations.add("unfenced overlap: client " + w.client() + " held a valid lease with token "
                        + w.token() + " at " + w.checkNanos() + " and the resource accepted its write, but " + newest
                        + " had been granted " + lateMs + " ms earlier");
            } else if (staleReported.add(w.grantId())) {
                violations.add("stale valid lease: grant " + w.grantId() + " (token " + w.token() + ", client "
                        + w.client() + ") reported isValid() = true " + lateMs + " ms after " + newest
                        + " was granted; the resource fenced the write off, but local revocation missed it");
            }
        }
        long accepted = writes.stream().filter(Write::accepted).count();
        String scope = grants.size() + " grants, " + writes.size() + " resource writes (" + accepted + " accepted, "
                + (writes.size() - accepted) + " fenced off)";
        return verdict("FENCED LOCK", scope, grants.size() + writes.size(), violations);
    }

    static Workload.Verdict verdict(String what, String scope, long operations, List<String> violations) {
        if (violations.isEmpty()) {
            return new Workload.Verdict(true, operations, what + " OK: " + scope);
        }
        StringBuilder report = new StringBuilder(what + " VIOLATED: " + violations.size() + " violation(s); " + scope);
        violations.stream().limit(20).forEach(v -> report.append("\n  ").append(v));
        if (violations.size() > 20) {
            report.append("\n  ... and ").append(violations.size() - 20).append(" more");
        }
        return new Workload.Verdict(false, operations, report.toString());
    }
}
