package io.tandem.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.TandemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Property tests of the HLC over a hand-driven physical clock (offset shapes after TigerBeetle's time tests). */
class HybridClockTest {

    /** A physical clock the test moves by hand. */
    static final class ManualClock implements PhysicalClock {
        long ms;

        ManualClock(long ms) {
            this.ms = ms;
        }

        @Override
        public long millis() {
            return ms;
        }
    }

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 0x5eed, 987654321})
    void monotonicUnderJumpsDriftAndRemoteBursts(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ManualClock phys = new ManualClock(1_700_000_000_000L);
        long maxOffset = 500;
        HybridClock hlc = new HybridClock(phys, maxOffset);
        long prev = 0;
        long maxAdopted = 0;
        double drift = 1 + (rnd.nextDouble() - 0.5) * 0.2; // +-10% rate
        double carry = 0;
        for (int step = 0; step < 200_000; step++) {
            int what = rnd.nextInt(100);
            if (what < 2) {
                phys.ms -= rnd.nextLong(1, 60_000); // stepped backwards, up to a minute
            } else if (what < 4) {
                phys.ms += rnd.nextLong(1, 60_000); // stepped forwards
            } else {
                carry += rnd.nextInt(3) * drift;
                phys.ms += (long) carry;
                carry -= (long) carry;
            }
            long v;
            if (rnd.nextInt(10) == 0) {
                // a burst of remote timestamps, some within and some beyond the max offset
                long remote = HybridTimestamp.pack(phys.ms + rnd.nextLong(-2000, 1000), rnd.nextInt(1 << 16));
                boolean adoptable = HybridTimestamp.physicalOf(remote) - phys.ms <= maxOffset;
                v = hlc.update(remote);
                if (adoptable) {
                    assertTrue(v > remote, "seed " + seed + " step " + step + ": " + v + " not above remote " + remote);
                    maxAdopted = Math.max(maxAdopted, remote);
                }
            } else {
                v = hlc.now();
            }
            assertTrue(v > prev, "seed " + seed + " step " + step + ": " + HybridTimestamp.fromPacked(v)
                    + " after " + HybridTimestamp.fromPacked(prev));
            assertTrue(v > maxAdopted, "seed " + seed + ": below an adopted remote timestamp");
            assertTrue(HybridTimestamp.physicalOf(v) >= phys.ms, "never behind the physical clock");
            prev = v;
        }
    }

    @Test
    void physicalPartTracksTheClockAndLogicalCountsWithinAMillisecond() {
        ManualClock phys = new ManualClock(1000);
        HybridClock hlc = new HybridClock(phys, 500);
        assertEquals(new HybridTimestamp(1000, 0), HybridTimestamp.fromPacked(hlc.now()));
        assertEquals(new HybridTimestamp(1000, 1), HybridTimestamp.fromPacked(hlc.now()));
        phys.ms = 900; // backwards: logical keeps counting on the old physical part
        assertEquals(new HybridTimestamp(1000, 2), HybridTimestamp.fromPacked(hlc.now()));
        phys.ms = 1001;
        assertEquals(new HybridTimestamp(1001, 0), HybridTimestamp.fromPacked(hlc.now()));
    }

    @Test
    void logicalOverflowCarriesIntoTheNextMillisecond() {
        ManualClock phys = new ManualClock(5);
        HybridClock hlc = new HybridClock(phys, 500);
        hlc.update(HybridTimestamp.pack(5, HybridTimestamp.MAX_LOGICAL - 1));
        assertEquals(new HybridTimestamp(6, 0), HybridTimestamp.fromPacked(hlc.now()));
    }

    @Test
    void remoteTimestampBeyondMaxOffsetIsNotAdoptedButCountedAndReported() {
        ManualClock phys = new ManualClock(10_000);
        HybridClock hlc = new HybridClock(phys, 500);
        long within = HybridTimestamp.pack(10_400, 7);
        assertTrue(hlc.update(within) > within);
        assertEquals(0, hlc.skewEvents());
        assertFalse(hlc.rejectedRecently());
        long far = HybridTimestamp.pack(20_000, 0);
        long v = hlc.update(far);
        assertTrue(v < far, "a timestamp 10 s ahead must not drag the clock along");
        assertEquals(1, hlc.skewEvents());
        assertEquals(10_000, hlc.lastSkewLeadMs());
        assertTrue(hlc.rejectedRecently());
        phys.ms += HybridClock.SKEW_REPORT_MS;
        assertFalse(hlc.rejectedRecently(), "the skew report fades after a minute");
    }

    @Test
    void neverGoesBackwardsAcrossARestartEvenIfTheClockWasSteppedBack() {
        ManualClock phys = new ManualClock(1_000_000);
        HybridClock first = new HybridClock(phys, 500, new HlcFile(dir), 1000);
        long last = 0;
        for (int i = 0; i < 1000; i++) {
            phys.ms += 3;
            last = first.now();
            first.maintain();
        }
        // a remote timestamp within the max offset pushes the clock past the written bound: written at once
        last = first.update(HybridTimestamp.pack(phys.ms + 499, 0));
        assertTrue(first.persistedBoundMs() > HybridTimestamp.physicalOf(last));
        phys.ms -= 30_000; // the machine comes back with its clock 30 s behind
        HybridClock second = new HybridClock(phys, 500, new HlcFile(dir), 1000);
        long after = second.now();
        assertTrue(after > last, HybridTimestamp.fromPacked(after) + " not after " + HybridTimestamp.fromPacked(last));
        assertTrue(second.restoredBoundMs() > HybridTimestamp.physicalOf(last));
    }

    @Test
    void markIsWrittenAheadInWindowsNotOnEveryCall() throws Exception {
        int[] writes = {0};
        ManualClock phys = new ManualClock(1000);
        HybridClock.HighWaterMark counting = new HybridClock.HighWaterMark() {
            long bound;

            @Override
            public long load() {
                return bound;
            }

            @Override
            public void store(long boundMs) {
                writes[0]++;
                bound = boundMs;
            }
        };
        HybridClock hlc = new HybridClock(phys, 500, counting, 1000);
        for (int i = 0; i < 10_000; i++) {
            phys.ms++;
            hlc.now();
            if (i % 100 == 0) {
                hlc.maintain();
            }
        }
        assertTrue(writes[0] >= 10 && writes[0] <= 25, "10 s of clock with a 1 s window: " + writes[0] + " writes");
    }

    @Test
    void damagedMarkStopsStartUp() throws Exception {
        new HlcFile(dir).store(123_456);
        assertEquals(123_456, new HlcFile(dir).load());
        byte[] b = Files.readAllBytes(dir.resolve("hlc.bin"));
        b[10] ^= 1;
        Files.write(dir.resolve("hlc.bin"), b);
        TandemException e = assertThrows(TandemException.class, () -> new HlcFile(dir).load());
        assertTrue(e.getMessage().contains("CRC mismatch"), e.getMessage());
        Files.writeString(dir.resolve("hlc.bin.tmp"), "half-written");
        Files.delete(dir.resolve("hlc.bin"));
        assertEquals(0, new HlcFile(dir).load(), "a leftover temp file is an unfinished save");
    }

    @Test
    void tieBreakByNodeIdGivesATotalOrder() {
        long t = HybridTimestamp.pack(100, 3);
        assertTrue(HybridTimestamp.compareWithTieBreak(t, "a", t, "b") < 0);
        assertTrue(HybridTimestamp.compareWithTieBreak(t + 1, "a", t, "b") > 0);
        assertEquals(0, HybridTimestamp.compareWithTieBreak(t, "a", t, "a"));
    }
}
