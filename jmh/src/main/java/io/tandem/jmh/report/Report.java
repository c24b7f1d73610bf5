package io.tandem.jmh.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Turns the JMH JSON of {@link io.tandem.jmh.Suite} into the "Tandem vs atomix-raft" section of
 * {@code docs/benchmarks.md} (between the {@code BEGIN/END GENERATED} markers, replacing what is
 * there, or appended at the end) and two PNG charts in {@code docs/img/}.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar io.tandem.jmh.report.Report results.json docs/benchmarks.md docs/img
 * </pre>
 *
 * <p>Throughput per case is the median over every measured iteration of every fork, with the
 * min–max beside it. It is JMH's throughput-mode score where that mode ran, otherwise derived
 * from sample-time mode as {@code threads / mean latency} per iteration (the callers are closed
 * loops, so the two agree). Latency percentiles are JMH's sample-time percentiles over all
 * samples of all forks. Ratios pair the two sides of the same operation and thread count.
 */
public final class Report {

    static final String BEGIN = "<!-- BEGIN GENERATED: tandem-vs-atomix (io.tandem.jmh.report.Report) -->";
    static final String END = "<!-- END GENERATED: tandem-vs-atomix -->";
    static final String TANDEM = "PrimitivesBenchmark";
    static final String ATOMIX = "AtomixBenchmark";

