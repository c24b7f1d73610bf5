package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.Tandem;
import io.tandem.check.TimestampChecker;
import io.tandem.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes, n3 started under libfaketime with its wall clock 250 ms ahead
 * (Debian {@code faketime}; the monotonic clock is left alone). The max clock offset is 100 ms,
 * so the skew must show in status; the HLC and the oracle must keep their guarantees anyway,
 * also across a leader kill. A fourth node in this JVM joins as a learner to draw timestamps.
 */
@org.junit.jupiter.api.parallel.Isolated
@org.junit.jupiter.api.Timeout(180)
class TimeSkewProcessTest {

    static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
    private static final Pattern LEADER = Pattern.compile("(?m)^leader:\\s+(\\S+)$");

    @TempDir
    Path dir;

    static void requireFaketime() {
        boolean present = Files.exists(LIBFAKETIME);
        String how = "libfaketime not found at " + LIBFAKETIME + ": install it with 'sudo apt-get install faketime'"
                + " (.ci/run does)";
        if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + how);
        }
        Assumptions.assumeTrue(present, how);
    }

    @Test
    void skewedNodeIsReportedAndTimeGuaranteesHold() throws Exception {
        requireFaketime();
        try (NodeProcesses nodes = new NodeProcesses(dir, 3)) {
            nodes.extraFlags.addAll(List.of("--max-clock-offset-ms", "100"));
            nodes.env.put("n3", Map.of("LD_PRELOAD", LIBFAKETIME.toString(), "FAKETIME", "+0.25",
                    "FAKETIME_DONT_FAKE_MONOTONIC", "1"));
            nodes.startAll();
            String leader = awaitLeader(nodes, "n1");
            List<String> seeds = new ArrayList<>();
            nodes.ports.keySet().forEach(id -> seeds.add(nodes.address(id)));
            try (Tandem obs = Tandem.builder().nodeId("obs").bind("127.0.0.1:0").seeds(seeds)
                    .inMemory().clusterName(NodeProcesses.CLUSTER).clusterSecret(NodeProcesses.SECRET)
                    .tick(Duration.ofMillis(25)).electionTimeoutTicks(10).sessionTimeout(Duration.ofSeconds(3))
                    .requestTimeout(Duration.ofSeconds(5)).maxClockOffset(Duration.ofMillis(100)).start()) {
                List<TimestampChecker.Call> calls = new ArrayList<>();
                long prevHlc = 0;
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < until) {
                    prevHlc = drawOne(obs, calls, prevHlc);
                }
                nodes.kill(leader);
                // At least 6 s across the fail-over, and on until 10 timestamps came after it (a loaded
                // machine fails over more slowly), within a generous deadline.
                until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int before = calls.size();
                while ((System.nanoTime() < until || calls.size() <= before + 10) && System.nanoTime() < deadline) {
                    prevHlc = drawOne(obs, calls, prevHlc);
                }
                assertTrue(calls.size() > before + 10, "timestamps after the leader kill: " + (calls.size() - before));
                assertNull(TimestampChecker.check(calls));
                String survivor = leader.equals("n1") ? "n2" : "n1";
                String n3 = leader.equals("n3") ? null : status(nodes, "n3");
                String other = status(nodes, survivor);
                System.out.println("faketime test: " + calls.size() + " timestamps, first leader " + leader
                        + " killed\n--- n3 status\n" + n3 + "\n--- " + survivor + " status\n" + other);
                if (n3 != null) {
                    assertTrue(n3.contains("clock-skewed: yes"), n3);
                } else {
                    assertTrue(other.contains("clock-skewed: yes") || obs.time().status().skewed(), other);
                }
                assertTrue(obs.time().status().skewEvents() > 0 || obs.time().status().skewed()
                        || (n3 != null && n3.contains("clock-skewed: yes")), "skew reported somewhere");
            }
        }
    }

    private static long drawOne(Tandem obs, List<TimestampChecker.Call> calls, long prevHlc) {
        long start = System.nanoTime();
        try {
            long v = obs.time().nextTimestamp();
            calls.add(new TimestampChecker.Call("obs", start, System.nanoTime(), v));
        } catch (io.tandem.TandemTimeoutException e) {
            // during the election after the kill; the call's outcome is unknown and not recorded
        }
        long hlc = obs.time().nowPacked();
        assertTrue(hlc > prevHlc, "the observer's HLC went backwards");
        return hlc;
    }

    private static String awaitLeader(NodeProcesses nodes, String via) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = LEADER.matcher(status(nodes, via));
            if (m.find() && !m.group(1).equals("none")) {
                return m.group(1);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
        }
        throw new AssertionError("no leader within 60 s\n" + nodes.logTail("n1") + "\n" + nodes.logTail("n3"));
    }

    private static String status(NodeProcesses nodes, String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            Main.run(new String[] {"status", "--node", nodes.address(id), "--cluster-secret", NodeProcesses.SECRET,
                    "--cluster-name", NodeProcesses.CLUSTER}, Map.of(), o, e);
        }
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }
}
