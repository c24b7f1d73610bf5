package io.tandem.check;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Lowe's cache ("Testing for linearizability", 2017, §3): the (linearized set, state) pairs the
 * search has already reached. Two paths that linearized the same operations and ended in equal
 * states have identical futures, so the second one need not be explored. This is what keeps the
 * search polynomial on typical histories instead of factorial.
 *
 * <p>Only membership is used, never iteration, so HashSet order cannot leak into any output.
 *
 * @param <S> the model state
 */
final class Memo<S> {

    private final Set<Key> seen = new HashSet<>();

    /** Adds the pair; false if it was already there, i.e. this configuration is explored. */
    boolean add(LinearizedSet linearized, S state) {
        long mixed = linearized.hash() ^ (state.hashCode() * 0x9E3779B97F4A7C15L);
        int hash = (int) (mixed ^ (mixed >>> 32));
        // Probe with the live words first so a cache hit (the common case when backtracking)
        // allocates no copy.
        if (seen.contains(new Key(linearized.words(), state, hash))) {
            return false;
        }
        seen.add(new Key(linearized.copyOfWords(), state, hash));
        return true;
    }

    int size() {
        return seen.size();
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
            return hash == that.hash && Arrays.equals(words, that.words) && state.equals(that.state);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