    static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("lockDistinct", "lock acquire+release, distinct locks");
        LABELS.put("lockShared", "lock acquire+release, one shared lock");
        LABELS.put("write128", "data write 128 B");
        LABELS.put("write1k", "data write 1 KiB");
        LABELS.put("compareAndWrite", "compare-and-write 128 B");
        LABELS.put("readLinearizable", "linearizable read");
        LABELS.put("readStale", "stale read (Atomix: sequential)");
        LABELS.put("timestamp", "nextTimestamp (Atomix: counter increment)");
        LABELS.put("electResign", "leader elect + resign");
        LABELS.put("timeNow", "time.now() (no baseline)");
        LABELS.put("taskSubmitCompleted", "task submit → completed (no baseline)");
    }

    /** One (side, operation, threads, storage) cell. */
    static final class Cell {
        final List<Double> opsPerIteration = new ArrayList<>();
        boolean throughputMode;
        double p50Us = Double.NaN;
        double p99Us = Double.NaN;
        int forks;
        boolean inProcess;
        long samples;
        /** One entry per JSON file (run) merged into this cell: its median throughput and percentiles. */
        final List<Double> runMedians = new ArrayList<>();
        final List<Double> runP50s = new ArrayList<>();
        final List<Double> runP99s = new ArrayList<>();

        double median() {
            return Report.median(opsPerIteration);
        }

        /** Adds one run's cell: its iterations join this cell's, its percentiles are kept per run. */
        void merge(Cell run) {
            opsPerIteration.addAll(run.opsPerIteration);
            runMedians.add(run.median());
            if (!Double.isNaN(run.p50Us)) {
                runP50s.add(run.p50Us);
                runP99s.add(run.p99Us);
                p50Us = Report.median(runP50s);
                p99Us = Report.median(runP99s);
            }
            throughputMode |= run.throughputMode;
            inProcess |= run.inProcess;
            forks += run.inProcess ? 1 : run.forks;
            samples += run.samples;
        }

        double min() {
            return opsPerIteration.isEmpty() ? Double.NaN : Collections.min(opsPerIteration);
        }

        double max() {
            return opsPerIteration.isEmpty() ? Double.NaN : Collections.max(opsPerIteration);
        }
    }

    record Key(String method, int threads, String storage) { }

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: Report results.json[,more.json...] docs/benchmarks.md docs/img");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        List<Path> jsons = new ArrayList<>();
        for (String f : args[0].split(",")) {
            jsons.add(Path.of(f));
        }
        Path md = Path.of(args[1]);
        Path img = Path.of(args[2]);
        Map<String, Map<Key, Cell>> sides = readAll(jsons);
        Map<Key, Cell> tandem = sides.getOrDefault(TANDEM, Map.of());
        Map<Key, Cell> atomix = sides.getOrDefault(ATOMIX, Map.of());
        if (tandem.isEmpty()) {
            throw new IllegalStateException(jsons + " hold no " + TANDEM + " results");
        }
        Files.createDirectories(img);
        List<String> envs = new ArrayList<>();
        for (int i = 0; i < jsons.size(); i++) {
            String e = readEnv(Path.of(jsons.get(i) + ".env"));
            if (!e.isEmpty()) {
                envs.add(jsons.size() > 1 ? "Run " + (i + 1) + ": " + e : e);
            }
        }
        String env = String.join(" ", envs);
        String names = String.join("`, `", jsons.stream().map(j -> j.getFileName().toString()).toList());
        String section = markdown(tandem, atomix, names, env,
                md.toAbsolutePath().getParent().relativize(img.toAbsolutePath()));
        charts(tandem, atomix, img);
        String doc = Files.exists(md) ? Files.readString(md) : "# Benchmarks\n";
        int b = doc.indexOf(BEGIN);
        int e = doc.indexOf(END);
        String updated;
        if (b >= 0 && e > b) {
            updated = doc.substring(0, b) + section + doc.substring(e + END.length());
        } else {
            updated = doc.stripTrailing() + "\n\n" + section + "\n";
        }
        Files.writeString(md, updated, StandardCharsets.UTF_8);
        System.out.println("wrote the tandem-vs-atomix section of " + md + " and charts in " + img);
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads several result files — independent runs of the suite, each in its own JVM with its
     * own clusters — and merges them cell by cell (see {@link Cell#merge}).
     */
    static Map<String, Map<Key, Cell>> readAll(List<Path> jsons) throws IOException {
        Map<String, Map<Key, Cell>> merged = new LinkedHashMap<>();
        for (Path json : jsons) {
            for (Map.Entry<String, Map<Key, Cell>> side : read(json).entrySet()) {
                for (Map.Entry<Key, Cell> cell : side.getValue().entrySet()) {
                    merged.computeIfAbsent(side.getKey(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(cell.getKey(), k -> new Cell()).merge(cell.getValue());
                }
            }
        }
        return merged;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<Key, Cell>> read(Path json) throws IOException {
        List<Object> runs = (List<Object>) Json.parse(Files.readString(json));
        Map<String, Map<Key, Cell>> sides = new LinkedHashMap<>();
        for (Object o : runs) {
            Map<String, Object> run = (Map<String, Object>) o;
            String benchmark = (String) run.get("benchmark");
            String[] parts = benchmark.split("\\.");
            if (parts.length < 2) {
                continue;
            }
            String side = parts[parts.length - 2];
            String method = parts[parts.length - 1];
            if (!side.equals(TANDEM) && !side.equals(ATOMIX)) {
                continue;
            }
            int threads = ((Double) run.get("threads")).intValue();
            Map<String, Object> params = (Map<String, Object>) run.getOrDefault("params", Map.of());
            String storage = (String) params.getOrDefault("storage", "disk");
            Cell cell = sides.computeIfAbsent(side, k -> new LinkedHashMap<>())
                    .computeIfAbsent(new Key(method, threads, storage), k -> new Cell());
            Map<String, Object> metric = (Map<String, Object>) run.get("primaryMetric");
            String mode = (String) run.get("mode");
            cell.inProcess = run.get("forks") instanceof Double f && f == 0;
            String unit = (String) metric.get("scoreUnit");
            if (mode.equals("thrpt")) {
                double perSecond = perSecond(unit);
                cell.opsPerIteration.clear();
                List<Object> forks = (List<Object>) metric.get("rawData");
                cell.forks = forks.size();
                for (Object f : forks) {
                    for (Object it : (List<Object>) f) {
                        cell.opsPerIteration.add(((Double) it) * perSecond);
                    }
                }
                cell.throughputMode = true;
            } else if (mode.equals("sample")) {
                double toUs = microsPer(unit);
                Map<String, Object> pct = (Map<String, Object>) metric.get("scorePercentiles");
                cell.p50Us = ((Double) pct.get("50.0")) * toUs;
                cell.p99Us = ((Double) pct.get("99.0")) * toUs;
                List<Object> forks = (List<Object>) metric.get("rawDataHistogram");
                if (!cell.throughputMode) {
                    cell.forks = forks.size();
                }
                for (Object f : forks) {
                    for (Object it : (List<Object>) f) {
                        double sum = 0;
                        long count = 0;
                        for (Object pair : (List<Object>) it) {
                            List<Object> p = (List<Object>) pair;
                            double v = (Double) p.get(0);
                            long c = ((Double) p.get(1)).longValue();
                            sum += v * c;
                            count += c;
                        }
                        cell.samples += count;
                        if (!cell.throughputMode && count > 0) {
                            double meanUs = sum / count * toUs;
                            cell.opsPerIteration.add(threads * 1e6 / meanUs);
                        }
                    }
                }
            }
        }
        return sides;
    }

    private static double perSecond(String unit) {
        return switch (unit) {
            case "ops/s" -> 1;
            case "ops/ms" -> 1e3;
            case "ops/us" -> 1e6;
            case "ops/ns" -> 1e9;
            case "ops/min" -> 1 / 60.0;
            default -> throw new IllegalArgumentException("throughput unit " + unit);
        };
    }

    private static double microsPer(String unit) {
        return switch (unit) {
            case "s/op" -> 1e6;
            case "ms/op" -> 1e3;
            case "us/op" -> 1;
            case "ns/op" -> 1e-3;
            default -> throw new IllegalArgumentException("time unit " + unit);
        };
    }

    private static String readEnv(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p).strip() : "";
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    // ---------------------------------------------------------------- markdown

    static String markdown(Map<Key, Cell> tandem, Map<Key, Cell> atomix, String json, String env, Path imgRel) {
        StringBuilder b = new StringBuilder();
        b.append(BEGIN).append("\n\n");
        int forks = tandem.values().stream().mapToInt(c -> c.forks).max().orElse(0);
        boolean inProcess = tandem.values().stream().anyMatch(c -> c.inProcess);
        String runs = inProcess ? forks + " independent run(s) of the suite, each its own JVM with its own clusters"
                + " (in-process: one cluster per side kept across that run's cases)"
                : forks + " fork(s) per case";
        b.append(String.format(Locale.ROOT, "Generated %s from `%s` by `io.tandem.jmh.report.Report`. "
                + "%s; throughput = median over all measured iterations of all runs/forks, in brackets the "
                + "lowest and highest per-run median (the spread between runs; one run: lowest and highest "
                + "iteration); p50/p99 = median over runs of JMH sample-time percentiles. "
                + "Ratio = Tandem ÷ Atomix throughput of the same case, measured back to back. Machine: %d vCPU, %s %s, "
                + "%s %s.%s%n%n", LocalDate.now(), json, runs,
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), env.isEmpty() ? "" : " " + env));
        for (String storage : List.of("disk", "memory")) {
            List<Key> keys = ordered(tandem, storage);
            if (keys.isEmpty()) {
                continue;
            }
            b.append(storage.equals("disk")
                    ? "**Storage: disk, fsync on** (Tandem: fsync before acknowledging; Atomix: `StorageLevel.DISK` + `flushOnCommit`)\n\n"
                    : "**Storage: in memory** (no fsync on either side; not comparable to the disk numbers)\n\n");
            b.append("| operation | threads | Tandem ops/s | Atomix ops/s | ratio | Tandem p50 / p99 µs | Atomix p50 / p99 µs |\n");
            b.append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (Key k : keys) {
                Cell t = tandem.get(k);
                Cell a = atomix.get(k);
                b.append("| ").append(LABELS.getOrDefault(k.method(), k.method())).append(" | ").append(k.threads())
                        .append(" | ").append(ops(t)).append(" | ").append(a == null ? "—" : ops(a)).append(" | ")
                        .append(a == null ? "—" : ratio(t.median() / a.median())).append(" | ")
                        .append(latency(t)).append(" | ").append(a == null ? "—" : latency(a)).append(" |\n");
            }
            b.append('\n');
        }
        b.append("\\* throughput derived from sample-time mode as threads ÷ mean latency (quick mode runs "
                + "sample-time only); unmarked figures are JMH throughput-mode scores.\n\n");
        b.append(targets(tandem, atomix));
        b.append("\n![Throughput, Tandem vs Atomix](").append(imgRel.resolve("tandem-vs-atomix-throughput.png"))
                .append(")\n\n![p50 latency at 1 thread](").append(imgRel.resolve("tandem-vs-atomix-latency.png"))
                .append(")\n\n").append(END);
        return b.toString();
    }

    static List<Key> ordered(Map<Key, Cell> cells, String storage) {
        List<Key> keys = new ArrayList<>();
        for (String m : LABELS.keySet()) {
            cells.keySet().stream().filter(k -> k.method().equals(m) && k.storage().equals(storage))
                    .sorted((x, y) -> Integer.compare(x.threads(), y.threads())).forEach(keys::add);
        }
        cells.keySet().stream().filter(k -> !LABELS.containsKey(k.method()) && k.storage().equals(storage))
                .forEach(keys::add);
        return keys;
    }

    static String targets(Map<Key, Cell> tandem, Map<Key, Cell> atomix) {
        StringBuilder b = new StringBuilder("**Targets** (disk, fsync on):\n\n| target | measured | verdict |\n|---|---:|---|\n");
        Function<Key, Cell> t = tandem::get;
        Cell lock1 = t.apply(new Key("lockDistinct", 1, "disk"));
        target(b, "lock+unlock, 1 thread, p50 ≤ 400 µs", lock1 == null ? Double.NaN : lock1.p50Us,
                v -> fmt(v) + " µs", v -> v <= 400);
        Cell lock8 = t.apply(new Key("lockDistinct", 8, "disk"));
        target(b, "lock+unlock, 8 threads, distinct locks ≥ 20,000/s", lock8 == null ? Double.NaN : lock8.median(),
                v -> fmt(v) + " /s", v -> v >= 20_000);
        Cell w64 = t.apply(new Key("write128", 64, "disk"));
        target(b, "data writes (128 B), 64 threads ≥ 50,000/s", w64 == null ? Double.NaN : w64.median(),
                v -> fmt(v) + " /s", v -> v >= 50_000);
        Cell r64 = t.apply(new Key("readLinearizable", 64, "disk"));
        target(b, "linearizable reads, 64 threads ≥ 150,000/s", r64 == null ? Double.NaN : r64.median(),
                v -> fmt(v) + " /s", v -> v >= 150_000);
        int met = 0;
        int all = 0;
        double worst = Double.POSITIVE_INFINITY;
        for (Key k : ordered(tandem, "disk")) {
            Cell a = atomix.get(k);
            if (a == null) {
                continue;
            }
            double r = tandem.get(k).median() / a.median();
            all++;
            if (r >= 10) {
                met++;
            }
            worst = Math.min(worst, r);
        }
        if (all > 0) {
            b.append(String.format(Locale.ROOT, "| ≥ 10× Atomix on every shared operation | %d of %d cases; lowest ratio %s | %s |%n",
                    met, all, ratio(worst), met == all ? "met" : "**missed**"));
        }
        return b.toString();
    }

    private static void target(StringBuilder b, String what, double v, Function<Double, String> show,
            java.util.function.DoublePredicate ok) {
        b.append("| ").append(what).append(" | ").append(Double.isNaN(v) ? "not run" : show.apply(v)).append(" | ")
                .append(Double.isNaN(v) ? "—" : ok.test(v) ? "met" : "**missed**").append(" |\n");
    }

    static String ops(Cell c) {
        if (c == null || c.opsPerIteration.isEmpty()) {
            return "—";
        }
        boolean severalRuns = c.runMedians.size() > 1;
        double lo = severalRuns ? Collections.min(c.runMedians) : c.min();
        double hi = severalRuns ? Collections.max(c.runMedians) : c.max();
        return fmt(c.median()) + " (" + fmt(lo) + "–" + fmt(hi) + ")" + (c.throughputMode ? "" : "*");
    }

    static String latency(Cell c) {
        return Double.isNaN(c.p50Us) ? "—" : fmt(c.p50Us) + " / " + fmt(c.p99Us);
    }

    static String ratio(double r) {
        if (Double.isNaN(r) || Double.isInfinite(r)) {
            return "—";
        }
        String s = r >= 10 ? String.format(Locale.ROOT, "%.0f×", r) : String.format(Locale.ROOT, "%.2f×", r);
        return r >= 10 ? "**" + s + "**" : s;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    // ---------------------------------------------------------------- charts

    static void charts(Map<Key, Cell> tandem, Map<Key, Cell> atomix, Path img) throws IOException {
        List<String> cats = new ArrayList<>();
        List<Double> tv = new ArrayList<>();
        List<Double> av = new ArrayList<>();
        for (Key k : ordered(tandem, "disk")) {
            Cell a = atomix.get(k);
            if (a == null) {
                continue;
            }
            cats.add(k.method() + " ×" + k.threads());
            tv.add(Math.max(1, tandem.get(k).median()));
            av.add(Math.max(1, a.median()));
        }
        saveChart(img.resolve("tandem-vs-atomix-throughput"), 1200, 600,
                "Throughput, 3 nodes, fsync on (ops/s, log scale)", "operation × threads", "ops/s", cats, tv, av);
        List<String> lcats = new ArrayList<>();
        List<Double> tl = new ArrayList<>();
        List<Double> al = new ArrayList<>();
        for (Key k : ordered(tandem, "disk")) {
            Cell a = atomix.get(k);
            Cell t = tandem.get(k);
            if (k.threads() != 1 || a == null || Double.isNaN(t.p50Us) || Double.isNaN(a.p50Us)) {
                continue;
            }
            lcats.add(k.method());
            tl.add(Math.max(0.01, t.p50Us));
            al.add(Math.max(0.01, a.p50Us));
        }
        saveChart(img.resolve("tandem-vs-atomix-latency"), 1000, 550,
                "p50 latency, 1 thread, 3 nodes, fsync on (µs, log scale)", "operation", "µs", lcats, tl, al);
    }

    /** A log-scale bar chart of Tandem against Atomix per category, as a PNG; nothing if there is no category. */
    private static void saveChart(Path file, int width, int height, String title, String xTitle, String yTitle,
            List<String> cats, List<Double> tandem, List<Double> atomix) throws IOException {
        if (cats.isEmpty()) {
            return;
        }
        CategoryChart c = new CategoryChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(c, tandem, atomix);
        c.addSeries("Tandem", cats, tandem);
        c.addSeries("Atomix 3.1.12 (atomix-raft)", cats, atomix);
        BitmapEncoder.saveBitmap(c, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void style(CategoryChart c, List<Double> a, List<Double> b) {
        double min = Math.min(Collections.min(a), Collections.min(b));
        double max = Math.max(Collections.max(a), Collections.max(b));
        c.getStyler().setYAxisLogarithmic(true);
        // Bars start at the axis minimum; a log axis needs it above zero.
        c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        c.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max * 1.01))));
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setXAxisLabelRotation(45);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    }
}
