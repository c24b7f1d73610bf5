package io.tandem.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Binary form of {@link Envelope}s (log entry payloads) and of {@link CommandResult}s (kept in
 * snapshots for de-duplication). Hand-written rather than reflective so the log format is fixed
 * and versioned.
 *
 * <pre>
 * envelope, format version 1 (big-endian):
 * +--------+-------------+--------------+-----------------+---------+----------------+
 * | u8 = 1 | i64 session | i64 sequence | i64 ackedSequence | u8 code | command fields |
 * +--------+-------------+--------------+-----------------+---------+----------------+
 * OpenSession (1): utf nodeId, i64 timeoutMs, i64 nonce     KeepAlive (2), CloseSession (3), Tick (20): -
 * SetClusterVersion (4): i32 version (session 0, like OpenSession)
 * Put (10): utf key, i32 len + value bytes, i64 expectedVersion, i64 ttlMs, u8 ephemeral
 * Delete (11): utf key, i64 expectedVersion
 * AcquireLock (30): u8 kind, utf name, i64 owner, i32 permits, i32 capacity, i64 waitMs, i64 maxHoldMs
 * ReleaseLock (31): u8 kind, utf name, i64 owner, i64 token    CancelLockWait (32): u8 kind, utf name, i64 owner
 * (kind: 0 lock, 1 semaphore, 2 read-write lock, 3 election)
 * ReserveTimestampWindow (50): i64 upTo
 * Task commands (60–89) and results (40–69): see {@link TaskCodec}
 * utf = u16 length + modified UTF-8
 * </pre>
 *
 * <p>Each command kind has a level ({@link CommandLevels}); a reader refuses kinds above the
 * level it is given, and trailing bytes after the last field, as malformed.
 */
public final class CommandCodec {

    static final byte FORMAT_VERSION = 1;

    private CommandCodec() {
    }

    public static byte[] encode(Envelope e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            out.writeLong(e.sessionId());
            out.writeLong(e.sequence());
            out.writeLong(e.ackedSequence());
            writeCommand(out, e.command());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    /** Decodes a log payload of any kind this build reads; see {@link #decode(byte[], int)}. */
    public static Envelope decode(byte[] payload) {
        return decode(payload, CommandLevels.CURRENT);
    }

    /**
     * Decodes a log payload whose command kind is at most {@code maxLevel}; throws
     * {@link IllegalArgumentException} naming what is wrong (format version, unknown or too new
     * a kind, truncated fields, trailing bytes).
     */
    public static Envelope decode(byte[] payload, int maxLevel) {
        if (payload == null || payload.length == 0) {
            throw new IllegalArgumentException("empty command payload");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            byte version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("command format version " + version
                        + " is not supported by this build (reads version " + FORMAT_VERSION + ")");
            }
            long session = in.readLong();
            long sequence = in.readLong();
            long acked = in.readLong();
            byte code = in.readByte();
            int level = CommandLevels.levelOf(code);
            if (level == Integer.MAX_VALUE) {
                throw new IllegalArgumentException("unknown command code " + code + " (a newer build's command, or a"
                        + " corrupt payload)");
            }
            if (level > maxLevel) {
                throw new IllegalArgumentException("command code " + code + " needs command level " + level
                        + ", above the " + maxLevel + " allowed here");
            }
            Command command = readCommand(code, in);
            if (in.available() > 0) {
                throw new IllegalArgumentException("command code " + code + " is followed by " + in.available()
                        + " unexpected bytes");
            }
            return new Envelope(session, sequence, acked, command);
        } catch (IOException ex) {
            throw new IllegalArgumentException("corrupt command payload of " + payload.length + " bytes: " + ex, ex);
        }
    }

