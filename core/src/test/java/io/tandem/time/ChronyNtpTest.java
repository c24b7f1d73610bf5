package io.tandem.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.Tandem;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NTP offset source against real chronyd servers on loopback: one serving the local clock,
 * one serving it 250 ms ahead (refclock SOCK fed by the test). Skipped with a message where
 * chronyd is not installed; under CI=true it must run.
 */
@org.junit.jupiter.api.Timeout(120)
class ChronyNtpTest {

    static final long SKEW_MS = 250;

    @TempDir
    static Path dir;
    static Chrony real;
    static Chrony real2;
    static Chrony skewed;

    @BeforeAll
    static void startServers() throws Exception {
        Chrony.require();
        real = new Chrony(dir.resolve("real"), 0);
        real2 = new Chrony(dir.resolve("real2"), 0);
        skewed = new Chrony(dir.resolve("skewed"), SKEW_MS);
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (Chrony c : new Chrony[] {real, real2, skewed}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static NtpStatus measureUntil(List<String> servers, Predicate<NtpStatus> good, String what) {
        SlewedClock clock = new SlewedClock(PhysicalClock.SYSTEM, ClusterTime.MAX_SLEW_PPM);
        NtpOffsetSource src = new NtpOffsetSource(NtpOffsetSource.Settings.of(servers, 64_000), clock,
                PhysicalClock.SYSTEM);
        long deadline = System.nanoTime() + 30_000_000_000L;
        NtpStatus s = null;
        while (System.nanoTime() < deadline) {
            s = src.refreshNow();
            if (good.test(s)) {
                return s;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
        }
        throw new AssertionError("no " + what + " within 30 s; last status " + s + "\nchronyd logs:\n" + real.log()
                + "\n" + skewed.log());
    }

    @Test
    void realServerMeasuresOffsetNearZero() {
        NtpStatus s = measureUntil(List.of(real.address()), NtpStatus::synced, "answer from chronyd");
        System.out.println("chronyd (local clock): offset " + s.offsetMs() + " ms, delay " + s.delayMs()
                + " ms, stratum " + s.stratum());
        assertTrue(Math.abs(s.offsetMs()) <= 20, "offset against a server on this machine: " + s);
        assertEquals(8, s.stratum(), "chronyd serves 'local stratum 8'");
        assertEquals(List.of(real.address()), s.reachable());
        assertTrue(s.delayMs() <= 50, s.toString());
    }

    @Test
    void skewedServerMeasuresTheKnownSkew() {
        NtpStatus s = measureUntil(List.of(skewed.address()), x -> x.synced() && Math.abs(x.offsetMs()) > 100,
                "skewed offset (chronyd selects the SOCK refclock after a few samples)");
        System.out.println("chronyd (+" + SKEW_MS + " ms refclock): offset " + s.offsetMs() + " ms, delay "
                + s.delayMs() + " ms, stratum " + s.stratum());
        assertTrue(Math.abs(s.offsetMs() - SKEW_MS) <= 30, "expected about +" + SKEW_MS + " ms: " + s);
        assertEquals(s.offsetMs(), s.appliedOffsetMs(), "a forward correction applies at once");
    }

    @Test
    void skewedServerAmongTwoGoodOnesIsRejectedAsAnOutlier() {
        // wait until the skewed one really serves skewed time, then ask all three
        measureUntil(List.of(skewed.address()), x -> x.synced() && Math.abs(x.offsetMs() - SKEW_MS) <= 30,
                "skewed offset");
        NtpStatus s = measureUntil(List.of(real.address(), real2.address(), skewed.address()),
                x -> x.synced() && x.reachable().size() == 2, "two kept servers");
        System.out.println("three servers: offset " + s.offsetMs() + " ms, kept " + s.reachable() + ", rejected "
                + s.rejected());
        assertTrue(Math.abs(s.offsetMs()) <= 20, s.toString());
        assertTrue(s.rejected().get(0).startsWith(skewed.address() + " outlier"), s.toString());
    }

    @Test
    void nodeConfiguredWithTheSkewedServerCorrectsItsClocks() {
        measureUntil(List.of(skewed.address()), x -> x.synced() && Math.abs(x.offsetMs() - SKEW_MS) <= 30,
                "skewed offset");
        try (Tandem node = Tandem.builder().nodeId("ntp1").bind("127.0.0.1:0").inMemory()
                .clusterSecret("chrony-test-secret-0123456789").ntpServers(skewed.address()).start()) {
            ClusterTime time = node.time();
            NtpStatus s = time.syncNtpNow();
            assertTrue(Math.abs(s.offsetMs() - SKEW_MS) <= 30, s.toString());
            long lead = HybridTimestamp.physicalOf(time.nowPacked()) - System.currentTimeMillis();
            assertTrue(lead >= SKEW_MS - 40 && lead <= SKEW_MS + 40, "HLC physical part leads the raw clock by "
                    + lead + " ms");
            String text = TimeStatusText.of(time.status());
            assertTrue(text.contains("ntp-reachable: " + skewed.address()), text);
            System.out.println(text);
        }
    }
}
