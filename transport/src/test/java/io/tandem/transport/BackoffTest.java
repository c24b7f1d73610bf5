package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static List<Long> delays(long seed) {
        Backoff backoff = new Backoff(50, 5000, new SplittableRandom(seed));
        List<Long> delays = new ArrayList<>();
        for (int failures = 1; failures <= 20; failures++) {
            delays.add(backoff.delayMs(failures));
        }
        return delays;
    }

    @Test
    void sameSeedGivesSameDelaysAndOtherSeedsDiffer() {
        assertEquals(delays(1), delays(1));
        assertNotEquals(delays(1), delays(2));
    }

    @Test
    void baseDoublesUntilTheCapAndNeverOverflows() {
        Backoff backoff = new Backoff(50, 5000, new SplittableRandom(0));
        assertEquals(50, backoff.baseMs(1));
        assertEquals(100, backoff.baseMs(2));
        assertEquals(3200, backoff.baseMs(7));
        assertEquals(5000, backoff.baseMs(8));
        assertEquals(5000, backoff.baseMs(70));
        assertEquals(5000, backoff.baseMs(Integer.MAX_VALUE));
    }

    @Test
    void everyDelayLiesInTheUpperHalfOfItsBase() {
        Backoff backoff = new Backoff(50, 5000, new SplittableRandom(3));
        for (int failures = 1; failures < 40; failures++) {
            for (int i = 0; i < 200; i++) {
                long delay = backoff.delayMs(failures);
                long base = backoff.baseMs(failures);
                assertTrue(delay >= base / 2 && delay <= base, failures + ": " + delay + " vs base " + base);
            }
        }
    }
}
