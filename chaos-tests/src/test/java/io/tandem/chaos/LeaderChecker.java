package io.tandem.chaos;

import io.tandem.check.History;
import io.tandem.check.MonotonicChecker;
import io.tandem.check.Operation;
import io.tandem.check.Result;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a leader-election history of one group. Violations found:
 * <ol>
 *   <li><b>two leaders in a term</b>: two leaderships with the same term;
 *   <li><b>term order</b>: an {@code elect()} that started after another returned got a term not
 *       above it (terms must increase in real time);
 *   <li><b>revocation did not reach the old leader</b>: a leader found itself valid
 *       ({@code isValid()} true, recorded as an act) after a later term had been acknowledged to
 *       another client; or a leadership that a later term superseded never saw {@code revoked()}
 *       complete (nor resigned) by the end of the run;
 *   <li><b>watch order</b>: a watcher saw a term lower than one it had seen before.
 * </ol>
 */
final class LeaderChecker {

    record Election(String id, int client, long invokeNanos, long ackNanos, long term) {
    }

    /** The leader of {@code term} checked {@code isValid()} at {@code atNanos} and got true. */
    record Act(int client, long term, long atNanos) {
    }

    /** The leadership of {@code term} ended as its client saw it (revoked or resigned). */
    record End(int client, long term, long atNanos, String how) {
    }

    /** Watcher {@code client} saw leader {@code term} (0: no leader) at {@code atNanos}. */
    record Observation(int client, long atNanos, long term) {
    }

    private LeaderChecker() {
    }

    static Workload.Verdict check(List<Election> elections, List<Act> acts, List<End> ends,
                                  List<Observation> observations) {
        List<String> violations = new ArrayList<>();
        Map<Long, Election> byTerm = new HashMap<>();
        for (Election e : elections) {
            Election other = byTerm.put(e.term(), e);
            if (other != null) {
                violations.add("two leaders in term " + e.term() + ": " + other + " and " + e);
            }
        }
        List<Operation<String, Long>> ops = new ArrayList<>();
        for (Election e : elections) {
            ops.add(Operation.ok(e.client(), e.invokeNanos(), e.ackNanos(), e.id(), e.term()));
        }
        Result order = MonotonicChecker.strictlyIncreasing(History.of(ops));
        if (!order.isOk()) {
            violations.add("term order: " + order.report());
        }
        List<Election> byAck = new ArrayList<>(elections);
        byAck.sort(Comparator.comparingLong(Election::ackNanos));
        List<Act> sortedActs = new ArrayList<>(acts);
        sortedActs.sort(Comparator.comparingLong(Act::atNanos));
        int next = 0;
        Election newest = null;
        Set<Long> reported = new TreeSet<>();
        for (Act a : sortedActs) {
            while (next < byAck.size() && byAck.get(next).ackNanos() < a.atNanos()) {
                Election e = byAck.get(next++);
                if (newest == null || e.term() > newest.term()) {
                    newest = e;
                }
            }
            if (newest != null && newest.term() > a.term() && reported.add(a.term())) {
                violations.add("revocation did not reach the old leader: client " + a.client() + " still led term "
                        + a.term() + " at " + a.atNanos() + ", " + (a.atNanos() - newest.ackNanos()) / 1_000_000
                        + " ms after " + newest + " was elected");
            }
        }
        long maxTerm = elections.stream().mapToLong(Election::term).max().orElse(0);
        Set<Long> ended = new TreeSet<>();
        ends.forEach(e -> ended.add(e.term()));
        for (Election e : elections) {
            if (e.term() < maxTerm && !ended.contains(e.term())) {
                violations.add("leadership of term " + e.term() + " (" + e + ") was superseded but its client never"
                        + " saw it end");
            }
        }
        Map<Integer, List<Observation>> byWatcher = new LinkedHashMap<>();
        observations.forEach(o -> byWatcher.computeIfAbsent(o.client(), c -> new ArrayList<>()).add(o));
        for (Map.Entry<Integer, List<Observation>> w : byWatcher.entrySet()) {
            long seen = 0;
            for (Observation o : w.getValue()) {
                if (o.term() != 0 && o.term() < seen) {
                    violations.add("watch order: watcher " + w.getKey() + " saw term " + o.term() + " at "
                            + o.atNanos() + " after term " + seen);
                }
                seen = Math.max(seen, o.term());
            }
        }
        String scope = elections.size() + " leaderships, " + acts.size() + " acts, " + ends.size() + " ends, "
                + observations.size() + " watch events";
        return FencedLockChecker.verdict("LEADER", scope,
                elections.size() + acts.size() + ends.size() + observations.size(), violations);
    }
}