    /**
     * The session and sequence a payload claims, read without decoding its command, so an entry
     * whose command cannot be decoded can still be answered to its proposer; {@code null} when
     * even that header is unreadable.
     */
    public static long[] header(byte[] payload) {
        if (payload == null || payload.length < 25 || payload[0] != FORMAT_VERSION) {
            return null;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(payload);
        return new long[] {b.getLong(1), b.getLong(9)};
    }

    static void writeCommand(DataOutput out, Command c) throws IOException {
        if (c instanceof TaskCommand t) {
            TaskCodec.writeCommand(out, t);
            return;
        }
        out.writeByte(c.code());
        if (c instanceof Command.OpenSession o) {
            out.writeUTF(o.nodeId());
            out.writeLong(o.timeoutMs());
            out.writeLong(o.nonce());
        } else if (c instanceof Command.Put p) {
            out.writeUTF(p.key());
            writeBytes(out, p.value());
            out.writeLong(p.expectedVersion());
            out.writeLong(p.ttlMs());
            out.writeBoolean(p.ephemeral());
        } else if (c instanceof Command.Delete d) {
            out.writeUTF(d.key());
            out.writeLong(d.expectedVersion());
        } else if (c instanceof Command.AcquireLock a) {
            out.writeByte(a.kind().code);
            out.writeUTF(a.name());
            out.writeLong(a.owner());
            out.writeInt(a.permits());
            out.writeInt(a.capacity());
            out.writeLong(a.waitMs());
            out.writeLong(a.maxHoldMs());
        } else if (c instanceof Command.ReleaseLock r) {
            out.writeByte(r.kind().code);
            out.writeUTF(r.name());
            out.writeLong(r.owner());
            out.writeLong(r.token());
        } else if (c instanceof Command.CancelLockWait w) {
            out.writeByte(w.kind().code);
            out.writeUTF(w.name());
            out.writeLong(w.owner());
        } else if (c instanceof Command.ReserveTimestampWindow t) {
            out.writeLong(t.upTo());
        } else if (c instanceof Command.SetClusterVersion v) {
            out.writeInt(v.version());
        }
        // KeepAlive, CloseSession and Tick carry no fields.
    }

    static Command readCommand(DataInput in) throws IOException {
        return readCommand(in.readByte(), in);
    }

    static Command readCommand(byte code, DataInput in) throws IOException {
        return switch (code) {
            case 1 -> new Command.OpenSession(in.readUTF(), in.readLong(), in.readLong());
            case 2 -> new Command.KeepAlive();
            case 3 -> new Command.CloseSession();
            case 4 -> new Command.SetClusterVersion(in.readInt());
            case 10 -> new Command.Put(in.readUTF(), readBytes(in), in.readLong(), in.readLong(), in.readBoolean());
            case 11 -> new Command.Delete(in.readUTF(), in.readLong());
            case 20 -> new Command.Tick();
            case 30 -> new Command.AcquireLock(kind(in), in.readUTF(), in.readLong(), in.readInt(), in.readInt(),
                    in.readLong(), in.readLong());
            case 31 -> new Command.ReleaseLock(kind(in), in.readUTF(), in.readLong(), in.readLong());
            case 32 -> new Command.CancelLockWait(kind(in), in.readUTF(), in.readLong());
            case 50 -> new Command.ReserveTimestampWindow(in.readLong());
            default -> {
                if (TaskCodec.isCommand(code)) {
                    yield TaskCodec.readCommand(code, in);
                }
                throw new IOException("unknown command code " + code);
            }
        };
    }

    private static LockKind kind(DataInput in) throws IOException {
        byte code = in.readByte();
        try {
            return LockKind.of(code);
        } catch (IllegalArgumentException e) {
            throw new IOException("unknown lock kind " + code, e);
        }
    }

    static void writeResult(DataOutput out, CommandResult r) throws IOException {
        if (r instanceof TaskResult t) {
            TaskCodec.writeResult(out, t);
            return;
        }
        out.writeByte(r.code());
        if (r instanceof CommandResult.SessionOpened s) {
            out.writeLong(s.sessionId());
            out.writeLong(s.timeoutMs());
        } else if (r instanceof CommandResult.Written w) {
            writeRecord(out, w.record());
        } else if (r instanceof CommandResult.Deleted d) {
            out.writeBoolean(d.previous() != null);
            if (d.previous() != null) {
                writeRecord(out, d.previous());
            }
        } else if (r instanceof CommandResult.VersionConflict v) {
            out.writeUTF(v.key());
            out.writeLong(v.expected());
            out.writeLong(v.actual());
        } else if (r instanceof CommandResult.SessionExpired s) {
            out.writeLong(s.sessionId());
        } else if (r instanceof CommandResult.Rejected rj) {
            out.writeUTF(rj.reason());
        } else if (r instanceof CommandResult.LockGranted g) {
            out.writeUTF(g.name());
            out.writeLong(g.token());
        } else if (r instanceof CommandResult.LockQueued q) {
            out.writeUTF(q.name());
            out.writeInt(q.position());
        } else if (r instanceof CommandResult.LockNotAcquired n) {
            out.writeUTF(n.name());
        } else if (r instanceof CommandResult.LockReleased rl) {
            out.writeUTF(rl.name());
            out.writeBoolean(rl.released());
        } else if (r instanceof CommandResult.TimestampWindow tw) {
            out.writeLong(tw.from());
            out.writeLong(tw.upTo());
        }
        // Done carries no fields.
    }

    static CommandResult readResult(DataInput in) throws IOException {
        byte code = in.readByte();
        return switch (code) {
            case 1 -> new CommandResult.Done();
            case 2 -> new CommandResult.SessionOpened(in.readLong(), in.readLong());
            case 3 -> new CommandResult.Written(readRecord(in));
            case 4 -> new CommandResult.Deleted(in.readBoolean() ? readRecord(in) : null);
            case 5 -> new CommandResult.VersionConflict(in.readUTF(), in.readLong(), in.readLong());
            case 6 -> new CommandResult.SessionExpired(in.readLong());
            case 7 -> new CommandResult.Rejected(in.readUTF());
            case 8 -> new CommandResult.LockGranted(in.readUTF(), in.readLong());
            case 9 -> new CommandResult.LockQueued(in.readUTF(), in.readInt());
            case 10 -> new CommandResult.LockNotAcquired(in.readUTF());
            case 11 -> new CommandResult.LockReleased(in.readUTF(), in.readBoolean());
            case 30 -> new CommandResult.TimestampWindow(in.readLong(), in.readLong());
            default -> {
                if (TaskCodec.isResult(code)) {
                    yield TaskCodec.readResult(code, in);
                }
                throw new IOException("unknown result code " + code);
            }
        };
    }

    static void writeRecord(DataOutput out, Record r) throws IOException {
        out.writeUTF(r.key());
        writeBytes(out, r.value());
        out.writeLong(r.version());
        out.writeLong(r.createRevision());
        out.writeLong(r.modRevision());
        out.writeLong(r.expiresAtMs());
        out.writeLong(r.ownerSession());
    }

    static Record readRecord(DataInput in) throws IOException {
        return new Record(in.readUTF(), readBytes(in), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                in.readLong());
    }

    static void writeBytes(DataOutput out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static byte[] readBytes(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (64 << 20)) {
            throw new IOException("byte array length " + n + " out of range");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
