package io.tandem.transport;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * A Kryo {@link Input} over one complete frame that refuses any length claim the frame cannot hold
 * before allocating for it. A frame is at most {@code maxFrameBytes} long, so a hostile
 * "byte[2147483647]" inside a 20-byte frame fails here instead of allocating 2 GiB.
 *
 * <p>Every element of a variable-width array or string takes at least one byte; fixed-width arrays
 * take their element size. Claims above what remains in the frame are rejected.
 */
final class BoundedInput extends Input {

    int remaining() {
        return limit - position;
    }

    /** Throws unless {@code count} elements of at least {@code minBytesEach} fit in what is left. */
    void requireFits(long count, int minBytesEach, String what) {
        if (count < 0 || count * minBytesEach > remaining()) {
            throw new KryoException(what + " claims " + count + " elements but only " + remaining()
                    + " bytes remain in the frame");
        }
    }

    @Override
    public byte[] readBytes(int length) {
        requireFits(length, 1, "byte array");
        return super.readBytes(length);
    }

    @Override
    public int[] readInts(int length) {
        requireFits(length, Integer.BYTES, "int array");
        return super.readInts(length);
    }

    @Override
    public int[] readInts(int length, boolean optimizePositive) {
        requireFits(length, 1, "int array");
        return super.readInts(length, optimizePositive);
    }

    @Override
    public long[] readLongs(int length) {
        requireFits(length, Long.BYTES, "long array");
        return super.readLongs(length);
    }

    @Override
    public long[] readLongs(int length, boolean optimizePositive) {
        requireFits(length, 1, "long array");
        return super.readLongs(length, optimizePositive);
    }

    @Override
    public float[] readFloats(int length) {
        requireFits(length, Float.BYTES, "float array");
        return super.readFloats(length);
    }

    @Override
    public double[] readDoubles(int length) {
        requireFits(length, Double.BYTES, "double array");
        return super.readDoubles(length);
    }

    @Override
    public short[] readShorts(int length) {
        requireFits(length, Short.BYTES, "short array");
        return super.readShorts(length);
    }

    @Override
    public char[] readChars(int length) {
        requireFits(length, Character.BYTES, "char array");
        return super.readChars(length);
    }

    @Override
    public boolean[] readBooleans(int length) {
        requireFits(length, 1, "boolean array");
        return super.readBooleans(length);
    }

    @Override
    public String readString() {
        checkUtf8Length();
        return super.readString();
    }

    @Override
    public StringBuilder readStringBuilder() {
        checkUtf8Length();
        return super.readStringBuilder();
    }

    /**
     * Kryo writes a string as either terminated ASCII (bounded by the frame by construction) or a
     * char count followed by UTF-8. Peek at the count without consuming it: Kryo would allocate a
     * {@code char[count]} before reading a single character.
     */
    private void checkUtf8Length() {
        if (!readVarIntFlag()) {
            return;
        }
        int start = position;
        long countPlusOne = readVarIntFlag(true) & 0xFFFF_FFFFL;
        position = start;
        if (countPlusOne > 1) { // 0 is null, 1 is the empty string
            requireFits(countPlusOne - 1, 1, "string");
        }
    }
}
