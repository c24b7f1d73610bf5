package io.tandem.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NtpOffsetSourceTest {

    private static NtpOffsetSource.Sample s(long offset, long delay) {
        return new NtpOffsetSource.Sample(offset, delay, 2);
    }

    @Test
    void keepsTheLowestDelaySamplesAndTakesTheirMedian() {
        Map<String, List<NtpOffsetSource.Sample>> a = new LinkedHashMap<>();
        // the two slow samples were disturbed by queueing; their offsets are off
        a.put("a", List.of(s(10, 1), s(300, 80), s(12, 2), s(-200, 90)));
        NtpOffsetSource.Combined c = NtpOffsetSource.combine(a, 3_600_000, 100);
        assertTrue(c.ok());
        assertEquals(11, c.offsetMs());
        assertEquals(1, c.delayMs());
    }

    @Test
    void medianAcrossServersAndFalsetickersDropped() {
        Map<String, List<NtpOffsetSource.Sample>> a = new LinkedHashMap<>();
        a.put("a", List.of(s(5, 1)));
        a.put("b", List.of(s(7, 1)));
        a.put("c", List.of(s(250, 1))); // a falseticker
        NtpOffsetSource.Combined c = NtpOffsetSource.combine(a, 3_600_000, 100);
        assertEquals(List.of("a", "b"), c.kept());
        assertEquals(6, c.offsetMs());
        assertTrue(c.rejected().get(0).startsWith("c outlier"), c.rejected().toString());
    }

    @Test
    void insaneAndUnsynchronisedAnswersAreRejected() {
        Map<String, List<NtpOffsetSource.Sample>> a = new LinkedHashMap<>();
        a.put("insane", List.of(s(86_400_000, 1)));
        a.put("unsync", List.of(new NtpOffsetSource.Sample(3, 1, 16)));
        NtpOffsetSource.Combined c = NtpOffsetSource.combine(a, 3_600_000, 100);
        assertFalse(c.ok());
        assertEquals(2, c.rejected().size());
    }

    @Test
    void noServersMeansOffsetZeroAndStatusSaysSo() {
        SlewedClock clock = new SlewedClock(() -> 1000, 50_000);
        NtpOffsetSource src = new NtpOffsetSource(NtpOffsetSource.Settings.of(List.of(), 64_000), clock, () -> 1000);
        assertFalse(src.enabled());
        assertEquals(0, src.refreshNow().offsetMs());
        assertTrue(src.status().lastError().contains("no NTP servers"));
    }

    @Test
    void unreachableServersBackOffAndKeepTheLastOffset() {
        Deque<Object> answers = new ArrayDeque<>(List.of(s(40, 2), s(40, 2), s(40, 2), s(40, 2)));
        NtpOffsetSource.Querier q = (host, port, timeout) -> {
            Object a = answers.poll();
            if (a == null) {
                throw new IOException("timed out");
            }
            return (NtpOffsetSource.Sample) a;
        };
        SlewedClock clock = new SlewedClock(() -> 1000, 50_000);
        NtpOffsetSource src = new NtpOffsetSource(NtpOffsetSource.Settings.of(List.of("time.example:123"), 64_000),
                clock, () -> 1000, q);
        assertEquals(40, src.refreshNow().offsetMs());
        assertEquals(64_000, src.nextDelayMs());
        assertEquals(40, clock.appliedOffsetMs(), "forward corrections apply at once");
        NtpStatus failed = src.refreshNow();
        assertEquals(40, failed.offsetMs(), "the last good offset stays");
        assertTrue(failed.reachable().isEmpty());
        assertEquals(1000, src.nextDelayMs());
        src.refreshNow();
        assertEquals(2000, src.nextDelayMs());
        src.refreshNow();
        assertEquals(4000, src.nextDelayMs());
    }

    @Test
    void hostAndPortParsing() {
        assertEquals("127.0.0.1", NtpOffsetSource.host("127.0.0.1:11123"));
        assertEquals(11123, NtpOffsetSource.port("127.0.0.1:11123"));
        assertEquals(123, NtpOffsetSource.port("pool.ntp.org"));
        assertEquals("::1", NtpOffsetSource.host("[::1]:9"));
        assertEquals(9, NtpOffsetSource.port("[::1]:9"));
    }

    @Test
    void backwardCorrectionsAreSlewedNeverStepped() {
        long[] wall = {1_000_000};
        SlewedClock clock = new SlewedClock(() -> wall[0], 50_000); // 50 ms per second
        clock.setTarget(200);
        assertEquals(1_000_200, clock.millis());
        clock.slew(0);
        clock.setTarget(-300); // 500 ms backwards: 10 s of slewing
        long prev = clock.millis();
        for (int i = 1; i <= 120; i++) {
            wall[0] += 100;
            clock.slew(i * 100_000_000L);
            long now = clock.millis();
            assertTrue(now > prev, "the corrected clock never steps back");
            prev = now;
        }
        assertEquals(-300, clock.appliedOffsetMs());
    }
}
