package io.tandem.storage;

import java.util.Arrays;

/** A growable array of primitive longs, to keep per-entry offsets and terms without boxing. */
final class LongList {

    private long[] values;
    private int size;

    LongList(int initialCapacity) {
        values = new long[Math.max(4, initialCapacity)];
    }

    int size() {
        return size;
    }

    long get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size + ")");
        }
        return values[i];
    }

    long last() {
        return get(size - 1);
    }

    void add(long v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    /** Keeps the first {@code newSize} values. */
    void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IndexOutOfBoundsException("size " + newSize + " outside [0, " + size + "]");
        }
        size = newSize;
    }

    /** Drops the first {@code count} values. */
    void dropFirst(int count) {
        System.arraycopy(values, count, values, 0, size - count);
        size -= count;
    }

    /** The largest position {@code i} with {@code get(i) <= key}, or -1; values must be ascending. */
    int floor(long key) {
        int pos = Arrays.binarySearch(values, 0, size, key);
        return pos >= 0 ? pos : -pos - 2;
    }
}
