package io.tandem.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a task-queue history: submits with idempotency keys, the handler runs workers recorded,
 * the terminal outcomes the cluster acknowledged (each client's {@code result(id)} waiters, which
 * complete from the client's own apply of the completion or dead-lettering) and one client's
 * final linearizable read of every task after the drain. Violations found:
 * <ol>
 *   <li><b>duplicated by key</b>: two acknowledged submits with one idempotency key got different
 *       task ids (exactly-once submit broken);
 *   <li><b>lost</b>: an acknowledged task missing from the final read; <b>not finished</b>: an
 *       acknowledged task still ready, delayed or claimed after the drain; <b>cancelled</b>: a
 *       task ended cancelled although nobody cancels; <b>no final read</b>: lost and unfinished
 *       cannot be told apart, which fails the run too;
 *   <li><b>duplicate outcome</b>: two observations of one task's terminal state disagree (completed
 *       and dead-lettered, or completed with two different results): executions may repeat
 *       (at-least-once), acknowledged outcomes may not;
 *   <li><b>phantom</b>: an outcome, a task or a handler run for a key no client submitted; a
 *       <b>phantom result</b>: a completion whose result no successful handler run of that task
 *       returned (for example a task whose handler always fails ended completed);
 *   <li><b>stale completion</b>: the accepted result came from claim {@code t} although the task
 *       was claimed again later with a higher token (only the current claim may finish a task,
 *       and a finished task is never claimed again);
 *   <li><b>too many attempts</b>: a handler run with an attempt number above the task's maximum;
 *       <b>dead-lettered early</b>: a task dead-lettered before using all its attempts;
 *   <li><b>result never completed</b>: a client's {@code result(id)} was still pending at the end
 *       although the final read shows the task finished.
 * </ol>
 */
final class QueueChecker {

    /** A submit with idempotency {@code key}; {@code acknowledged} ones carry the returned task id. */
    record Submit(int client, String key, boolean acknowledged, String taskId) {
    }

    /**
     * One handler run: claim {@code token}, attempt number {@code attempt}; {@code end} is
     * {@code OK}, {@code FAIL} or empty (still running when the history ended); {@code result} the
     * returned result for {@code OK}.
     */
    record Execution(int worker, String taskId, String key, int attempt, long token, String end, String result) {
    }

    /**
     * A terminal outcome the cluster acknowledged, as one observer saw it: {@code COMPLETED} (with
     * {@code result}), {@code DEAD} or {@code CANCELLED}. {@code observer} is a client's waiter, or
     * 0 for the final read.
     */
    record Outcome(int observer, String key, String taskId, String outcome, String result) {
    }

    /** A task as the final read found it. */
    record Final(String taskId, String key, String state, int attempts, int maxAttempts, String result) {
    }

    /** A client's {@code result(id)} that had not completed when the client finished. */
    record Pending(int client, String taskId, String key) {
    }

    /**
     * Everything the clients recorded. {@code finals} is null when no final read completed;
     * {@code finalTruncated} when it hit the list limit.
     */
    record Input(List<Submit> submits, List<Execution> executions, List<Outcome> outcomes, List<Final> finals,
                 boolean finalTruncated, List<Pending> pending) {
    }

    private static final Set<String> TERMINAL = Set.of("COMPLETED", "DEAD", "CANCELLED");

    private QueueChecker() {
    }

