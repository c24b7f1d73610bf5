package io.tandem.jmh;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.annotations.Mode;

/**
 * The one benchmark run: Tandem's primitives and the Atomix baseline, operation by operation and
 * thread count by thread count, <em>interleaved</em> (Tandem then Atomix for each case) so both
 * sides meet the same load on this shared machine; then, in {@code full} mode, the layer
 * benchmarks. Writes one JMH JSON file that {@link io.tandem.jmh.report.Report} turns into the
 * tables and charts of {@code docs/benchmarks.md}.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar io.tandem.jmh.Suite quick|full [results.json]
 * </pre>
 *
 * <p>{@code quick}: no forks (this JVM, which must carry the baseline's {@code --add-opens}
 * flags, as {@code jmh/run-benchmarks.sh} passes them) with one cluster per side kept across
 * all cases ({@link Reuse}), 1 warm-up and 3 measured iterations of 1 s, sample-time mode
 * (percentiles; throughput is derived as threads / mean latency, which is exact for these
 * closed-loop callers). {@code full}: 3 forks per case, a fresh cluster per trial, 2 warm-ups
 * and 5 iterations of 2 s, throughput and sample-time as separate trials, all thread counts,
 * plus the layer benchmarks.
 * {@code -Dsuite.forks=N} and {@code -Dsuite.only=regex} override.
 */
public final class Suite {

    /** One operation, the thread counts it runs with, and whether the baseline has it. */
    record Case(String method, int[] quickThreads, int[] fullThreads, boolean baseline) { }

    static final List<Case> CASES = List.of(
            new Case("lockDistinct", new int[] {1, 8, 64}, new int[] {1, 8, 64}, true),
            new Case("lockShared", new int[] {1, 8}, new int[] {1, 8, 64}, true),
            new Case("write128", new int[] {1, 8, 64}, new int[] {1, 8, 64}, true),
            new Case("write1k", new int[] {1, 64}, new int[] {1, 8, 64}, true),
            new Case("compareAndWrite", new int[] {1, 64}, new int[] {1, 8, 64}, true),
            new Case("readLinearizable", new int[] {1, 64}, new int[] {1, 8, 64}, true),
            new Case("readStale", new int[] {1, 64}, new int[] {1, 8, 64}, true),
            new Case("timestamp", new int[] {1, 8}, new int[] {1, 8, 64}, true),
            new Case("electResign", new int[] {1}, new int[] {1, 8}, true),
            new Case("taskSubmitCompleted", new int[] {1, 64}, new int[] {1, 8, 64}, false),
            new Case("timeNow", new int[] {1}, new int[] {1, 8}, false));

    /** Layer benchmarks from earlier issues, run in full mode only (they have their own sections). */
    static final List<String> LAYERS = List.of(
            "io.tandem.jmh.LogAppendBenchmark.paired",
            "io.tandem.jmh.TransportBenchmark",
            "io.tandem.jmh.RaftCoreBenchmark",
            "io.tandem.jmh.TimeBenchmark");

    private Suite() {
    }

    public static void main(String[] args) throws IOException {
        try {
            runSuite(args);
        } finally {
            // Kept clusters hold non-daemon threads; without this a failed run would never exit.
            Reuse.closeAll();
        }
        System.exit(FAILED.isEmpty() ? 0 : 1);
    }

    private static void runSuite(String[] args) throws IOException {
        String mode = args.length > 0 ? args[0] : "quick";
        boolean full = mode.equals("full");
        if (!full && !mode.equals("quick")) {
            System.err.println("usage: Suite quick|full [results.json]");
            System.exit(2);
        }
        Path out = Path.of(args.length > 1 ? args[1] : "jmh/target/results-" + mode + ".json");
        int forks = Integer.getInteger("suite.forks", full ? 3 : 0);
        if (forks == 0) {
            // In-process (quick): one cluster per side, kept across cases (see Reuse).
            System.setProperty("tandem.bench.reuse", "true");
        }
        String only = System.getProperty("suite.only", ".*");
        boolean withBaseline = AtomixBaseline.available();
        if (!withBaseline) {
            System.err.println("WARNING: " + baselineMissing());
        }
        List<RunResult> results = new ArrayList<>();
        long started = System.nanoTime();
        String loadBefore = loadAverage();
        for (Case c : CASES) {
            if (!c.method().matches(only)) {
                continue;
            }
            for (int threads : full ? c.fullThreads() : c.quickThreads()) {
                List<String> sides = new ArrayList<>(List.of("PrimitivesBenchmark"));
                if (c.baseline() && withBaseline) {
                    sides.add("AtomixBenchmark");
                }
                for (String side : sides) {
                    String include = "^io\\.tandem\\.jmh\\." + side + "\\." + c.method() + "$";
                    if (full) {
                        results.addAll(run(base(include, threads, forks, true).mode(Mode.Throughput)
                                .timeUnit(TimeUnit.SECONDS)));
                    }
                    results.addAll(run(base(include, threads, forks, full).mode(Mode.SampleTime)
                            .timeUnit(TimeUnit.MICROSECONDS)));
                    write(out, results);
                }
            }
        }
        if (full && only.equals(".*")) {
            for (String layer : LAYERS) {
                results.addAll(run(new OptionsBuilder().include(layer).forks(1).warmupIterations(2)
                        .measurementIterations(3).warmupTime(TimeValue.seconds(2))
                        .measurementTime(TimeValue.seconds(2))));
                write(out, results);
            }
        }
        write(out, results);
        Reuse.closeAll();
        String failures = FAILED.isEmpty() ? "" : " FAILED cases: " + String.join("; ", FAILED) + ".";
        // The report quotes the machine's load: on a shared machine it explains much of the spread.
        Files.writeString(Path.of(out + ".env"), String.format(Locale.ROOT,
                "Mode %s; load average (1/5/15 min) %s at the start, %s at the end; %.1f min.%s", mode,
                loadBefore, loadAverage(), (System.nanoTime() - started) / 60e9, failures));
        System.out.printf(Locale.ROOT, "%nSuite %s: %d results in %.1f min -> %s%n", mode, results.size(),
                (System.nanoTime() - started) / 60e9, out);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String baselineMissing() {
        return "the Atomix baseline jar is missing (" + "build with 'mvn -B -DskipTests install'); "
                + "running Tandem only";
    }

    private static ChainedOptionsBuilder base(String include, int threads, int forks, boolean full) {
        return new OptionsBuilder().include(include).threads(threads).forks(forks)
                .warmupIterations(full ? 2 : 1).measurementIterations(full ? 5 : 3)
                .warmupTime(TimeValue.seconds(full ? 2 : 1)).measurementTime(TimeValue.seconds(full ? 2 : 1))
                .shouldFailOnError(true);
    }

    static final List<String> FAILED = new ArrayList<>();

    /** Runs one case; a failing case is recorded (and named in the report) and the run goes on. */
    private static Collection<RunResult> run(ChainedOptionsBuilder options) {
        var built = options.build();
        try {
            return new Runner(built).run();
        } catch (RunnerException e) {
            String what = built.getIncludes() + " threads=" + built.getThreads().orElse(1) + ": " + e.getMessage();
            System.err.println("FAILED " + what);
            FAILED.add(what);
            return List.of();
        }
    }

    private static void write(Path out, List<RunResult> results) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (PrintStream ps = new PrintStream(Files.newOutputStream(out), true, "UTF-8")) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, ps).writeOut(results);
        }
    }
}
