package io.tandem.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chaos suite: real node processes in network namespaces under partitions, kill -9, pauses,
 * clock skew and packet loss, one run per workload, each checked. Runs only with {@code -Pchaos}
 * (tag {@code chaos}); needs root (namespaces, nft) and skips with a message without it — except
 * under {@code CI=true}, where a skip would hide that the suite did not run, so it fails.
 *
 * <p>Properties: {@code chaos.minutes} (per workload, default 1, fractions allowed),
 * {@code chaos.seed} (hex {@code 0x...} or decimal; default random, always printed),
 * {@code chaos.workloads} (comma-separated, default every workload), {@code chaos.nodes} (3 or 5),
 * {@code chaos.nemeses} (comma-separated {@link Nemesis.Kind}s, default all),
 * {@code chaos.negative} (false skips the stale-read negative control), {@code chaos.lock.maxHold}
 * (default true: some lock holders ask for a maximum hold; false: none do).
 */
@Tag("chaos")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosTest {

    static final Path ROOT = Path.of("target", "chaos").toAbsolutePath();
    static final String ALL = "register,lock,leader,timestamps,watch,queue";
    private static final List<ChaosRun.Outcome> OUTCOMES = new ArrayList<>();

    @BeforeAll
    static void requireRootAndTools() {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("ip", "nft", "iptables", "kill")) {
            if (!Shell.has(tool)) {
                missing.add(tool);
            }
        }
        if (!Files.exists(ChaosCluster.LIBFAKETIME)) {
            missing.add("libfaketime (" + ChaosCluster.LIBFAKETIME + ")");
        }
        String why = !Shell.isRoot() ? "the chaos tests need root (network namespaces, nftables); run as root"
                : !missing.isEmpty() ? "the chaos tests need " + missing + " (apt-get install iproute2 nftables"
                + " iptables faketime)" : null;
        if (why != null) {
            if (ci) {
                fail(why + " — CI=true, so this is a failure, not a skip");
            }
            System.out.println("SKIPPING chaos tests: " + why);
            assumeTrue(false, why);
        }
        ChaosNetwork.removeLeftovers();
    }

    static long seed() {
        String s = System.getProperty("chaos.seed", "").trim();
        if (s.isEmpty()) {
            return new SecureRandom().nextLong();
        }
        return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }

    static Duration duration() {
        double minutes = Double.parseDouble(System.getProperty("chaos.minutes", "1"));
        return Duration.ofMillis(Math.round(minutes * 60_000));
    }

    static int nodes() {
        return Integer.parseInt(System.getProperty("chaos.nodes", "3"));
    }

    @Order(1)
    @TestFactory
    Stream<DynamicTest> workloads() {
        String spec = System.getProperty("chaos.workloads", "").trim();
        List<String> names = List.of((spec.isEmpty() || spec.equals("all") ? ALL : spec).split(","));
        List<Nemesis.Kind> kinds = Nemesis.parse(System.getProperty("chaos.nemeses", "all"));
        return names.stream().map(String::trim).map(name -> DynamicTest.dynamicTest(name, () -> {
            long seed = seed();
            ChaosRun.Outcome outcome = ChaosRun.run(name, seed, duration(), nodes(), kinds, ROOT);
            OUTCOMES.add(outcome);
            assertTrue(outcome.verdict().ok(), () -> "CHAOS " + name + " FAILED seed=0x" + Long.toHexString(seed)
                    + "\nreplay: " + ChaosRun.replay(name, seed) + "\nreport: " + outcome.dir() + "\n"
                    + outcome.verdict().report());
            assertTrue(outcome.verdict().operations() > 0, "the workload recorded no operations: " + outcome.dir());
        }));
    }

    /**
     * Negative control: clients that read with {@code STALE} consistency under partitions; the
     * linearizability checker must report the stale reads. Two attempts, since a run's faults are
     * random.
     */
    @Order(2)
    @Test
    void staleReadsUnderPartitionAreCaught() throws Exception {
        assumeTrue(Boolean.parseBoolean(System.getProperty("chaos.negative", "true")), "chaos.negative=false");
        List<Nemesis.Kind> partitions = List.of(Nemesis.Kind.ISOLATE_LEADER, Nemesis.Kind.MAJORITY_MINORITY,
                Nemesis.Kind.PARTITION_HALVES);
        List<String> reports = new ArrayList<>();
        for (int attempt = 0; attempt < 2; attempt++) {
            long seed = seed();
            ChaosRun.Outcome outcome = ChaosRun.run("register-stale", seed, Duration.ofSeconds(40), nodes(),
                    partitions, ROOT);
            OUTCOMES.add(outcome);
            if (!outcome.verdict().ok()) {
                assertTrue(outcome.verdict().report().contains("NOT LINEARIZABLE"), outcome.verdict().report());
                return;
            }
            reports.add(outcome.summary());
        }
        fail("stale reads under partitions were not caught in two runs: " + reports);
    }

    @Order(3)
    @Test
    void nothingIsLeftBehind() {
        // Nothing removed here first: what the runs' own teardown left is what is checked.
        assertEquals(List.of(), ChaosNetwork.ownNamespaces(), "namespaces left behind");
        String hostRules = Shell.tryRun(null, "nft", "list", "tables").output();
        assertFalse(hostRules.contains("chaos"), "a chaos nft table in the host's namespace: " + hostRules);
        // Processes whose command line names this suite's report directory (nodes' data dirs, clients' histories).
        String root = ROOT.toString();
        String pattern = "[" + root.charAt(0) + "]" + root.substring(1);
        String procs = Shell.tryRun(null, "sh", "-c", "ps -eo args | grep -c -e '" + pattern + "/'; true")
                .output().trim();
        assertEquals("0", procs, "client or node processes left running");
    }

    @AfterAll
    static void summary() {
        ChaosNetwork.removeLeftovers();
        if (!OUTCOMES.isEmpty()) {
            System.out.println("CHAOS SUMMARY");
            OUTCOMES.forEach(o -> System.out.println("  " + o.summary()));
        }
    }
}
