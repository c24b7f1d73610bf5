package io.tandem.node;

import io.tandem.InvalidArgumentException;
import io.tandem.TandemException;
import io.tandem.raft.Configuration;
import io.tandem.storage.FileMetaStore;
import io.tandem.storage.FileSnapshotStore;
import io.tandem.storage.MetaStore;
import io.tandem.storage.SnapshotStore;
import io.tandem.storage.SnapshotWriter;
import io.tandem.storage.TermAndVote;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A backup of a running cluster ({@code tandem snapshot save}) and its restore into the data
 * directories of a fresh cluster ({@code tandem snapshot restore}).
 *
 * <p><b>File format, version 1</b> (big-endian):
 * <pre>
 *   magic           8 bytes  "TNDMBKP1"
 *   formatVersion   u32      1
 *   index           u64      last log index the state includes
 *   term            u64      term of that entry
 *   clusterId       u16 length + UTF-8 (empty when the cluster had none)
 *   configuration   u32 length + bytes   the source cluster's members (Configuration.encode)
 *   stateLength     u64
 *   state           stateLength bytes    StateMachine.snapshot at index (the same bytes a
 *                                        snapshot file of the log holds)
 *   crc32c          u32      CRC32C of every byte above
 * </pre>
 *
 * <p><b>Restore.</b> Every founder of the new cluster restores the same file into its empty
 * data directory, naming all founders ({@code id=host:port}). Each directory then holds a
 * snapshot at the backup's index and term whose configuration is the new founders, the term in
 * its metadata, and its node id: the nodes start as members of an existing cluster, elect a
 * leader, and serve the restored state. Sessions of the old cluster expire by the log's time as
 * usual, releasing their locks and claims.
 */
public final class Backup {

    private static final byte[] MAGIC = "TNDMBKP1".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;

    /** What a backup holds, besides the state bytes. */
    public record Header(long index, long term, String clusterId, Configuration configuration, long stateBytes) {
    }

    private Backup() {
    }

    /** Writes the header, then lets {@code state} write the state bytes, then the checksum. */
    static Header write(OutputStream sink, long index, long term, String clusterId, Configuration cfg,
                        StateWriter state) throws IOException {
        CheckedOutputStream checked = new CheckedOutputStream(sink, new CRC32C());
        DataOutputStream out = new DataOutputStream(checked);
        out.write(MAGIC);
        out.writeInt(FORMAT_VERSION);
        out.writeLong(index);
        out.writeLong(term);
        out.writeUTF(clusterId == null ? "" : clusterId);
        byte[] c = cfg.encode();
        out.writeInt(c.length);
        out.write(c);
        // The length comes first, so the state is written to memory once; it is the same size as
        // the snapshot a node writes every snapshotEveryEntries anyway.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        state.writeTo(bytes);
        out.writeLong(bytes.size());
        bytes.writeTo(out);
        out.flush();
        long crc = checked.getChecksum().getValue();
        out.writeInt((int) crc);
        out.flush();
        return new Header(index, term, clusterId == null ? "" : clusterId, cfg, bytes.size());
    }

    /** Writes the state machine's bytes. */
    @FunctionalInterface
    interface StateWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Reads and checks a whole backup file; the state bytes go to {@code stateSink}. */
    public static Header read(Path file, OutputStream stateSink) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            CheckedInputStream checked = new CheckedInputStream(raw, new CRC32C());
            DataInputStream in = new DataInputStream(checked);
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new InvalidArgumentException(file + " is not a Tandem backup (it does not start with "
                        + "TNDMBKP1); make one with 'tandem snapshot save FILE'");
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new InvalidArgumentException(file + " is a backup of format version " + version + "; this"
                        + " Tandem reads version " + FORMAT_VERSION + ". Restore it with the Tandem that saved it");
            }
            long index = in.readLong();
            long term = in.readLong();
            String clusterId = in.readUTF();
            byte[] c = new byte[in.readInt()];
            in.readFully(c);
            long stateLength = in.readLong();
            byte[] buf = new byte[64 * 1024];
            for (long left = stateLength; left > 0; ) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new EOFException("state ends after " + (stateLength - left) + " of " + stateLength
                            + " bytes");
                }
                stateSink.write(buf, 0, n);
                left -= n;
            }
            long expected = checked.getChecksum().getValue();
            int stored = in.readInt();
            if ((int) expected != stored) {
                throw new InvalidArgumentException(file + " is corrupt: CRC32C mismatch (stored 0x"
                        + Integer.toHexString(stored) + ", computed 0x" + Long.toHexString(expected)
                        + "); save a new backup");
            }
            return new Header(index, term, clusterId, Configuration.decode(c), stateLength);
        } catch (EOFException e) {
            throw new InvalidArgumentException(file + " is truncated (" + e.getMessage() + "); the save did not"
                    + " finish. Save a new backup");
        } catch (IOException e) {
            throw new TandemException("cannot read backup " + file + ": " + e, e);
        }
    }

    /**
     * Restores {@code file} into the empty data directory {@code dataDir} of node {@code nodeId},
     * one of the new cluster's founders {@code founders} (node id to advertised host:port).
     *
     * @throws InvalidArgumentException if the directory is not empty, the node is not among the
     *     founders, or the file is not a valid backup
     */
    public static Header restore(Path file, Path dataDir, String nodeId, Map<String, String> founders) {
        if (!founders.containsKey(nodeId)) {
            throw new InvalidArgumentException("node " + nodeId + " is not among the founders " + founders.keySet()
                    + "; list every founder of the new cluster as id=host:port, this node included");
        }
        try {
            if (Files.exists(dataDir)) {
                try (var entries = Files.list(dataDir)) {
                    if (entries.findAny().isPresent()) {
                        throw new InvalidArgumentException("data directory " + dataDir.toAbsolutePath() + " is not"
                                + " empty; restore only into a new, empty directory (move the old one aside)");
                    }
                }
            }
            Files.createDirectories(dataDir);
            Path state = Files.createTempFile(dataDir, "restore-", ".state");
            Header h;
            try {
                try (OutputStream out = Files.newOutputStream(state)) {
                    h = read(file, out);
                }
                Configuration cfg = Configuration.ofVoters(new TreeMap<>(founders));
                SnapshotStore snapshots = FileSnapshotStore.open(dataDir.resolve("snapshots"), 3);
                try (SnapshotWriter w = snapshots.create(h.index(), h.term(), cfg.encode())) {
                    try (OutputStream out = w.asOutputStream()) {
                        Files.copy(state, out);
                    }
                    w.commit();
                } finally {
                    snapshots.close();
                }
                MetaStore meta = FileMetaStore.open(dataDir.resolve("meta"));
                try {
                    meta.save(new TermAndVote(h.term(), null));
                } finally {
                    meta.close();
                }
                Files.writeString(dataDir.resolve("node-id"), nodeId + "\n", StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(state);
            }
            return h;
        } catch (IOException e) {
            throw new TandemException("cannot restore into " + dataDir.toAbsolutePath() + ": " + e
                    + "; check that it is writable", e);
        }
    }
}
