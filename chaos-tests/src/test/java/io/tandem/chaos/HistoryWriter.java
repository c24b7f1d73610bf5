package io.tandem.chaos;

import io.tandem.node.Clock;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's history file: one tab-separated record per line, flushed as it is written so a
 * killed client loses nothing it reported. The first field names the record type (each workload
 * defines its own); times are {@link #now()}.
 *
 * <p><b>Time base.</b> Times are the host's monotonic clock ({@code CLOCK_MONOTONIC} behind
 * {@code System.nanoTime()} on Linux), which every process on the machine shares and which network
 * namespaces and libfaketime (run with {@code FAKETIME_DONT_FAKE_MONOTONIC=1}, and only on nodes)
 * leave alone. So times from different client processes are comparable, which real-time order
 * (linearizability, "returned before the other started") needs.
 */
final class HistoryWriter implements AutoCloseable {

    private final BufferedWriter out;

    HistoryWriter(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** The shared time base, in nanoseconds. */
    static long now() {
        return Clock.SYSTEM.monotonicNanos();
    }

    /** Writes one record; fields must not contain tabs or newlines. */
    synchronized void write(Object... fields) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                line.append('\t');
            }
            line.append(fields[i]);
        }
        try {
            out.write(line.append('\n').toString());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    /** Every record of the given files, split into fields; a torn last line is skipped. */
    static List<String[]> read(List<Path> files) throws IOException {
        List<String[]> records = new ArrayList<>();
        for (Path f : files) {
            if (!Files.exists(f)) {
                continue;
            }
            String text = Files.readString(f, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                continue;
            }
            for (String line : text.substring(0, end).split("\n")) {
                if (!line.isEmpty()) {
                    records.add(line.split("\t", -1));
                }
            }
        }
        return records;
    }
}
