package io.tandem.raft;

import java.util.Arrays;
import java.util.Collection;
import java.util.function.ToLongFunction;

/** Majority arithmetic over a voter set. */
final class Quorum {

    private Quorum() {
    }

    /**
     * The largest value that a majority of {@code voters} have reached: sort descending and take
     * the value at position {@code quorum - 1}. Returns 0 for an empty voter set.
     */
    static long majorityValue(Collection<String> voters, ToLongFunction<String> valueOf) {
        int n = voters.size();
        if (n == 0) {
            return 0;
        }
        long[] values = new long[n];
        int i = 0;
        for (String v : voters) {
            values[i++] = valueOf.applyAsLong(v);
        }
        Arrays.sort(values);
        // Ascending order: the (n/2+1)-th largest sits at index n - (n/2 + 1).
        return values[n - (n / 2 + 1)];
    }
}
