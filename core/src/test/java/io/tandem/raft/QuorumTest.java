package io.tandem.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Majority arithmetic against a naive reference (etcd {@code quorum/quick_test.go}). */
class QuorumTest {

    /** The largest value v such that at least a majority of voters have reached v. */
    private static long naiveMajorityValue(List<String> voters, Map<String, Long> values) {
        if (voters.isEmpty()) {
            return 0;
        }
        int quorum = voters.size() / 2 + 1;
        long best = 0;
        for (String candidate : voters) {
            long v = values.get(candidate);
            long reached = voters.stream().filter(x -> values.get(x) >= v).count();
            if (reached >= quorum && v > best) {
                best = v;
            }
        }
        return best;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 0x5eed, 0xC0FFEE})
    @DisplayName("§5.3 majorityValue matches a naive reference on random voter sets and match indexes")
    void matchesNaiveReference(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < 2_000; trial++) {
            int n = r.nextInt(8);
            List<String> voters = new ArrayList<>();
            Map<String, Long> values = new HashMap<>();
            // Small ranges make ties common; large ones exercise ordering.
            long range = r.nextBoolean() ? 4 : 1_000_000;
            for (int i = 0; i < n; i++) {
                String id = "n" + i;
                voters.add(id);
                values.put(id, r.nextLong(range));
            }
            long expected = naiveMajorityValue(voters, values);
            long actual = Quorum.majorityValue(voters, values::get);
            assertEquals(expected, actual, "seed " + seed + " trial " + trial + ": voters " + values);
        }
    }

    @Test
    @DisplayName("§5.3 majorityValue examples: the median of an odd set, the lower middle of an even one")
    void examples() {
        assertEquals(0, Quorum.majorityValue(List.of(), v -> 7));
        assertEquals(7, Quorum.majorityValue(List.of("a"), v -> 7));
        Map<String, Long> m = Map.of("a", 5L, "b", 9L, "c", 1L);
        assertEquals(5, Quorum.majorityValue(List.of("a", "b", "c"), m::get));
        Map<String, Long> four = Map.of("a", 5L, "b", 9L, "c", 1L, "d", 7L);
        // 3 of 4 needed: 9, 7, 5 -> 5.
        assertEquals(5, Quorum.majorityValue(List.of("a", "b", "c", "d"), four::get));
    }
}
