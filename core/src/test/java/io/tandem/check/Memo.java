package io.tandem.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The configurations the search has reached, after Lowe ("Testing for linearizability", 2017,
 * §3): a configuration is the set of linearized completed operations, the set of linearized INFO
 * operations and the model state. Two paths that reach the same configuration have identical
 * futures, so the second need not be explored; that keeps the search polynomial on typical
 * histories instead of factorial.
 *
 * <p>INFO operations get a stronger rule, subset dominance: (L, B, s) need not be explored if
 * some (L, A, s) with A ⊆ B was. Every continuation from the first is also possible from the
 * second, because an INFO operation that is not linearized blocks nothing (it has no return
 * entry) and may simply never take effect. Without this rule, k pending INFO writes make up to
 * 2^k distinct configurations per point of the history, which is what makes chaos histories full
 * of timeouts intractable for a plain memo. For each (L, s) only the minimal INFO sets are kept.
 *
 * <p>Only lookups are used, never iteration, so HashMap order cannot leak into any output.
 *
 * @param <S> the model state
 */
final class Memo<S> {

    private final Map<Key, List<long[]>> minimalInfoSets = new HashMap<>();

    /**
     * Records the configuration unless it is dominated.
     *
     * @return false if this configuration, or one with fewer INFO operations, was already reached
     */
    boolean add(LinearizedSet completed, LinearizedSet info, S state) {
        long mixed = completed.hash() ^ (state.hashCode() * 0x9E3779B97F4A7C15L);
        int hash = (int) (mixed ^ (mixed >>> 32));
        // Probe with the live words first so a hit (the common case when backtracking) copies nothing.
        List<long[]> visited = minimalInfoSets.get(new Key(completed.words(), state, hash));
        long[] current = info.words();
        if (visited == null) {
            visited = new ArrayList<>(1);
            minimalInfoSets.put(new Key(completed.copyOfWords(), state, hash), visited);
        } else {
            for (long[] smaller : visited) {
                if (isSubset(smaller, current)) {
                    return false;
                }
            }
            visited.removeIf(larger -> isSubset(current, larger)); // now dominated by current
        }
        visited.add(info.copyOfWords());
        return true;
    }

    private static boolean isSubset(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) {
            if ((a[i] & ~b[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static final class Key {
        private final long[] words;
        private final Object state;
        private final int hash;

        Key(long[] words, Object state, int hash) {
            this.words = words;
            this.state = state;
            this.hash = hash;
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof Key)) {
                return false;
            }
            Key that = (Key) other;
            return hash == that.hash && Arrays.equals(words, that.words)
                    && state.equals(that.state);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
