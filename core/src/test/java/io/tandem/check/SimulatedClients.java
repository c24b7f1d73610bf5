package io.tandem.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates histories that are linearizable by construction, for property tests.
 *
 * <p>Each of {@code clients} sequential clients issues operations one after another with random
 * gaps and latencies. Every operation gets a random linearization point inside its
 * [invoke, response] window; the operations are then run against a sequential reference store in
 * point order, which yields their outputs. Since each point lies within its operation's window,
 * point order is a witness linearization. Some operations are then recorded as INFO (half of them
 * having taken effect, half not) or FAIL (not taken effect).
 *
 * <p>Deterministic for a given {@link SplittableRandom} seed.
 */
final class SimulatedClients {

    private static final int GAP_MAX = 20;
    private static final int LATENCY_MAX = 30;

    private SimulatedClients() {
    }

    /** A reference implementation driven in linearization order. */
    interface Workload<I, O> {
        /** The next input; may look at the reference state, e.g. to pick a likely CAS value. */
        I nextInput(SplittableRandom random);

        /** Runs {@code input} on the reference store and returns its output. */
        O apply(I input);
    }

    /** How often operations end up INFO or FAIL. */
    record Faults(double infoRate, double failRate) {
        static final Faults NONE = new Faults(0, 0);
    }

    static <I, O> History<I, O> run(SplittableRandom random, Workload<I, O> workload, int clients,
                                    int operations, Faults faults) {
        List<Planned> planned = plan(random, clients, operations);
        planned.sort(Comparator.comparingLong((Planned p) -> p.point).thenComparingInt(p -> p.client));
        List<Operation<I, O>> ops = new ArrayList<>();
        for (Planned p : planned) {
            ops.add(execute(random, workload, faults, p));
        }
        ops.sort(Comparator.comparingLong((Operation<I, O> op) -> op.invokeTime())
                .thenComparingInt(Operation::client));
        return History.of(ops);
    }

    private static List<Planned> plan(SplittableRandom random, int clients, int operations) {
        List<Planned> planned = new ArrayList<>();
        long[] clientTime = new long[clients];
        for (int c = 0; c < clients; c++) {
            clientTime[c] = random.nextInt(GAP_MAX);
        }
        for (int i = 0; i < operations; i++) {
            int client = i % clients;
            long invoke = clientTime[client] + 1 + random.nextInt(GAP_MAX);
            long point = invoke + random.nextInt(LATENCY_MAX);
            long response = point + random.nextInt(LATENCY_MAX);
            clientTime[client] = response;
            planned.add(new Planned(client, invoke, point, response));
        }
        return planned;
    }

    private static <I, O> Operation<I, O> execute(SplittableRandom random, Workload<I, O> workload,
                                                 Faults faults, Planned p) {
        I input = workload.nextInput(random);
        double roll = random.nextDouble();
        if (roll < faults.infoRate() / 2) {
            workload.apply(input); // took effect, but the client never heard back
            return Operation.info(p.client, p.invoke, input);
        }
        if (roll < faults.infoRate()) {
            return Operation.info(p.client, p.invoke, input); // lost before it was applied
        }
        if (roll < faults.infoRate() + faults.failRate()) {
            return Operation.fail(p.client, p.invoke, p.response, input);
        }
        return Operation.ok(p.client, p.invoke, p.response, input, workload.apply(input));
    }

    private record Planned(int client, long invoke, long point, long response) {
    }
}
