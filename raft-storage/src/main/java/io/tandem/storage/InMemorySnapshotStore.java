package io.tandem.storage;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/** A {@link SnapshotStore} in memory, for tests and the simulator; same contract as {@link FileSnapshotStore}. */
public final class InMemorySnapshotStore implements SnapshotStore {

    private record Key(long index, long term) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = Long.compare(index, o.index);
            return c != 0 ? c : Long.compare(term, o.term);
        }
    }

    private record Stored(SnapshotMeta meta, byte[] data) implements Snapshot {
        @Override
        public byte[] read(long offset, int maxBytes) {
            SnapshotChecks.checkRead(offset, maxBytes, data.length);
            return Arrays.copyOfRange(data, (int) offset, (int) Math.min(data.length, offset + maxBytes));
        }

        @Override
        public InputStream openStream() {
            return new FileSnapshot.SnapshotInputStream(this);
        }

        @Override
        public void close() {
        }
    }

    private final int retain;
    private final TreeMap<Key, Stored> snapshots = new TreeMap<>();
    private boolean closed;

    /** @param retain how many snapshots to keep, {@code >= 1} */
    public InMemorySnapshotStore(int retain) {
        SnapshotChecks.checkRetain(retain);
        this.retain = retain;
    }

    @Override
    public synchronized SnapshotWriter create(long lastIncludedIndex, long lastIncludedTerm, byte[] configuration) {
        checkOpen();
        return new Writer(new SnapshotMeta(lastIncludedIndex, lastIncludedTerm, configuration, 0, 0));
    }

    @Override
    public synchronized Optional<Snapshot> latest() {
        checkOpen();
        return snapshots.isEmpty() ? Optional.empty() : Optional.of(snapshots.lastEntry().getValue());
    }

    @Override
    public synchronized List<SnapshotMeta> list() {
        checkOpen();
        List<SnapshotMeta> out = new ArrayList<>();
        snapshots.descendingMap().values().forEach(s -> out.add(s.meta()));
        return out;
    }

    private synchronized Snapshot publish(Stored s) {
        checkOpen();
        snapshots.put(new Key(s.meta().lastIncludedIndex(), s.meta().lastIncludedTerm()), s);
        while (snapshots.size() > retain) {
            snapshots.pollFirstEntry();
        }
        return s;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageClosedException("InMemorySnapshotStore");
        }
    }

    private final class Writer implements SnapshotWriter {
        private final SnapshotMeta header;
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        private final CRC32C crc = new CRC32C();
        private boolean finished;

        Writer(SnapshotMeta header) {
            this.header = header;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            checkWritable();
            data.write(bytes, offset, length);
            crc.update(bytes, offset, length);
        }

        @Override
        public void writeChunk(long offset, byte[] chunk) {
            SnapshotChecks.checkChunkOffset(offset, data.size());
            write(chunk, 0, chunk.length);
        }

        @Override
        public long bytesWritten() {
            return data.size();
        }

        @Override
        public int dataCrc32c() {
            return (int) crc.getValue();
        }

        @Override
        public Snapshot commit() {
            checkWritable();
            finished = true;
            SnapshotMeta meta = new SnapshotMeta(header.lastIncludedIndex(), header.lastIncludedTerm(),
                    header.configuration(), data.size(), dataCrc32c());
            return publish(new Stored(meta, data.toByteArray()));
        }

        @Override
        public void close() {
            finished = true;
        }

        private void checkWritable() {
            if (finished) {
                throw new IllegalStateException("snapshot writer is already committed or abandoned");
            }
        }
    }
}
