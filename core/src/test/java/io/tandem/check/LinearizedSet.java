package io.tandem.check;

import java.util.Arrays;

/**
 * The set of operations linearized so far on the current search path, as a bitset with an
 * incrementally maintained Zobrist hash, so that hashing the memo key costs O(1) per step instead
 * of O(operations / 64). Single-threaded, mutable.
 */
final class LinearizedSet {

    private final long[] words;
    private long hash;

    LinearizedSet(int size) {
        this.words = new long[(size + 63) >>> 6];
    }

    void set(int op) {
        long bit = 1L << op;
        if ((words[op >>> 6] & bit) != 0) {
            throw new IllegalStateException("operation " + op + " is already linearized");
        }
        words[op >>> 6] |= bit;
        hash ^= zobrist(op);
    }

    void clear(int op) {
        long bit = 1L << op;
        if ((words[op >>> 6] & bit) == 0) {
            throw new IllegalStateException("operation " + op + " is not linearized");
        }
        words[op >>> 6] &= ~bit;
        hash ^= zobrist(op);
    }

    boolean contains(int op) {
        return (words[op >>> 6] & (1L << op)) != 0;
    }

    long hash() {
        return hash;
    }

    /** The live words; callers must not modify them or keep them past the next mutation. */
    long[] words() {
        return words;
    }

    long[] copyOfWords() {
        return Arrays.copyOf(words, words.length);
    }

    /** SplitMix64's finalizer: a fixed pseudo-random 64-bit value per operation, no RNG needed. */
    private static long zobrist(int op) {
        long z = (op + 1L) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
