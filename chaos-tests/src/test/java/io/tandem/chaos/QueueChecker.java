package io.tandem.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a task-queue history: submits with idempotency keys, and the terminal outcomes workers
 * reported. Violations found:
 * <ol>
 *   <li><b>duplicated by key</b>: two acknowledged submits with one idempotency key got different
 *       task ids (exactly-once submit broken);
 *   <li><b>lost</b>: an acknowledged submit whose task never completed nor was dead-lettered;
 *   <li><b>duplicate outcome</b>: a task completed twice, or both completed and dead-lettered
 *       (a task reaches one terminal state; executions may repeat, outcomes may not);
 *   <li><b>phantom</b>: an outcome for a key no client ever submitted.
 * </ol>
 * The queue workload itself waits for the Task primitive (issue #7); see docs/chaos.md.
 */
final class QueueChecker {

    /** A submit with idempotency {@code key}; {@code acknowledged} ones carry the returned task id. */
    record Submit(int client, String key, boolean acknowledged, String taskId) {
    }

    /** A terminal outcome a worker reported: {@code COMPLETED} or {@code DEAD_LETTERED}. */
    record Outcome(int worker, String key, String taskId, String outcome) {
    }

    private QueueChecker() {
    }

    static Workload.Verdict check(List<Submit> submits, List<Outcome> outcomes) {
        List<String> violations = new ArrayList<>();
        Map<String, Submit> firstAck = new LinkedHashMap<>();
        Map<String, Boolean> submittedKeys = new HashMap<>();
        for (Submit s : submits) {
            submittedKeys.put(s.key(), true);
            if (!s.acknowledged()) {
                continue;
            }
            Submit first = firstAck.putIfAbsent(s.key(), s);
            if (first != null && !first.taskId().equals(s.taskId())) {
                violations.add("duplicated by key: key " + s.key() + " was acknowledged as task " + first.taskId()
                        + " (client " + first.client() + ") and as task " + s.taskId() + " (client " + s.client() + ")");
            }
        }
        Map<String, Outcome> terminal = new HashMap<>();
        for (Outcome o : outcomes) {
            if (!submittedKeys.containsKey(o.key())) {
                violations.add("phantom: " + o + " for a key no client submitted");
            }
            Outcome earlier = terminal.putIfAbsent(o.taskId(), o);
            if (earlier != null) {
                violations.add("duplicate outcome: task " + o.taskId() + " (key " + o.key() + ") ended as "
                        + earlier.outcome() + " (worker " + earlier.worker() + ") and as " + o.outcome() + " (worker "
                        + o.worker() + ")");
            }
        }
        for (Submit s : firstAck.values()) {
            if (!terminal.containsKey(s.taskId())) {
                violations.add("lost: task " + s.taskId() + " (key " + s.key() + ", acknowledged to client " + s.client()
                        + ") was neither completed nor dead-lettered");
            }
        }
        String scope = submits.size() + " submits (" + firstAck.size() + " acknowledged keys), " + outcomes.size()
                + " outcomes";
        return FencedLockChecker.verdict("QUEUE", scope, submits.size() + outcomes.size(), violations);
    }
}
