package io.tandem.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.jmh.report.Report;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Keeps the benchmarks from rotting: every {@code @Benchmark} method runs at least once, quickly.
 * The primitive benchmarks (Tandem and the Atomix baseline) are called directly against one
 * cluster each, so a new benchmark method is covered without touching this test; the layer
 * benchmarks and the report run through the real JMH runner in this JVM with one 100 ms
 * iteration and the smallest parameters.
 */
class BenchmarkSmokeTest {

    static List<Method> benchmarks(Class<?> c) {
        return Arrays.stream(c.getMethods()).filter(m -> m.isAnnotationPresent(Benchmark.class))
                .sorted((a, b) -> a.getName().compareTo(b.getName())).collect(Collectors.toList());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyTandemPrimitiveBenchmarkRunsOnce() throws Throwable {
        PrimitivesBenchmark bench = new PrimitivesBenchmark();
        PrimitivesBenchmark.Cluster cluster = new PrimitivesBenchmark.Cluster();
        cluster.storage = "disk";
        cluster.start();
        try {
            PrimitivesBenchmark.Caller caller = new PrimitivesBenchmark.Caller();
            caller.pick(cluster);
            for (Method m : benchmarks(PrimitivesBenchmark.class)) {
                m.invoke(bench, caller);
                m.invoke(bench, caller);
            }
        } finally {
            cluster.stop();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void everyAtomixBaselineBenchmarkRunsOnce() throws Throwable {
        Assumptions.assumeTrue(AtomixBaseline.available(), "Atomix baseline jar not built (mvn install builds it)");
        AtomixBenchmark bench = new AtomixBenchmark();
        AtomixBenchmark.Cluster cluster = new AtomixBenchmark.Cluster();
        cluster.storage = "disk";
        cluster.start();
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        try {
            AtomixBenchmark.Caller caller = new AtomixBenchmark.Caller();
            caller.pick(cluster);
            for (Method m : benchmarks(AtomixBenchmark.class)) {
                m.invoke(bench, caller);
                m.invoke(bench, caller);
            }
        } finally {
            Thread.currentThread().setContextClassLoader(before);
            cluster.stop();
        }
    }

    @Test
    void theSuiteRunsEveryPrimitiveAndTheBaselinePairsByName() {
        Set<String> tandem = benchmarks(PrimitivesBenchmark.class).stream().map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> inSuite = Suite.CASES.stream().map(Suite.Case::method).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(tandem, inSuite, "every PrimitivesBenchmark method needs a Suite case");
        for (Method m : benchmarks(AtomixBenchmark.class)) {
            assertTrue(tandem.contains(m.getName()), "baseline " + m.getName() + " has no Tandem counterpart");
        }
        for (Suite.Case c : Suite.CASES) {
            boolean hasBaseline = benchmarks(AtomixBenchmark.class).stream().anyMatch(m -> m.getName().equals(c.method()));
            assertEquals(hasBaseline, c.baseline(), c.method() + ": Suite's baseline flag");
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void layerBenchmarksRunThroughJmh() throws Exception {
        Runner runner = new Runner(new OptionsBuilder()
                .include("io\\.tandem\\.jmh\\.(LogAppend|SegmentWriteMode|Transport|RaftCore|Time)Benchmark\\.")
                .forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(100))
                .param("entryBytes", "128").param("batchSize", "1").param("batchBytes", "161")
                .param("transport", "tandem").param("payloadBytes", "100").param("security", "plain")
                .param("batch", "1").param("where", "leader").threads(1).shouldFailOnError(true).build());
        var results = runner.run();
        Set<String> ran = results.stream().map(r -> r.getParams().getBenchmark()).collect(Collectors.toSet());
        for (Class<?> c : List.of(LogAppendBenchmark.class, SegmentWriteModeBenchmark.class, TransportBenchmark.class,
                RaftCoreBenchmark.class, TimeBenchmark.class)) {
            for (Method m : benchmarks(c)) {
                assertTrue(ran.contains(c.getName() + "." + m.getName()), "did not run: " + c.getSimpleName() + "." + m.getName());
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theReportTurnsJmhJsonIntoATableAndCharts(@TempDir Path dir) throws Exception {
        List<RunResult> results = new ArrayList<>(new Runner(new OptionsBuilder()
                .include("^io\\.tandem\\.jmh\\.PrimitivesBenchmark\\.readStale$").forks(0).warmupIterations(0)
                .measurementIterations(2).measurementTime(TimeValue.milliseconds(200)).mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS).threads(1).shouldFailOnError(true).build()).run());
        Path json = dir.resolve("results.json");
        try (var out = new java.io.PrintStream(Files.newOutputStream(json), true, "UTF-8")) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(results);
        }
        // Pose the same results as the baseline's too, so the ratio column and both charts render.
        String tandem = Files.readString(json).strip();
        String atomix = tandem.replace("PrimitivesBenchmark", "AtomixBenchmark");
        Files.writeString(json, tandem.substring(0, tandem.length() - 1) + "," + atomix.substring(1));
        Path md = dir.resolve("benchmarks.md");
        Files.writeString(md, "# Benchmarks\n\nbefore\n\n" + "<!-- BEGIN GENERATED: tandem-vs-atomix (io.tandem.jmh.report.Report) -->\nold\n"
                + "<!-- END GENERATED: tandem-vs-atomix -->\n\nafter\n");
        Report.main(new String[] {json.toString(), md.toString(), dir.resolve("img").toString()});
        String doc = Files.readString(md);
        assertTrue(doc.contains("| stale read (Atomix: sequential) | 1 |"), doc);
        assertTrue(doc.contains("before") && doc.contains("after") && !doc.contains("\nold\n"), doc);
        assertTrue(doc.contains("1.00×"), doc);
        assertTrue(Files.size(dir.resolve("img/tandem-vs-atomix-throughput.png")) > 1000);
        assertTrue(Files.size(dir.resolve("img/tandem-vs-atomix-latency.png")) > 1000);
    }
}