    static Workload.Verdict check(Input in) {
        List<String> violations = new ArrayList<>();
        Map<String, Submit> firstAck = new LinkedHashMap<>();
        Set<String> submittedKeys = new HashSet<>();
        long unacknowledged = 0;
        for (Submit s : in.submits()) {
            submittedKeys.add(s.key());
            if (!s.acknowledged()) {
                unacknowledged++;
                continue;
            }
            Submit first = firstAck.putIfAbsent(s.key(), s);
            if (first != null && !first.taskId().equals(s.taskId())) {
                violations.add("duplicated by key: key " + s.key() + " was acknowledged as task " + first.taskId()
                        + " (client " + first.client() + ") and as task " + s.taskId() + " (client " + s.client()
                        + ")");
            }
        }

        // Handler runs, by task.
        Map<String, List<Execution>> runs = new HashMap<>();
        long retries = 0;
        long failedRuns = 0;
        for (Execution e : in.executions()) {
            if (!submittedKeys.contains(e.key())) {
                violations.add("phantom: worker " + e.worker() + " ran task " + e.taskId() + " for key " + e.key()
                        + ", which no client submitted");
            }
            runs.computeIfAbsent(e.taskId(), k -> new ArrayList<>()).add(e);
            retries += e.attempt() > 1 ? 1 : 0;
            failedRuns += e.end().equals("FAIL") ? 1 : 0;
        }

        // The final read.
        Map<String, Final> finals = new HashMap<>();
        if (in.finals() == null) {
            violations.add("no final read: no client listed the queue after the drain (see clients/c1.log), so lost"
                    + " and unfinished tasks cannot be told apart");
        } else {
            if (in.finalTruncated()) {
                violations.add("final read truncated at " + in.finals().size() + " tasks: the run submitted more tasks"
                        + " than one list() returns; shorten the run");
            }
            for (Final f : in.finals()) {
                finals.put(f.taskId(), f);
                if (!submittedKeys.contains(f.key())) {
                    violations.add("phantom: the final read has task " + f.taskId() + " (" + f.state() + ") for key "
                            + f.key() + ", which no client submitted");
                }
                if (f.state().equals("DEAD") && f.attempts() != f.maxAttempts()) {
                    violations.add("dead-lettered early: task " + f.taskId() + " (key " + f.key() + ") was"
                            + " dead-lettered after " + f.attempts() + " attempts of " + f.maxAttempts());
                }
            }
        }
        long redelivered = 0;
        for (List<Execution> list : runs.values()) {
            Map<Integer, Execution> byAttempt = new HashMap<>();
            list.forEach(e -> byAttempt.put(e.attempt(), e));
            for (Execution e : list) {
                Execution previous = byAttempt.get(e.attempt() - 1);
                if (e.attempt() > 1 && (previous == null || !previous.end().equals("FAIL"))) {
                    redelivered++; // the previous claim was lost (lease, session) or its outcome not accepted
                }
                Final f = finals.get(e.taskId());
                if (f != null && e.attempt() > f.maxAttempts()) {
                    violations.add("too many attempts: worker " + e.worker() + " ran task " + e.taskId() + " (key "
                            + e.key() + ") as attempt " + e.attempt() + " of at most " + f.maxAttempts());
                }
            }
        }

        // Terminal outcomes: the waiters' and the final read's must agree.
        List<Outcome> observed = new ArrayList<>(in.outcomes());
        if (in.finals() != null) {
            for (Final f : in.finals()) {
                if (TERMINAL.contains(f.state())) {
                    observed.add(new Outcome(0, f.key(), f.taskId(), f.state(), f.result()));
                }
            }
        }
        Map<String, Outcome> terminal = new LinkedHashMap<>();
        Set<String> distinct = new HashSet<>();
        long completed = 0;
        long dead = 0;
        for (Outcome o : observed) {
            if (!submittedKeys.contains(o.key())) {
                violations.add("phantom: " + o + " for a key no client submitted");
            }
            Outcome earlier = terminal.putIfAbsent(o.taskId(), o);
            if (earlier != null && !(earlier.outcome().equals(o.outcome()) && earlier.result().equals(o.result()))) {
                violations.add("duplicate outcome: task " + o.taskId() + " (key " + o.key() + ") ended as "
                        + describe(earlier) + " and as " + describe(o));
            }
            if (earlier == null) {
                completed += o.outcome().equals("COMPLETED") ? 1 : 0;
                dead += o.outcome().equals("DEAD") ? 1 : 0;
            }
            // Each distinct observation is judged on its own too (a conflicting one may be the culprit).
            if (distinct.add(o.taskId() + "\t" + o.outcome() + "\t" + o.result())) {
                switch (o.outcome()) {
                    case "COMPLETED" -> checkCompletion(o, runs.getOrDefault(o.taskId(), List.of()), violations);
                    case "DEAD" -> {
                    }
                    case "CANCELLED" -> violations.add("cancelled: task " + o.taskId() + " (key " + o.key()
                            + ") ended cancelled, but no client cancels");
                    default -> violations.add("unknown outcome " + o);
                }
            }
        }

        // Every acknowledged task must have finished, and be known to the final read.
        if (in.finals() != null) {
            for (Submit s : firstAck.values()) {
                Final f = finals.get(s.taskId());
                if (f == null) {
                    violations.add("lost: task " + s.taskId() + " (key " + s.key() + ", acknowledged to client "
                            + s.client() + ") is not in the cluster's final list" + (terminal.containsKey(s.taskId())
                            ? " (although " + describe(terminal.get(s.taskId())) + " was seen)" : ""));
                } else if (!TERMINAL.contains(f.state())) {
                    violations.add("not finished: task " + s.taskId() + " (key " + s.key() + ", acknowledged to client "
                            + s.client() + ") is still " + f.state() + " after the drain (" + f.attempts() + " of "
                            + f.maxAttempts() + " attempts)");
                }
            }
        }
        for (Pending p : in.pending()) {
            Final f = finals.get(p.taskId());
            if (f != null && TERMINAL.contains(f.state())) {
                violations.add("result never completed: client " + p.client() + "'s result(" + p.taskId() + ") (key "
                        + p.key() + ") was still waiting at the end although the task is " + f.state());
            }
        }

        // How hard exactly-once-by-key was exercised.
        Map<String, Set<Integer>> ackedBy = new HashMap<>();
        Map<String, Set<Integer>> unansweredBy = new HashMap<>();
        for (Submit s : in.submits()) {
            (s.acknowledged() ? ackedBy : unansweredBy).computeIfAbsent(s.key(), k -> new HashSet<>()).add(s.client());
        }
        long sharedKeys = ackedBy.values().stream().filter(c -> c.size() > 1).count();
        long retriedKeys = 0;
        long retriedElsewhere = 0;
        for (Map.Entry<String, Set<Integer>> e : unansweredBy.entrySet()) {
            Set<Integer> acked = ackedBy.get(e.getKey());
            if (acked != null) {
                retriedKeys++;
                if (!e.getValue().containsAll(acked)) {
                    retriedElsewhere++;
                }
            }
        }
        long unfinishedUnacked = in.finals() == null ? 0 : in.finals().stream()
                .filter(f -> !TERMINAL.contains(f.state()) && !firstAck.containsKey(f.key())).count();
        String scope = in.submits().size() + " submits (" + firstAck.size() + " acknowledged keys, " + unacknowledged
                + " not acknowledged; " + sharedKeys + " keys acknowledged to several clients, " + retriedKeys
                + " acknowledged after an unanswered submit, " + retriedElsewhere + " of them by another client), "
                + in.executions().size() + " handler runs (" + retries + " retries, "
                + failedRuns + " failed on purpose, " + redelivered + " redelivered after a lost claim), " + completed
                + " completed, " + dead + " dead-lettered, "
                + in.outcomes().size() + " outcomes seen by waiters, "
                + (in.finals() == null ? "no final read" : "final read of " + in.finals().size() + " tasks"
                + (unfinishedUnacked > 0 ? " (" + unfinishedUnacked + " unacknowledged ones unfinished)" : ""))
                + (in.pending().isEmpty() ? "" : ", " + in.pending().size() + " waiters pending");
        long operations = in.submits().size() + in.executions().size() + in.outcomes().size()
                + (in.finals() == null ? 0 : in.finals().size());
        return FencedLockChecker.verdict("QUEUE", scope, operations, violations);
    }

