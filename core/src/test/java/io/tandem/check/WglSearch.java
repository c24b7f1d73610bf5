package io.tandem.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The Wing–Gong search with Lowe's improvements, for one partition.
 *
 * <p>The history becomes a doubly-linked list of call and return entries in time order (calls
 * before returns on equal times, since equal times mean concurrent). A call that appears before
 * the first return in the list belongs to an operation that may take effect now: nothing that
 * must precede it is still pending. The search tries such calls in list order; linearizing one
 * "lifts" its call and return out of the list in O(1), and backtracking "unlifts" them in reverse
 * order, restoring the exact list (Knuth's dancing links). Reaching a return entry means its
 * operation had to take effect by now but no order found so far allows it: backtrack.
 *
 * <p>INFO operations have a call and no return: they may be linearized anywhere after their
 * invocation, and the search succeeds once every OK operation is linearized, so an INFO operation
 * that is never placed is one that did not take effect.
 *
 * <p>References: Wing &amp; Gong, "Testing and verifying concurrent objects", 1993; Lowe,
 * "Testing for linearizability", 2017, §3 (the list, lifting, and the memo of
 * (linearized set, state) pairs, see {@link Memo}).
 *
 * <p>Single-threaded and single-use.
 */
final class WglSearch<S, I, O> {

    /** Report at most this many prefix operations; the last ones are the ones near the failure. */
    private static final int PREFIX_SHOWN = 20;

    private final Model<S, I, O> model;
    private final Partition<I, O> partition;
    private final Budget.Meter meter;
    /** The searched operations (partition minus FAIL and read-only INFO), by local number. */
    private final List<Integer> historyIndices = new ArrayList<>();
    private final Node head = new Node(-1, true, null);
    private final LinearizedSet linearized;
    private final Memo<S> memo = new Memo<>();
    private final List<Frame<S>> stack = new ArrayList<>();
    /** Completed (OK) operations searched, and how many of them are not linearized yet. */
    private int completedCount;
    private int pendingCompleted;
    private DeadEnd<S> deepest;

    WglSearch(Model<S, I, O> model, Partition<I, O> partition, Budget.Meter meter) {
        this.model = model;
        this.partition = partition;
        this.meter = meter;
        for (int index : partition.indices()) {
            Operation<I, O> op = partition.operation(index);
            boolean constrainsNothing = op.status() == Operation.Status.INFO
                    && model.isReadOnly(op.input());
            if (op.status() != Operation.Status.FAIL && !constrainsNothing) {
                historyIndices.add(index);
            }
        }
        this.linearized = new LinearizedSet(historyIndices.size());
        buildEntryList();
        this.pendingCompleted = completedCount;
    }

    /** Runs the search to a verdict, or until the meter says the budget is spent. */
    PartitionOutcome run() {
        S state = model.init();
        Node entry = head.next;
        int firstChoice = 0;
        while (pendingCompleted > 0) {
            if (!meter.tryStep()) {
                return gaveUp();
            }
            if (entry == null) {
                throw new IllegalStateException("partition " + partition.label()
                        + ": entry list exhausted with " + pendingCompleted + " completed operations"
                        + " unlinearized; the list is corrupt");
            }
            if (entry.isCall) {
                List<S> successors = successors(entry.op, state);
                int chosen = firstUnexplored(entry.op, successors, firstChoice);
                firstChoice = 0;
                if (chosen < 0) {
                    entry = entry.next;
                    continue;
                }
                stack.add(new Frame<>(entry, state, chosen));
                state = successors.get(chosen);
                lift(entry);
                entry = head.next;
            } else {
                noteDeadEnd(entry, state);
                if (stack.isEmpty()) {
                    return illegal();
                }
                Frame<S> top = stack.remove(stack.size() - 1);
                unlift(top.call);
                state = top.stateBefore;
                // Retry the same call with its next successor state (only INFO operations of
                // nondeterministic models have more than one), then move on down the list.
                entry = top.call;
                firstChoice = top.choice + 1;
            }
        }
        return new PartitionOutcome(partition.label(), Result.Verdict.OK, null,
                "partition " + partition.label() + ": linearizable (" + partition.census() + ")");
    }

    private void buildEntryList() {
        List<Node> entries = new ArrayList<>();
        for (int op = 0; op < historyIndices.size(); op++) {
            Operation<I, O> operation = operation(op);
            Node ret = null;
            if (operation.hasResponded()) {
                ret = new Node(op, false, null);
                entries.add(ret);
                completedCount++;
            }
            entries.add(new Node(op, true, ret));
        }
        entries.sort(Comparator.comparingLong(this::time)
                .thenComparing(node -> !node.isCall) // false sorts first: calls before returns
                .thenComparingInt(node -> node.op));
        Node last = head;
        for (Node node : entries) {
            last.next = node;
            node.prev = last;
            last = node;
        }
    }

    private long time(Node node) {
        Operation<I, O> op = operation(node.op);
        return node.isCall ? op.invokeTime() : op.responseTime();
    }

    private Operation<I, O> operation(int op) {
        return partition.operation(historyIndices.get(op));
    }

    private List<S> successors(int op, S state) {
        Operation<I, O> operation = operation(op);
        if (operation.hasResponded()) {
            return model.step(state, operation.input(), operation.output())
                    .map(List::of).orElse(List.of());
        }
        return model.stepUnobserved(state, operation.input());
    }

    /** The first successor, from {@code from}, whose (linearized + op, state) is not memoized. */
    private int firstUnexplored(int op, List<S> successors, int from) {
        linearized.set(op);
        try {
            for (int choice = from; choice < successors.size(); choice++) {
                if (memo.add(linearized, successors.get(choice))) {
                    return choice;
                }
            }
            return -1;
        } finally {
            linearized.clear(op);
        }
    }

    private void lift(Node call) {
        linearized.set(call.op);
        unlink(call);
        if (call.match != null) {
            unlink(call.match);
            pendingCompleted--;
        }
    }

    /** Reinserts in the reverse order of {@link #lift}, so each node's saved links are valid. */
    private void unlift(Node call) {
        if (call.match != null) {
            relink(call.match);
            pendingCompleted++;
        }
        relink(call);
        linearized.clear(call.op);
    }

    private static void unlink(Node node) {
        node.prev.next = node.next;
        if (node.next != null) {
            node.next.prev = node.prev;
        }
    }

    private static void relink(Node node) {
        node.prev.next = node;
        if (node.next != null) {
            node.next.prev = node;
        }
    }

    /**
     * Remembers the most advanced dead end for the report's "longest linearizable prefix":
     * the one with the most completed operations linearized, and among those the shortest, so an
     * INFO operation appears in the prefix only when the search needed it to get that far.
     * Copying happens only when a new record is set, never on a search that succeeds without
     * backtracking.
     */
    private void noteDeadEnd(Node blockedReturn, S state) {
        int progress = completedCount - pendingCompleted;
        if (deepest != null && (progress < deepest.progress
                || (progress == deepest.progress && stack.size() >= deepest.prefix.size()))) {
            return;
        }
        List<Integer> prefix = new ArrayList<>(stack.size());
        for (Frame<S> frame : stack) {
            prefix.add(frame.call.op);
        }
        List<Integer> candidates = new ArrayList<>();
        for (Node node = head.next; node != blockedReturn; node = node.next) {
            candidates.add(node.op);
        }
        deepest = new DeadEnd<>(progress, prefix, state, candidates, blockedReturn.op);
    }

    private PartitionOutcome illegal() {
        String label = partition.label();
        List<Operation<?, ?>> prefix = new ArrayList<>();
        deepest.prefix.forEach(op -> prefix.add(operation(op)));
        List<Operation<?, ?>> culprits = new ArrayList<>();
        culprits.add(operation(deepest.blocked));
        deepest.candidates.stream().filter(op -> op != deepest.blocked)
                .forEach(op -> culprits.add(operation(op)));
        String explanation = explain();
        return new PartitionOutcome(label, Result.Verdict.ILLEGAL,
                new Counterexample(label, prefix, culprits, explanation), explanation);
    }

    private String explain() {
        StringBuilder out = new StringBuilder();
        out.append("partition ").append(partition.label()).append(": NOT linearizable (")
                .append(partition.census()).append(")\n");
        appendPrefix(out);
        out.append("  state after the prefix: ").append(model.describeState(deepest.state))
                .append('\n');
        out.append("  no operation can take effect next:\n");
        for (int op : deepest.candidates) {
            out.append("    ").append(describe(op)).append("\n      ").append(verdictOf(op))
                    .append('\n');
        }
        Operation<I, O> blocked = operation(deepest.blocked);
        out.append("  ").append(describeNumber(deepest.blocked)).append(" had to take effect before")
                .append(" it responded at ").append(blocked.responseTime())
                .append(", and no order of the operations above allows it.");
        return out.toString();
    }

    private void appendPrefix(StringBuilder out) {
        List<Integer> prefix = deepest.prefix;
        out.append("  longest linearizable prefix found: ").append(prefix.size())
                .append(" operations, covering ").append(deepest.progress).append(" of ")
                .append(completedCount).append(" completed ones, in linearization order");
        int skipped = Math.max(0, prefix.size() - PREFIX_SHOWN);
        out.append(skipped > 0 ? " (the first " + skipped + " omitted):\n" : ":\n");
        for (int i = skipped; i < prefix.size(); i++) {
            out.append("    ").append(describe(prefix.get(i))).append('\n');
        }
        if (prefix.isEmpty()) {
            out.append("    (none)\n");
        }
    }

    private String verdictOf(int op) {
        List<S> successors = successors(op, deepest.state);
        if (successors.isEmpty()) {
            return "illegal in that state";
        }
        return "legal in that state (leading to " + model.describeState(successors.get(0))
                + "), but every continuation from there fails";
    }

    private PartitionOutcome gaveUp() {
        int progress = Math.max(completedCount - pendingCompleted,
                deepest == null ? 0 : deepest.progress);
        String summary = "partition " + partition.label() + ": UNKNOWN, budget spent after "
                + meter.steps() + " steps in total; best linearizable prefix so far covers "
                + progress + " of " + completedCount + " completed operations ("
                + partition.census() + ")";
        return new PartitionOutcome(partition.label(), Result.Verdict.UNKNOWN, null, summary);
    }

    private String describe(int op) {
        return Reports.operation(historyIndices.get(op), operation(op), model);
    }

    private String describeNumber(int op) {
        return "#" + historyIndices.get(op);
    }

    /** An entry of the list: the call or the return of one operation. */
    private static final class Node {
        final int op;
        final boolean isCall;
        /** For a call: its return, or null for an INFO operation, which never returns. */
        final Node match;
        Node prev;
        Node next;

        Node(int op, boolean isCall, Node match) {
            this.op = op;
            this.isCall = isCall;
            this.match = match;
        }
    }

    /** One linearized operation on the current path, with what is needed to undo it. */
    private static final class Frame<S> {
        final Node call;
        final S stateBefore;
        final int choice;

        Frame(Node call, S stateBefore, int choice) {
            this.call = call;
            this.stateBefore = stateBefore;
            this.choice = choice;
        }
    }

    /** Where the search got stuck: the prefix, its state, and the candidates it could not place. */
    private static final class DeadEnd<S> {
        /** Completed operations in the prefix. */
        final int progress;
        final List<Integer> prefix;
        final S state;
        final List<Integer> candidates;
        final int blocked;

        DeadEnd(int progress, List<Integer> prefix, S state, List<Integer> candidates, int blocked) {
            this.progress = progress;
            this.prefix = prefix;
            this.state = state;
            this.candidates = candidates;
            this.blocked = blocked;
        }
    }
}
