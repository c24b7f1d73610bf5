package io.tandem.chaos;

import io.tandem.check.History;
import io.tandem.check.MonotonicChecker;
import io.tandem.check.Operation;
import io.tandem.check.Result;
import io.tandem.time.ClusterTime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Timestamps: two threads per client process call {@code time().nextTimestamp()} in a loop;
 * every value must be unique and above every value returned before the call started, on any
 * client ({@link MonotonicChecker#strictlyIncreasing} and {@link MonotonicChecker#unique}).
 * Records: {@code T client invokeNanos responseNanos value}; failed calls {@code F client
 * invokeNanos error} (they returned nothing, so they constrain nothing).
 */
final class TimestampWorkload implements Workload {

    @Override
    public String name() {
        return "timestamps";
    }

    @Override
    public void drive(Context ctx) throws Exception {
        List<Thread> threads = new ArrayList<>();
        ClusterTime time = ctx.node().time();
        for (int t = 0; t < 2; t++) {
            int client = ctx.clientIndex() * 10 + t;
            Thread th = new Thread(() -> {
                while (ctx.running()) {
                    long invoked = HistoryWriter.now();
                    try {
                        long ts = time.nextTimestamp();
                        ctx.history().write("T", client, invoked, HistoryWriter.now(), ts);
                    } catch (RuntimeException e) {
                        ctx.history().write("F", client, invoked, Outcomes.name(e));
                    }
                    RegisterWorkload.pause(5);
                }
            }, "timestamps-" + client);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
    }

    @Override
    public Verdict check(List<Path> histories, Path runDir) throws IOException {
        List<Operation<String, Long>> ops = new ArrayList<>();
        int failed = 0;
        for (String[] r : HistoryWriter.read(histories)) {
            if (r[0].equals("T")) {
                ops.add(Operation.ok(Integer.parseInt(r[1]), Long.parseLong(r[2]), Long.parseLong(r[3]), "next",
                        Long.parseLong(r[4])));
            } else if (r[0].equals("F")) {
                failed++;
            }
        }
        ops.sort(Comparator.comparingLong(Operation::invokeTime));
        return check(History.of(ops), failed);
    }

    static Verdict check(History<String, Long> history, int failed) {
        Result increasing = MonotonicChecker.strictlyIncreasing(history);
        Result unique = MonotonicChecker.unique(history);
        return new Verdict(increasing.isOk() && unique.isOk(), history.size(),
                increasing.report() + "\n" + unique.report() + "\n(" + failed + " calls failed, e.g. no quorum)");
    }
}