    /** The accepted result must be one a successful run of this task returned, from its last claim. */
    private static void checkCompletion(Outcome o, List<Execution> runs, List<String> violations) {
        Execution producer = null;
        long highest = Long.MIN_VALUE;
        Execution latest = null;
        for (Execution e : runs) {
            if (e.end().equals("OK") && e.result().equals(o.result())) {
                producer = e;
            }
            if (e.token() > highest) {
                highest = e.token();
                latest = e;
            }
        }
        if (producer == null) {
            violations.add("phantom result: task " + o.taskId() + " (key " + o.key() + ") completed with result "
                    + o.result() + ", which no successful handler run of it returned (runs: " + runs + ")");
        } else if (latest.token() > producer.token()) {
            violations.add("stale completion: task " + o.taskId() + " (key " + o.key() + ") completed with the result"
                    + " of claim " + producer.token() + " (worker " + producer.worker() + ", attempt "
                    + producer.attempt() + "), but it was claimed again with token " + latest.token() + " (worker "
                    + latest.worker() + ", attempt " + latest.attempt() + ")");
        }
    }

    private static String describe(Outcome o) {
        return o.outcome() + (o.outcome().equals("COMPLETED") ? " with result " + o.result() : "")
                + (o.observer() == 0 ? " (final read)" : " (seen by client " + o.observer() + ")");
    }
}
