package io.tandem.chaos;

import io.tandem.check.History;
import io.tandem.check.LinearizabilityChecker;
import io.tandem.check.Operation;
import io.tandem.check.Result;
import io.tandem.check.VersionedRecordModel;
import io.tandem.check.VersionedRecordModel.Input;
import io.tandem.check.VersionedRecordModel.Output;
import io.tandem.data.DataStore;
import io.tandem.data.ReadConsistency;
import io.tandem.data.Record;
import io.tandem.data.WriteOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Register: reads, writes and compare-and-writes on a few data keys, checked for
 * linearizability ({@link LinearizabilityChecker} with {@link VersionedRecordModel}).
 *
 * <p>Keys rotate every {@value #EPOCH_SECONDS} s ({@code reg/<epoch>/<k>}, Jepsen's "independent
 * keys"): each key's history stays short, so the search stays fast even with many INFO
 * operations from partitions. Two threads per client process, each its own logical client.
 *
 * <p>Records: {@code I opId client invokeNanos kind key value expectedVersion} and
 * {@code C opId responseNanos OK|FAIL|INFO outcome value version}. {@code stale = true} reads with
 * {@link ReadConsistency#STALE}: a deliberately misconfigured client for the negative control.
 */
final class RegisterWorkload implements Workload {

    static final int EPOCH_SECONDS = 5;
    static final int KEYS = 3;
    private final boolean stale;

    RegisterWorkload(boolean stale) {
        this.stale = stale;
    }

    @Override
    public String name() {
        return stale ? "register-stale" : "register";
    }

    @Override
    public void drive(Context ctx) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int client = ctx.clientIndex() * 10 + t;
            long seed = ctx.random().nextLong();
            Thread th = new Thread(() -> loop(ctx, client, new java.util.SplittableRandom(seed)), "register-" + client);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
    }

    private void loop(Context ctx, int client, java.util.SplittableRandom random) {
        DataStore data = ctx.node().data();
        long start = HistoryWriter.now();
        Map<String, Long> lastVersion = new HashMap<>();
        int n = 0;
        while (ctx.running()) {
            long epoch = (HistoryWriter.now() - start) / TimeUnit.SECONDS.toNanos(EPOCH_SECONDS);
            String key = "reg/" + epoch + "/" + random.nextInt(KEYS);
            String opId = client + "-" + n++;
            int dice = random.nextInt(10);
            if (dice < 4) {
                ctx.history().write("I", opId, client, HistoryWriter.now(), "read", key, "-", 0);
                try {
                    Optional<Record> r = data.read(key, stale ? ReadConsistency.STALE : ReadConsistency.LINEARIZABLE);
                    long at = HistoryWriter.now();
                    if (r.isPresent()) {
                        lastVersion.put(key, r.get().version());
                        ctx.history().write("C", opId, at, "OK", "record", r.get().valueAsString(), r.get().version());
                    } else {
                        ctx.history().write("C", opId, at, "OK", "absent", "-", 0);
                    }
                } catch (RuntimeException e) {
                    ctx.history().write("C", opId, HistoryWriter.now(), Outcomes.status(e), Outcomes.name(e), "-", 0);
                }
            } else {
                String value = "v" + client + "." + n;
                boolean cas = dice >= 7;
                long expected = cas ? lastVersion.getOrDefault(key, 0L) : 0;
                ctx.history().write("I", opId, client, HistoryWriter.now(), cas ? "cas" : "write", key, value, expected);
                try {
                    WriteOptions options = !cas ? WriteOptions.NONE
                            : expected == 0 ? WriteOptions.ifAbsent() : WriteOptions.ifVersion(expected);
                    Record r = data.write(key, value.getBytes(StandardCharsets.UTF_8), options);
                    lastVersion.put(key, r.version());
                    ctx.history().write("C", opId, HistoryWriter.now(), "OK", "written", "-", r.version());
                } catch (RuntimeException e) {
                    long at = HistoryWriter.now();
                    if (Outcomes.isConflict(e)) {
                        ctx.history().write("C", opId, at, "OK", "conflict", "-", 0);
                    } else {
                        ctx.history().write("C", opId, at, Outcomes.status(e), Outcomes.name(e), "-", 0);
                    }
                }
            }
            pause(random.nextInt(15));
        }
    }

    static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Verdict check(List<Path> histories, Path runDir) throws IOException {
        History<Input<String, String>, Output<String>> history = history(HistoryWriter.read(histories));
        Result result = LinearizabilityChecker.check(new VersionedRecordModel<String, String>(), history,
                Duration.ofSeconds(120));
        long info = history.operations().stream().filter(o -> o.status() == Operation.Status.INFO).count();
        String report = result.report() + "\n(" + info + " INFO operations)";
        return new Verdict(result.isOk(), history.size(), report);
    }

    static History<Input<String, String>, Output<String>> history(List<String[]> records) {
        Map<String, String[]> completions = new HashMap<>();
        List<String[]> invocations = new ArrayList<>();
        for (String[] r : records) {
            if (r[0].equals("I")) {
                invocations.add(r);
            } else if (r[0].equals("C")) {
                completions.put(r[1], r);
            }
        }
        invocations.sort(Comparator.comparingLong(r -> Long.parseLong(r[3])));
        List<Operation<Input<String, String>, Output<String>>> ops = new ArrayList<>();
        for (String[] inv : invocations) {
            int client = Integer.parseInt(inv[2]);
            long invoked = Long.parseLong(inv[3]);
            String key = inv[5];
            Input<String, String> input = switch (inv[4]) {
                case "read" -> VersionedRecordModel.read(key);
                case "write" -> VersionedRecordModel.write(key, inv[6]);
                case "cas" -> VersionedRecordModel.writeIfVersion(key, inv[6], Long.parseLong(inv[7]));
                default -> throw new IllegalArgumentException("unknown register operation " + String.join(" ", inv));
            };
            String[] c = completions.get(inv[1]);
            if (c == null || c[3].equals("INFO")) {
                ops.add(Operation.info(client, invoked, input));
            } else if (c[3].equals("FAIL")) {
                ops.add(Operation.fail(client, invoked, Long.parseLong(c[2]), input));
            } else {
                Output<String> out = switch (c[4]) {
                    case "record" -> Output.record(c[5], Long.parseLong(c[6]));
                    case "absent" -> Output.absent();
                    case "written" -> Output.written(Long.parseLong(c[6]));
                    case "conflict" -> Output.conflict();
                    default -> throw new IllegalArgumentException("unknown register outcome " + String.join(" ", c));
                };
                ops.add(Operation.ok(client, invoked, Long.parseLong(c[2]), input, out));
            }
        }
        return History.of(ops);
    }
}
