package io.tandem.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Test entries whose content is a function of (index, term), so any reader can check them. */
final class Entries {

    private Entries() {
    }

    static LogEntry entry(long index, long term) {
        return entry(index, term, (int) (index % 50));
    }

    static LogEntry entry(long index, long term, int payloadBytes) {
        byte[] payload = new byte[payloadBytes];
        SplittableRandom r = new SplittableRandom(index * 31 + term);
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) r.nextInt(256);
        }
        byte[] tag = ("i" + index).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, payload, 0, Math.min(tag.length, payload.length));
        return new LogEntry(index, term, (byte) (index % 7), index * 1000 + term, payload);
    }

    static List<LogEntry> batch(long from, int count, long term) {
        List<LogEntry> out = new ArrayList<>();
        for (long i = from; i < from + count; i++) {
            out.add(entry(i, term));
        }
        return out;
    }

    static List<LogEntry> batch(long from, int count, long term, int payloadBytes) {
        List<LogEntry> out = new ArrayList<>();
        for (long i = from; i < from + count; i++) {
            out.add(entry(i, term, payloadBytes));
        }
        return out;
    }

    /** True if {@code e} is exactly what {@link #entry(long, long, int)} makes for its index and term. */
    static boolean isIntact(LogEntry e) {
        LogEntry expected = entry(e.index(), e.term(), e.payload().length);
        return expected.equals(e) && Arrays.equals(expected.payload(), e.payload());
    }
}
