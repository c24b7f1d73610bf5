package io.tandem.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Wing–Gong search with Lowe's improvements, for one partition.
 *
 * <p>Completed operations become a doubly-linked list of call and return entries in time order
 * (calls before returns on equal times, since equal times mean concurrent). A call before the
 * first return belongs to an operation that may take effect now: nothing that must precede it is
 * still pending. Linearizing one "lifts" its call and return out of the list in O(1), and
 * backtracking "unlifts" them in reverse order, restoring the exact list (Knuth's dancing links).
 * Reaching the first return means its operation had to take effect by now but no order tried so
 * far allows it: backtrack.
 *
 * <p>INFO operations have a call and no return: they may take effect any time after their
 * invocation, or never. They sit in a second list, sorted by invocation; one is a candidate while
 * it was invoked no later than the first pending return. The search succeeds once every
 * completed operation is linearized; an INFO operation never placed did not take effect.
 *
 * <p>Pending INFO operations are what make searches explode, since each one can be tried at
 * every dead end. Four reductions keep that in check, each preserving the verdict (the argument
 * is at each site, and {@code LinearizabilityDifferentialTest} checks them against brute force):
 * <ol>
 *   <li>subset dominance in the {@link Memo};
 *   <li>completed candidates before INFO ones, so configurations are first reached with as few
 *       INFO operations as possible and dominance prunes the rest;
 *   <li>INFO operations with equal search inputs are interchangeable "twins" (see
 *       {@link #linkTwins}), helped by models that replace unread values
 *       ({@link Model#unknownInputsForSearch});
 *   <li>a legal read is linearized at once with no alternatives (see {@link #firstCandidate}),
 *       which removes most dead ends, and with them most INFO retries.
 * </ol>
 *
 * <p>References: Wing &amp; Gong, "Testing and verifying concurrent objects", 1993; Lowe,
 * "Testing for linearizability", 2017, §3.
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
    /** The input each searched operation is stepped with (see {@link Model#unknownInputsForSearch}). */
    private final List<I> searchInputs = new ArrayList<>();
    private final Node head = Node.sentinel();
    private final Node infoHead = Node.sentinel();
    private final LinearizedSet linearizedCompleted;
    private final LinearizedSet linearizedInfo;
    private final Memo<S> memo = new Memo<>();
    private final List<Frame<S>> stack = new ArrayList<>();
    private int completedCount;
    private int infoCount;
    /** Completed operations not yet linearized on the current path; zero means success. */
    private int pendingCompleted;
    /** The first return in the list: the operation that must be linearized soonest. */
    private Node blocking;
    /** Whether the current candidate is a forced read (see {@link #firstCandidate}). */
    private boolean forcing;
    /** Per searched operation: whether the model says it never changes the state. */
    private final boolean[] isReadOnly;
    private DeadEnd<S> deepest;

    WglSearch(Model<S, I, O> model, Partition<I, O> partition, Budget.Meter meter) {
        this.model = model;
        this.partition = partition;
        this.meter = meter;
        List<Operation<I, O>> searched = new ArrayList<>();
        for (int index : partition.indices()) {
            Operation<I, O> op = partition.operation(index);
            boolean constrainsNothing = op.status() == Operation.Status.INFO
                    && model.isReadOnly(op.input());
            if (op.status() != Operation.Status.FAIL && !constrainsNothing) {
                historyIndices.add(index);
                searched.add(op);
            }
        }
        searchInputs.addAll(model.unknownInputsForSearch(searched));
        if (searchInputs.size() != searched.size()) {
            throw new IllegalStateException("unknownInputsForSearch returned " + searchInputs.size()
                    + " inputs for " + searched.size() + " operations in partition " + partition.label());
        }
        isReadOnly = new boolean[searched.size()];
        for (int op = 0; op < searched.size(); op++) {
            isReadOnly[op] = model.isReadOnly(searched.get(op).input());
        }
        List<Node> entries = new ArrayList<>();
        List<Node> infoCalls = new ArrayList<>();
        for (int op = 0; op < historyIndices.size(); op++) {
            if (operation(op).hasResponded()) {
                Node ret = new Node(op, completedCount, false, false, null);
                entries.add(ret);
                entries.add(new Node(op, completedCount++, true, false, ret));
            } else {
                infoCalls.add(new Node(op, infoCount++, true, true, null));
            }
        }
        link(head, entries);
        link(infoHead, infoCalls);
        linkTwins(infoCalls);
        this.linearizedCompleted = new LinearizedSet(completedCount);
        this.linearizedInfo = new LinearizedSet(infoCount);
        this.pendingCompleted = completedCount;
    }

    /** Runs the search to a verdict, or until the meter says the budget is spent. */
    PartitionOutcome run() {
        S state = model.init();
        Node entry = firstCandidate(state);
        int firstChoice = 0;
        while (pendingCompleted > 0) {
            if (!meter.tryStep()) {
                return gaveUp();
            }
            if (entry.isCall) {
                List<S> successors = successors(entry.op, state);
                int chosen = firstUnexplored(entry, successors, firstChoice);
                firstChoice = 0;
                if (chosen < 0) {
                    // A forced read that was explored before means this whole configuration was.
                    entry = forcing ? blocking : advance(entry);
                    forcing = false;
                    continue;
                }
                stack.add(new Frame<>(entry, state, chosen, blocking, forcing));
                state = successors.get(chosen);
                lift(entry);
                entry = firstCandidate(state);
            } else {
                noteDeadEnd(entry, state);
                Frame<S> top;
                do {
                    if (stack.isEmpty()) {
                        return illegal();
                    }
                    top = stack.remove(stack.size() - 1);
                    unlift(top.call);
                    state = top.stateBefore;
                    blocking = top.blocking;
                } while (top.isForced); // a forced read was the only option: its parent failed too
                // Retry the same call with its next successor state (only INFO operations of
                // nondeterministic models have more than one), then move on past it.
                entry = top.call;
                firstChoice = top.choice + 1;
            }
        }
        return new PartitionOutcome(partition.label(), Result.Verdict.OK, null,
                "partition " + partition.label() + ": linearizable (" + partition.census() + ")");
    }

    /**
     * The first candidate to try in a newly reached configuration, or null once every completed
     * operation is linearized (success).
     *
     * <p>Partial-order reduction: a completed read-only candidate that is legal in {@code state}
     * is forced, i.e. tried alone. Any completion that linearizes it later can be changed to
     * linearize it now: it is legal now, it changes no state, and everything that must precede
     * it already has been. So if the configuration after it fails, this one fails too. Without
     * this, a read concurrent with an earlier-invoked write costs a dead end almost every time.
     */
    private Node firstCandidate(S state) {
        forcing = false;
        if (pendingCompleted == 0) {
            return null;
        }
        Node forced = null;
        Node node = head.next;
        for (; node.isCall; node = node.next) {
            if (forced == null && isReadOnly[node.op] && !successors(node.op, state).isEmpty()) {
                forced = node;
            }
        }
        blocking = node; // a return exists while completed operations are pending
        if (forced != null) {
            forcing = true;
            return forced;
        }
        return advance(head);
    }

    /**
     * The candidate after {@code node} (the head, a completed call, or an INFO call): completed
     * calls first, then INFO calls invoked no later than the first return; when none is left, the
     * first return itself, which tells the loop to backtrack.
     */
    private Node advance(Node node) {
        if (node.isInfo) {
            return infoCandidateFrom(node.next);
        }
        Node next = node.next;
        if (next == null) {
            throw new IllegalStateException("partition " + partition.label() + ": no return left"
                    + " with " + pendingCompleted + " completed operations unlinearized; the"
                    + " entry list is corrupt");
        }
        if (next.isCall) {
            return next;
        }
        blocking = next;
        return infoCandidateFrom(infoHead.next);
    }

    private Node infoCandidateFrom(Node info) {
        long deadline = operation(blocking.op).responseTime();
        // Sorted by invocation: the first one invoked too late ends the candidates. Equal times
        // are concurrent, hence "<=".
        for (; info != null && operation(info.op).invokeTime() <= deadline; info = info.next) {
            if (info.twin == null || linearizedInfo.contains(info.twin.slot)) {
                return info;
            }
        }
        return blocking;
    }

    private void link(Node sentinel, List<Node> nodes) {
        nodes.sort(Comparator.comparingLong(this::time)
                .thenComparing(node -> !node.isCall) // false sorts first: calls before returns
                .thenComparingInt(node -> node.op));
        Node last = sentinel;
        for (Node node : nodes) {
            last.next = node;
            node.prev = last;
            last = node;
        }
    }

    /**
     * Points each INFO call at the previous one (in invocation order) with an equal search input.
     * Such operations are interchangeable: if a linearization uses a later twin while an earlier
     * one is unused, swapping them gives another valid linearization, since the earlier one was
     * invoked first and neither has a response deadline. So the search only ever tries the
     * earliest unused twin, and k pending twins cost k configurations instead of 2^k.
     */
    private void linkTwins(List<Node> infoCallsInOrder) {
        Map<I, Node> lastWithInput = new HashMap<>(); // lookups only; never iterated
        for (Node call : infoCallsInOrder) {
            call.twin = lastWithInput.put(searchInputs.get(call.op), call);
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
        return model.stepUnobserved(state, searchInputs.get(op));
    }

    /** The first successor, from {@code from}, whose configuration is neither memoized nor dominated. */
    private int firstUnexplored(Node call, List<S> successors, int from) {
        LinearizedSet set = call.isInfo ? linearizedInfo : linearizedCompleted;
        set.set(call.slot);
        try {
            for (int choice = from; choice < successors.size(); choice++) {
                if (memo.add(linearizedCompleted, linearizedInfo, successors.get(choice))) {
                    return choice;
                }
            }
            return -1;
        } finally {
            set.clear(call.slot);
        }
    }

    private void lift(Node call) {
        unlink(call);
        if (call.isInfo) {
            linearizedInfo.set(call.slot);
            return;
        }
        linearizedCompleted.set(call.slot);
        unlink(call.match);
        pendingCompleted--;
    }

    /** Reinserts in the reverse order of {@link #lift}, so each node's saved links are valid. */
    private void unlift(Node call) {
        if (call.isInfo) {
            linearizedInfo.clear(call.slot);
        } else {
            relink(call.match);
            pendingCompleted++;
            linearizedCompleted.clear(call.slot);
        }
        relink(call);
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
        for (Node node = infoCandidateFrom(infoHead.next); node != blockedReturn;
                node = infoCandidateFrom(node.next)) {
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
        out.append("  #").append(historyIndices.get(deepest.blocked))
                .append(" had to take effect before it responded at ").append(blocked.responseTime())
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

    /** Uses the original input, not the search input, so the report shows the real values. */
    private String verdictOf(int op) {
        Operation<I, O> operation = operation(op);
        List<S> successors = operation.hasResponded() ? successors(op, deepest.state)
                : model.stepUnobserved(deepest.state, operation.input());
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

    /** An entry of a list: the call or return of a completed operation, or an INFO call. */
    private static final class Node {
        final int op;
        /** The bit of this operation in its linearized set (completed or INFO). */
        final int slot;
        final boolean isCall;
        final boolean isInfo;
        /** For a completed operation's call: its return. */
        final Node match;
        /** For an INFO call: the previous INFO call with an equal search input, if any. */
        Node twin;
        Node prev;
        Node next;

        Node(int op, int slot, boolean isCall, boolean isInfo, Node match) {
            this.op = op;
            this.slot = slot;
            this.isCall = isCall;
            this.isInfo = isInfo;
            this.match = match;
        }

        static Node sentinel() {
            return new Node(-1, -1, true, false, null);
        }
    }

    /** One linearized operation on the current path, with what is needed to undo it. */
    private static final class Frame<S> {
        final Node call;
        final S stateBefore;
        final int choice;
        /** The first return when {@code call} was chosen; needed to resume among INFO calls. */
        final Node blocking;
        /** Whether {@code call} was a forced read, the only option tried in its configuration. */
        final boolean isForced;

        Frame(Node call, S stateBefore, int choice, Node blocking, boolean isForced) {
            this.call = call;
            this.stateBefore = stateBefore;
            this.choice = choice;
            this.blocking = blocking;
            this.isForced = isForced;
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
